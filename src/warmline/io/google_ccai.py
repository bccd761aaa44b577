"""Google CCAI Insights (Conversational Insights) conversation files: chat transcripts as ``entries[]``.

Each file is one conversation: ``entries[]`` of ``text``, ``role`` (AGENT, AUTOMATED_AGENT,
CUSTOMER, END_USER), ``user_id`` and ``start_timestamp_usec`` (microseconds since the Unix epoch),
with optional ``conversation_info.categories``. The format has no conversation id, so the file name
is the id. See ``docs/formats/google-ccai.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io._vendor_json import (
    as_list,
    as_object,
    epoch_datetime,
    finish_turns,
    first_object,
    head_has_keys,
    load_json,
    map_role,
    not_this_format,
    number,
    parse_head,
    record_error,
    records,
    required_text,
    role_key,
)
from warmline.io.base import RecordError, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_WHAT = "Google CCAI Insights conversation"
_ROLES = {
    "agent": Role.AGENT,
    "human_agent": Role.AGENT,
    "automated_agent": Role.BOT,
    "customer": Role.CUSTOMER,
    "end_user": Role.CUSTOMER,
}


def _get(entry: Mapping[str, Any], snake: str, camel: str) -> Any:
    """Insights writes snake_case; proto-JSON exports of the same data use camelCase."""
    return entry[snake] if snake in entry else entry.get(camel)


def _looks_like_ccai(doc: Mapping[str, Any]) -> bool:
    entries = doc.get("entries")
    if not isinstance(entries, list):
        return False
    if not entries:
        return isinstance(doc.get("conversation_info"), Mapping)
    first = entries[0]
    return (
        isinstance(first, Mapping)
        and role_key(first.get("role", "")) in _ROLES
        and any(k in first for k in ("start_timestamp_usec", "startTimestampUsec", "user_id", "userId"))
    )


class GoogleCCAIImporter:
    """Google CCAI Insights conversation JSON (``entries[]`` with ``role`` and ``start_timestamp_usec``)."""

    name = "google-ccai"
    description = "Google CCAI Insights conversation JSON: entries[] with role, user_id, start_timestamp_usec"

    def sniff(self, path: Path, head: str) -> float:
        doc = first_object(parse_head(head))
        if doc is not None:
            return 0.95 if _looks_like_ccai(doc) else 0.0
        if head_has_keys(head, "entries", "start_timestamp_usec", "role"):
            return 0.85
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT)
        docs = records(data)
        if not any(isinstance(d, Mapping) and isinstance(d.get("entries"), list) for d in docs):
            raise not_this_format(path, _WHAT, "expected an object with an entries list")
        for number_, doc in enumerate(docs, start=1):
            convo_id = path.stem if len(docs) == 1 else f"{path.stem}-{number_}"
            try:
                yield self._conversation(as_object(doc, f"[{number_ - 1}]"), convo_id)
            except WarmlineError as exc:
                yield record_error(exc, path, number_)

    def _conversation(self, doc: Mapping[str, Any], convo_id: str) -> Conversation:
        entries = as_list(doc.get("entries"), "entries")
        parsed: list[tuple[Role, str, float | None, str | None, str]] = []
        for i, raw in enumerate(entries):
            where = f"entries[{i}]"
            entry = as_object(raw, where)
            text = required_text(entry, "text", where)
            raw_role = entry.get("role")
            role = map_role(raw_role, _ROLES, f"{where}.role")
            usec_field = "start_timestamp_usec" if "start_timestamp_usec" in entry else "startTimestampUsec"
            usec = number(entry.get(usec_field), f"{where}.{usec_field}")
            if usec is not None and usec < 0:
                raise InvalidInputError(f"{usec:g} is before 1970", field=f"{where}.{usec_field}")
            user = _get(entry, "user_id", "userId")
            parsed.append((role, text, usec, None if user is None else str(user), str(raw_role)))

        stamps = [usec for _, _, usec, _, _ in parsed if usec is not None]
        # "chronologically ordered" by the spec; times count from the first entry, and never run backwards
        origin = stamps[0] if stamps else None
        turns: list[Turn] = []
        for i, (role, text, usec, user, raw_role) in enumerate(parsed):
            start = None if usec is None or origin is None else (usec - origin) / 1_000_000
            if start is not None and start < 0:
                raise InvalidInputError(
                    f"entry starts {-start:g}s before the first entry; entries must be in time order",
                    field=f"entries[{i}].start_timestamp_usec",
                )
            meta: dict[str, Any] = {}
            if role_key(raw_role) not in ("agent", "customer"):
                meta["ccai_role"] = raw_role
            turns.append(Turn(index=i, role=role, text=text, speaker_id=user, start=start, metadata=meta))

        metadata: dict[str, Any] = {"source_format": self.name}
        info = doc.get("conversation_info")
        if isinstance(info, Mapping):
            names = [
                str(c["display_name"])
                for c in info.get("categories") or []
                if isinstance(c, Mapping) and c.get("display_name")
            ]
            if names:
                metadata["categories"] = names
        return Conversation(
            id=convo_id,
            turns=finish_turns(turns, metadata, where="entries"),
            channel=Channel.CHAT,
            started_at=None if origin is None else epoch_datetime(origin / 1_000_000),
            agent_id=_first_speaker(turns, Role.AGENT),
            customer_id=_first_speaker(turns, Role.CUSTOMER),
            metadata=metadata,
        )


def _first_speaker(turns: list[Turn], role: Role) -> str | None:
    return next((t.speaker_id for t in turns if t.role is role and t.speaker_id is not None), None)


register_importer(GoogleCCAIImporter())

__all__ = ["GoogleCCAIImporter"]
