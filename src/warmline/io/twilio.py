"""Twilio Conversational Intelligence transcripts: sentences joined to the transcript's channel participants.

Reads a combined document ``{"transcript": {...}, "sentences": [...]}`` (the Transcript resource and
its Sentences), or a Sentences page alone (``sentences[]`` or ``transcript_sentences[]``, or a bare
list). Each sentence has ``media_channel``, ``sentence_index``, ``start_time``/``end_time`` (seconds,
as numbers or strings), ``transcript`` and ``confidence``; its role comes from the participant in
``transcript.channel.participants[]`` whose ``channel_participant`` is that media channel. Without
participants the roles follow Twilio's dual-channel recording convention (channel 1 the customer,
channel 2 the agent), recorded in ``metadata["role_inference"]``. See ``docs/formats/twilio.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io._vendor_json import (
    as_list,
    as_object,
    check_span,
    finish_turns,
    head_has_keys,
    iso_datetime,
    load_json,
    map_role,
    not_this_format,
    number,
    parse_head,
    record_error,
    relative,
)
from warmline.io.base import RecordError, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_WHAT = "Twilio Conversational Intelligence transcript"
_ROLES = {
    "agent": Role.AGENT,
    "human_agent": Role.AGENT,
    "customer": Role.CUSTOMER,
    "bot": Role.BOT,
    "ai_agent": Role.BOT,
    "virtual_agent": Role.BOT,
}
#: Twilio's dual-channel recordings put the customer (caller) leg on channel 1 and the agent on 2.
DEFAULT_CHANNEL_ROLES = {"1": Role.CUSTOMER, "2": Role.AGENT}
_ROLE_INFERENCE = "no channel participants: media_channel 1 taken as customer, 2 as agent (Twilio dual-channel default)"
_TRANSCRIPT_SID = re.compile(r"/Transcripts/(GT[0-9a-fA-F]{32})")


def _sentence_list(data: Any) -> tuple[list[Any], str] | None:
    """The sentences and the name of the field holding them, in any of the accepted shapes."""
    if isinstance(data, list):
        return data, ""
    if isinstance(data, Mapping):
        for key in ("sentences", "transcript_sentences"):
            if isinstance(data.get(key), list):
                return data[key], key
    return None


def _looks_like_twilio(data: Any) -> bool:
    found = _sentence_list(data)
    if found is None:
        return False
    sentences, key = found
    if not sentences:
        return bool(key) and isinstance(data, Mapping) and isinstance(data.get("transcript"), Mapping)
    first = sentences[0]
    return (
        isinstance(first, Mapping) and "media_channel" in first and ("sentence_index" in first or "transcript" in first)
    )


def _channel_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TwilioImporter:
    """Twilio Conversational Intelligence transcript sentences (with the Transcript resource when given)."""

    name = "twilio"
    description = "Twilio Conversational Intelligence: sentences[] (media_channel, sentence_index) + participants"

    def sniff(self, path: Path, head: str) -> float:
        data = parse_head(head)
        if data is not None:
            return 0.95 if _looks_like_twilio(data) else 0.0
        if head_has_keys(head, "media_channel", "sentence_index"):
            return 0.85
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT)
        found = _sentence_list(data)
        if found is None or (isinstance(data, list) and not _looks_like_twilio(data)):
            raise not_this_format(path, _WHAT, "expected sentences[] (with media_channel and transcript)")
        sentences, key = found
        transcript = data.get("transcript") if isinstance(data, Mapping) else None
        record: int | str = 1
        try:
            if transcript is not None:
                transcript = as_object(transcript, "transcript")
            convo_id = _transcript_sid(data, transcript) or path.stem
            record = convo_id
            yield self._conversation(sentences, key, transcript, convo_id)
        except WarmlineError as exc:
            yield record_error(exc, path, record)

    def _conversation(
        self, sentences: list[Any], key: str, transcript: Mapping[str, Any] | None, convo_id: str
    ) -> Conversation:
        channels, participants = _participants(transcript)
        inferred = not channels
        roles = DEFAULT_CHANNEL_ROLES if inferred else channels

        parsed: list[tuple[int, Turn]] = []
        for i, raw in enumerate(sentences):
            where = f"{key}[{i}]" if key else f"[{i}]"
            sentence = as_object(raw, where)
            text = sentence.get("transcript")
            if text is None:
                text = ""  # Twilio leaves it null for silence and for redacted-away sentences
            if not isinstance(text, str):
                raise InvalidInputError("transcript must be a string", field=f"{where}.transcript")
            if sentence.get("media_channel") is None:
                raise InvalidInputError("missing media_channel", field=f"{where}.media_channel")
            channel = _channel_key(sentence["media_channel"])
            role = roles.get(channel)
            if role is None:
                known = ", ".join(sorted(roles))
                raise InvalidInputError(
                    f"media channel {channel} has no participant (channels with a role: {known})",
                    field=f"{where}.media_channel",
                )
            start = number(sentence.get("start_time"), f"{where}.start_time")
            end = number(sentence.get("end_time"), f"{where}.end_time")
            check_span(start, end, f"{where}.end_time")
            meta: dict[str, Any] = {}
            index = sentence.get("sentence_index")
            if index is not None:
                meta["sentence_index"] = int(number(index, f"{where}.sentence_index") or 0)
            if sentence.get("confidence") is not None:
                meta["confidence"] = number(sentence["confidence"], f"{where}.confidence")
            if sentence.get("sid") is not None:
                meta["sentence_sid"] = str(sentence["sid"])
            person = participants.get(channel, {})
            speaker = person.get("user_id")
            parsed.append(
                (
                    meta.get("sentence_index", i),
                    Turn(
                        index=i,
                        role=role,
                        text=text,
                        speaker_id=None if speaker is None else str(speaker),
                        start=start,
                        end=end,
                        channel=channel,
                        metadata=meta,
                    ),
                )
            )
        parsed.sort(key=lambda pair: pair[0])  # pages can come back out of order; sentence_index is the order

        metadata: dict[str, Any] = {"source_format": self.name}
        started_at = None
        if transcript is not None:
            started_at = iso_datetime(transcript.get("media_start_time"), "transcript.media_start_time")
            for field, name in (
                ("account_sid", "account_sid"),
                ("service_sid", "service_sid"),
                ("language_code", "language_code"),
                ("customer_key", "customer_key"),
                ("status", "status"),
            ):
                if transcript.get(field) is not None:
                    metadata[name] = str(transcript[field])
            if transcript.get("duration") is not None:
                metadata["duration"] = number(transcript["duration"], "transcript.duration")
            if transcript.get("redaction") is not None:
                metadata["redaction"] = bool(transcript["redaction"])
        if inferred:
            metadata["role_inference"] = _ROLE_INFERENCE

        first_start = min((t.start for _, t in parsed if t.start is not None), default=None)
        turns = [t for _, t in parsed]
        if first_start is not None and first_start < 0:
            turns = [_shift(t, first_start) for t in turns]
        return Conversation(
            id=convo_id,
            turns=finish_turns(turns, metadata, where=key or "sentences"),
            channel=Channel.VOICE,
            started_at=started_at,
            agent_id=_person_id(participants, roles, Role.AGENT),
            customer_id=_person_id(participants, roles, Role.CUSTOMER),
            metadata=metadata,
        )


def _shift(turn: Turn, origin: float) -> Turn:
    return replace(turn, start=relative(turn.start, origin), end=relative(turn.end, origin))


def _participants(transcript: Mapping[str, Any] | None) -> tuple[dict[str, Role], dict[str, Mapping[str, Any]]]:
    """Media channel → role and → participant, from ``transcript.channel.participants[]``."""
    roles: dict[str, Role] = {}
    people: dict[str, Mapping[str, Any]] = {}
    if transcript is None or not isinstance(transcript.get("channel"), Mapping):
        return roles, people
    raw = transcript["channel"].get("participants")
    if raw is None:
        return roles, people
    for i, item in enumerate(as_list(raw, "transcript.channel.participants")):
        where = f"transcript.channel.participants[{i}]"
        item = as_object(item, where)
        if item.get("channel_participant") is None:
            raise InvalidInputError("missing channel_participant", field=f"{where}.channel_participant")
        channel = _channel_key(item["channel_participant"])
        people[channel] = item
        if item.get("role") is not None:
            roles[channel] = map_role(item["role"], _ROLES, f"{where}.role")
    return roles, people


def _person_id(people: Mapping[str, Mapping[str, Any]], roles: Mapping[str, Role], role: Role) -> str | None:
    for channel, person in sorted(people.items()):
        if roles.get(channel) is role and person.get("user_id") is not None:
            return str(person["user_id"])
    return None


def _transcript_sid(data: Any, transcript: Mapping[str, Any] | None) -> str | None:
    if transcript is not None and transcript.get("sid"):
        return str(transcript["sid"])
    if isinstance(data, Mapping) and isinstance(data.get("meta"), Mapping):
        # a Sentences page alone still names its transcript in the page URLs
        for key in ("url", "first_page_url"):
            match = _TRANSCRIPT_SID.search(str(data["meta"].get(key, "")))
            if match:
                return match.group(1)
    return None


register_importer(TwilioImporter())

__all__ = ["DEFAULT_CHANNEL_ROLES", "TwilioImporter"]
