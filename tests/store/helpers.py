"""Small conversations built by hand for the store tests."""

from __future__ import annotations

from datetime import UTC, datetime

from warmline.model import Channel, Conversation, Role, Turn


def conversation(
    convo_id: str,
    *,
    texts: tuple[str, ...] = ("My bill is wrong again.", "I'm sorry, let me put that right."),
    channel: Channel = Channel.CHAT,
    started_at: datetime | None = datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    agent_id: str | None = "agent-ana",
    team: str | None = "billing",
) -> Conversation:
    """A small conversation: turns alternate customer, agent."""
    roles = (Role.CUSTOMER, Role.AGENT)
    return Conversation(
        id=convo_id,
        turns=tuple(Turn(i, roles[i % 2], t) for i, t in enumerate(texts)),
        channel=channel,
        started_at=started_at,
        agent_id=agent_id,
        team=team,
    )
