"""Amazon Connect Contact Lens output files: one analysed contact (voice call or chat) per JSON file.

Reads ``Version``, ``Channel`` (VOICE|CHAT), ``ContentMetadata`` (``Output`` Raw|Redacted,
``RedactionTypes``), ``Participants[]`` (``ParticipantId`` → ``ParticipantRole``),
``CustomerMetadata.ContactId`` and ``Transcript[]``. Voice turns are timed by
``BeginOffsetMillis``/``EndOffsetMillis``; chat messages by their ``AbsoluteTime`` (the
``CharacterOffsets`` in chat files locate issues and redactions inside a message, not the message
in time). Redacted files keep their ``[PII]`` placeholders and are marked ``metadata["redacted"]``.
See ``docs/formats/contact-lens.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io._vendor_json import (
    as_list,
    as_object,
    check_span,
    finish_turns,
    first_object,
    head_has_keys,
    iso_datetime,
    jsonable,
    load_json,
    map_role,
    millis,
    not_this_format,
    parse_head,
    record_error,
    records,
    role_key,
)
from warmline.io.base import RecordError, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_WHAT = "Amazon Connect Contact Lens"
_ROLES = {
    "agent": Role.AGENT,
    "supervisor": Role.AGENT,  # a supervisor who barges in speaks for the contact center
    "customer": Role.CUSTOMER,
    "system": Role.SYSTEM,
    "custom_bot": Role.BOT,
    "bot": Role.BOT,
}
_CHANNELS = {"voice": Channel.VOICE, "chat": Channel.CHAT, "email": Channel.EMAIL}
_EVENT_CONTENT_TYPE = "application/vnd.amazonaws.connect.event"


def _looks_like_contact_lens(doc: Mapping[str, Any]) -> bool:
    turns = doc.get("Transcript")
    if not isinstance(turns, list) or "JobName" in doc:
        return False
    if "CustomerMetadata" in doc:
        return True
    # without the contact's metadata, the participant table and per-turn ParticipantId still set it apart
    first = turns[0] if turns else None
    return isinstance(first, Mapping) and "ParticipantId" in first and ("Participants" in doc or "Version" in doc)


class ContactLensImporter:
    """Amazon Connect Contact Lens analysis output (voice or chat, raw or redacted)."""

    name = "contact-lens"
    description = "Amazon Connect Contact Lens output file: Participants[], Transcript[], CustomerMetadata"

    def sniff(self, path: Path, head: str) -> float:
        doc = first_object(parse_head(head))
        if doc is not None:
            return 0.95 if _looks_like_contact_lens(doc) else 0.0
        if (
            head_has_keys(head, "Transcript", "ParticipantId")
            and any(head_has_keys(head, key) for key in ("CustomerMetadata", "Participants", "Version"))
            and not head_has_keys(head, "JobName")
        ):
            return 0.8
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT)
        docs = records(data)
        if not any(isinstance(d, Mapping) and isinstance(d.get("Transcript"), list) for d in docs):
            raise not_this_format(path, _WHAT, "expected an object with Participants and a Transcript list")
        for number, doc in enumerate(docs, start=1):
            record: int | str = number
            try:
                doc = as_object(doc, f"[{number - 1}]")
                contact_id = _contact_id(doc)
                record = contact_id or number
                yield self._conversation(doc, contact_id or (path.stem if len(docs) == 1 else f"{path.stem}-{number}"))
            except WarmlineError as exc:
                yield record_error(exc, path, record)

    def _conversation(self, doc: Mapping[str, Any], convo_id: str) -> Conversation:
        raw_turns = doc.get("Transcript")
        if raw_turns is None:
            raise InvalidInputError("missing the Transcript list", field="Transcript")
        items = as_list(raw_turns, "Transcript")
        participants = _participants(doc)
        content = doc.get("ContentMetadata") or {}
        content = as_object(content, "ContentMetadata")
        file_redacted = str(content.get("Output", "")).lower() == "redacted"

        # chat items are timed by the clock: measure from the earliest item (the contact's start)
        clock: list[datetime | None] = [
            iso_datetime(item.get("AbsoluteTime"), f"Transcript[{i}].AbsoluteTime")
            if isinstance(item, Mapping)
            else None
            for i, item in enumerate(items)
        ]
        times = [t for t in clock if t is not None]
        origin = min(times) if times else None

        turns: list[Turn] = []
        skipped_events = 0
        any_redacted = False
        for i, raw in enumerate(items):
            where = f"Transcript[{i}]"
            item = as_object(raw, where)
            content_type = str(item.get("ContentType", ""))
            if content_type.startswith(_EVENT_CONTENT_TYPE) or str(item.get("Type", "")).upper() == "EVENT":
                skipped_events += 1  # participant joined/left, typing: not something anyone said
                continue
            text = item.get("Content")
            if not isinstance(text, str):
                raise InvalidInputError("missing Content (a string)", field=f"{where}.Content")
            role, raw_role = _turn_role(item, where, participants)
            if "BeginOffsetMillis" in item or "EndOffsetMillis" in item:
                start = millis(item.get("BeginOffsetMillis"), f"{where}.BeginOffsetMillis")
                end = millis(item.get("EndOffsetMillis"), f"{where}.EndOffsetMillis")
                check_span(start, end, f"{where}.EndOffsetMillis")
            else:
                at = clock[i]
                start = None if at is None or origin is None else (at - origin).total_seconds()
                end = None
            meta: dict[str, Any] = {}
            if item.get("Id") is not None:
                meta["item_id"] = str(item["Id"])
            if raw_role not in ("AGENT", "CUSTOMER"):
                meta["participant_role"] = raw_role
            if item.get("Sentiment") is not None:
                meta["sentiment"] = str(item["Sentiment"])
            loudness = item.get("LoudnessScore", item.get("LoudnessScores"))
            if loudness is not None:
                meta["loudness_scores"] = jsonable(as_list(loudness, f"{where}.LoudnessScore"))
            if item.get("IssuesDetected"):
                meta["issues_detected"] = jsonable(item["IssuesDetected"])
            if content_type:
                meta["content_type"] = content_type
            if "Redaction" in item or "[PII]" in text:
                meta["redacted"] = True
                any_redacted = True
            speaker = item.get("ParticipantId")
            turns.append(
                Turn(
                    index=i,
                    role=role,
                    text=text,
                    speaker_id=None if speaker is None else str(speaker),
                    start=start,
                    end=end,
                    metadata=meta,
                )
            )

        metadata: dict[str, Any] = {"source_format": self.name}
        for key, name in (
            ("Version", "version"),
            ("AccountId", "account_id"),
            ("LanguageCode", "language_code"),
            ("JobStatus", "job_status"),
        ):
            if doc.get(key) is not None:
                metadata[name] = str(doc[key])
        customer_meta = doc.get("CustomerMetadata")
        if isinstance(customer_meta, Mapping) and customer_meta.get("InstanceId") is not None:
            metadata["instance_id"] = str(customer_meta["InstanceId"])
        if doc.get("ConversationCharacteristics") is not None:
            metadata["contact_lens_characteristics"] = jsonable(
                as_object(doc["ConversationCharacteristics"], "ConversationCharacteristics")
            )
        categories = doc.get("Categories")
        if isinstance(categories, Mapping) and categories.get("MatchedCategories"):
            metadata["categories"] = jsonable(categories["MatchedCategories"])
        if file_redacted or any_redacted:
            metadata["redacted"] = True
        if content.get("RedactionTypes"):
            metadata["redaction_types"] = jsonable(content["RedactionTypes"])
        if skipped_events:
            metadata["import_notes"] = {"skipped_events": skipped_events}

        return Conversation(
            id=convo_id,
            turns=finish_turns(turns, metadata, where="Transcript"),
            channel=_channel(doc, has_offsets=any(t.end is not None for t in turns)),
            started_at=origin,
            metadata=metadata,
        )


def _contact_id(doc: Mapping[str, Any]) -> str | None:
    meta = doc.get("CustomerMetadata")
    if isinstance(meta, Mapping) and meta.get("ContactId"):
        return str(meta["ContactId"])
    return None


def _participants(doc: Mapping[str, Any]) -> dict[str, str]:
    """ParticipantId → ParticipantRole, as the file spells the role."""
    found: dict[str, str] = {}
    raw = doc.get("Participants")
    if raw is None:
        return found
    for i, item in enumerate(as_list(raw, "Participants")):
        item = as_object(item, f"Participants[{i}]")
        pid, role = item.get("ParticipantId"), item.get("ParticipantRole")
        if pid is None:
            raise InvalidInputError("missing ParticipantId", field=f"Participants[{i}].ParticipantId")
        if role is None:
            raise InvalidInputError("missing ParticipantRole", field=f"Participants[{i}].ParticipantRole")
        map_role(role, _ROLES, f"Participants[{i}].ParticipantRole")
        found[str(pid)] = str(role)
    return found


def _turn_role(item: Mapping[str, Any], where: str, participants: Mapping[str, str]) -> tuple[Role, str]:
    """The turn's role: its own ParticipantRole, else its participant's, else a ParticipantId that is a role name."""
    if item.get("ParticipantRole") is not None:
        raw = str(item["ParticipantRole"])
        return map_role(raw, _ROLES, f"{where}.ParticipantRole"), raw.upper()
    pid = item.get("ParticipantId")
    if pid is None:
        raise InvalidInputError("missing ParticipantId (and no ParticipantRole)", field=f"{where}.ParticipantId")
    if str(pid) in participants:
        raw = participants[str(pid)]
        return map_role(raw, _ROLES, f"{where}.ParticipantId"), raw.upper()
    if role_key(pid) in _ROLES:  # older voice files use the role itself as the participant id
        return _ROLES[role_key(pid)], str(pid).upper()
    known = ", ".join(sorted(participants)) or "none"
    raise InvalidInputError(
        f"participant {pid!r} is not in Participants[] (known: {known})", field=f"{where}.ParticipantId"
    )


def _channel(doc: Mapping[str, Any], *, has_offsets: bool) -> Channel:
    raw = doc.get("Channel")
    if raw is None:
        return Channel.VOICE if has_offsets else Channel.CHAT
    found = _CHANNELS.get(role_key(raw))
    if found is None:
        raise InvalidInputError(f"{raw!r} is not one of VOICE, CHAT", field="Channel")
    return found


register_importer(ContactLensImporter())

__all__ = ["ContactLensImporter"]
