"""Listing conversations: every filter, newest first, pages that add up to the total."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from warmline.errors import InvalidInputError
from warmline.model import Analysis, Channel, CustomerEmotion, Score
from warmline.store import ConversationFilters, Store

from .helpers import conversation


def _day(n: int) -> datetime:
    return datetime(2026, 3, n, 12, 0, tzinfo=UTC)


def _scored(convo_id: str, score: float, emotion: str) -> Analysis:
    annotations = (
        CustomerEmotion("warmline.customer_emotion.v1", 0, label=emotion),
        Score("warmline.empathy_score.v1", None, scorecard="warmline.default", scorecard_version="1", score=score),
    )
    return Analysis(_CONVERSATIONS[convo_id], annotations)


_CONVERSATIONS = {
    c.id: c
    for c in (
        conversation("a1", started_at=_day(1), agent_id="agent-ana", team="billing", channel=Channel.VOICE),
        conversation("a2", started_at=_day(2), agent_id="agent-ana", team="billing", channel=Channel.CHAT),
        conversation("b3", started_at=_day(3), agent_id="agent-ben", team="support", channel=Channel.CHAT),
        conversation("b4", started_at=_day(4), agent_id="agent-ben", team="support", channel=Channel.EMAIL),
        conversation("c5", started_at=_day(5), agent_id="agent-cy", team="billing", channel=Channel.VOICE),
        conversation("n6", started_at=None, agent_id=None, team=None, channel=Channel.CHAT),
    )
}


@pytest.fixture
def listed(store: Store) -> Store:
    store.ingest(_CONVERSATIONS.values())
    store.save_analyses([_scored("a1", 35.0, "anger"), _scored("b3", 80.0, "joy"), _scored("c5", 60.0, "anger")])
    store.save_analyses([_scored("a1", 45.0, "sadness")])  # a re-score: a1's latest is now 45 and sadness
    return store


def _ids(store: Store, **filters: object) -> list[str]:
    page = store.list_conversations(ConversationFilters(**filters), limit=100)  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return [c.id for c in page.items]


def test_listing_is_newest_first_with_undated_last(listed: Store) -> None:
    assert _ids(listed) == ["c5", "b4", "b3", "a2", "a1", "n6"]


def test_listing_filters_by_agent_team_and_channel(listed: Store) -> None:
    assert _ids(listed, agent="agent-ana") == ["a2", "a1"]
    assert _ids(listed, team="billing") == ["c5", "a2", "a1"]
    assert _ids(listed, channel=Channel.VOICE) == ["c5", "a1"]
    assert _ids(listed, team="billing", channel=Channel.CHAT) == ["a2"]
    assert _ids(listed, agent="nobody") == []


def test_listing_filters_by_date_range(listed: Store) -> None:
    assert _ids(listed, since=_day(2), until=_day(4)) == ["b3", "a2"]
    # the same instant in another offset, and a naive date-time taken as UTC
    plus_two = timezone(timedelta(hours=2))
    assert _ids(listed, since=datetime(2026, 3, 4, 14, 0, tzinfo=plus_two)) == ["c5", "b4"]
    assert _ids(listed, until=datetime(2026, 3, 1, 12, 0, 1)) == ["a1"]


def test_listing_filters_by_the_latest_score_and_emotion(listed: Store) -> None:
    assert _ids(listed, min_score=40) == ["c5", "b3", "a1"]
    assert _ids(listed, max_score=40) == []  # a1's old 35 no longer counts
    assert _ids(listed, min_score=45, max_score=60) == ["c5", "a1"]
    assert _ids(listed, emotion="anger") == ["c5"]
    assert _ids(listed, emotion="sadness") == ["a1"]
    assert _ids(listed, emotion="anger", team="support") == []


def test_listing_summaries_carry_the_latest_score_and_run(listed: Store) -> None:
    page = listed.list_conversations(ConversationFilters(agent="agent-ana"))
    a1 = next(c for c in page.items if c.id == "a1")
    assert (a1.score, a1.agent_id, a1.team, a1.turn_count, a1.channel) == (45.0, "agent-ana", "billing", 2, "voice")
    assert a1.run_id == listed.runs_for("a1")[0].id
    assert a1.started_at == _day(1)


def test_listing_pages_add_up_to_the_total(listed: Store) -> None:
    pages = [listed.list_conversations(limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [p.total for p in pages] == [6, 6, 6]
    assert [len(p.items) for p in pages] == [4, 2, 0]
    assert [c.id for p in pages for c in p.items] == _ids(listed)


def test_listing_refuses_a_bad_page(store: Store) -> None:
    with pytest.raises(InvalidInputError, match="limit"):
        store.list_conversations(limit=0)
    with pytest.raises(InvalidInputError, match="offset"):
        store.list_conversations(offset=-1)
