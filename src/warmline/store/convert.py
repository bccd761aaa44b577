"""Between the conversation model and table rows: checking, canonical JSON, content hashes, and back."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from warmline.errors import InvalidInputError
from warmline.model import Annotation, Channel, Conversation, Role, Turn
from warmline.store.tables import ConversationRow, TurnRow

#: The longest value each text column takes (PostgreSQL enforces them; SQLite would not).
LIMITS = {"id": 500, "agent_id": 200, "customer_id": 200, "team": 200, "speaker_id": 200, "channel": 50}


@dataclass(frozen=True, slots=True)
class PreparedConversation:
    """A conversation checked and turned into column values, with its content hash."""

    conversation: Conversation
    content_hash: str
    started_at: datetime | None
    started_at_utc_offset: int | None
    metadata: dict[str, Any]
    turns: list[dict[str, Any]]


def prepare(conversation: Conversation) -> PreparedConversation:
    """Check a conversation can be stored as it is and compute its column values and content hash.

    Raises
    ------
    InvalidInputError
        naming the field: a value too long for its column, a NUL character, a turn index used twice,
        or metadata that is not JSON (NaN, say).
    """
    c = conversation
    for name in ("id", "agent_id", "customer_id", "team"):
        _check_text(getattr(c, name), name, LIMITS[name])
    seen: set[int] = set()
    turns: list[dict[str, Any]] = []
    for position, t in enumerate(c.turns):
        where = f"turns[{position}]"
        if t.index in seen:
            raise InvalidInputError(f"turn index {t.index} is used twice", field=f"{where}.index")
        seen.add(t.index)
        _check_text(t.text, f"{where}.text", None)
        _check_text(t.speaker_id, f"{where}.speaker_id", LIMITS["speaker_id"])
        _check_text(t.channel, f"{where}.channel", LIMITS["channel"])
        turns.append(
            {
                "turn_index": t.index,
                "role": _value(Role, t.role, f"{where}.role"),
                "speaker_id": t.speaker_id,
                "text": t.text,
                "start": t.start,
                "end": t.end,
                "channel": t.channel,
                "metadata": plain_json(t.metadata, f"{where}.metadata"),
            }
        )
    metadata = plain_json(c.metadata, "metadata")
    canonical = {
        "id": c.id,
        "channel": _value(Channel, c.channel, "channel"),
        "started_at": c.started_at.isoformat() if c.started_at is not None else None,
        "agent_id": c.agent_id,
        "customer_id": c.customer_id,
        "team": c.team,
        "metadata": metadata,
        "turns": turns,
    }
    try:
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise InvalidInputError("a turn's start or end is not a finite number", field="turns") from None
    utc, offset = split_started_at(c.started_at)
    return PreparedConversation(
        conversation=c,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        started_at=utc,
        started_at_utc_offset=offset,
        metadata=metadata,
        turns=turns,
    )


def _value(enum: type[Role] | type[Channel], value: str, field: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInputError(f"{value!r} is not one of {allowed}", field=field) from None


def _check_text(value: str | None, field: str, limit: int | None) -> None:
    if value is None:
        return
    if "\x00" in value:
        raise InvalidInputError("contains a NUL character (0x00); remove it from the source", field=field)
    if limit is not None and len(value) > limit:
        raise InvalidInputError(f"is {len(value)} characters long; the store keeps at most {limit}", field=field)


def plain_json(value: Mapping[str, Any], field: str) -> dict[str, Any]:
    """``value`` as plain JSON data (what the database will give back); dates and other objects become text."""
    if not value:
        return {}
    try:
        result: dict[str, Any] = json.loads(json.dumps(dict(value), default=str, allow_nan=False))
    except ValueError as exc:
        raise InvalidInputError(f"is not valid JSON: {exc}", field=field) from None
    return result


def split_started_at(value: datetime | None) -> tuple[datetime | None, int | None]:
    """The UTC instant and the UTC offset in seconds (``None`` for a naive date-time, taken as UTC)."""
    if value is None:
        return None, None
    offset = value.utcoffset()
    if offset is None:
        return value.replace(tzinfo=UTC), None
    return value.astimezone(UTC), int(offset.total_seconds())


def join_started_at(utc: datetime | None, offset: int | None) -> datetime | None:
    """The date-time as it was imported, from the UTC instant and the offset ``split_started_at`` gave."""
    if utc is None:
        return None
    utc = utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc.astimezone(UTC)
    if offset is None:
        return utc.replace(tzinfo=None)
    return utc.astimezone(timezone(timedelta(seconds=offset)))


def to_conversation(
    row: ConversationRow, turns: Sequence[TurnRow], *, agent_id: str | None, team: str | None
) -> Conversation:
    return Conversation(
        id=row.external_id,
        turns=tuple(
            Turn(
                index=t.turn_index,
                role=Role(t.role),
                text=t.text,
                speaker_id=t.speaker_id,
                start=t.start,
                end=t.end,
                channel=t.channel,
                metadata=dict(t.meta or {}),
            )
            for t in turns
        ),
        channel=Channel(row.channel),
        started_at=join_started_at(row.started_at, row.started_at_utc_offset),
        agent_id=agent_id,
        customer_id=row.customer_id,
        team=team,
        metadata=dict(row.meta or {}),
    )


#: The attribute whose value an annotation is listed by: what ``annotations.label`` holds.
_LABEL_ATTRIBUTES = ("label", "behaviour", "status")


def annotation_label(annotation: Annotation) -> str | None:
    """A customer emotion's label, a behaviour's name, an emotional moment's status; else ``None``."""
    for attribute in _LABEL_ATTRIBUTES:
        value = getattr(annotation, attribute, None)
        if isinstance(value, str) and value:
            return value[:200]
    return None
