"""Genesys Cloud speech and text analytics transcripts: one communication's phrases, by participant purpose.

Reads the transcript document (``conversationId``, ``communicationId``, ``mediaType``,
``conversationStartTime``, ``participants[]``, ``transcripts[].phrases[]``), or a JSON list of them.
Each phrase has ``text``, ``participantPurpose``, ``startTimeMs`` (epoch milliseconds) or ``offset``,
and ``duration`` (milliseconds, as a number or ``{"milliseconds": n}``). Purposes map internal/agent
→ agent, external/customer → customer, ivr/acd/bot → bot. See ``docs/formats/genesys.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io._vendor_json import (
    as_list,
    as_object,
    check_span,
    epoch_datetime,
    finish_turns,
    first_object,
    head_has_keys,
    jsonable,
    load_json,
    map_role,
    millis,
    not_this_format,
    number,
    parse_head,
    record_error,
    records,
    relative,
    role_key,
)
from warmline.io.base import RecordError, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_WHAT = "Genesys Cloud transcript"
_PURPOSES = {
    "internal": Role.AGENT,
    "agent": Role.AGENT,
    "user": Role.AGENT,
    "external": Role.CUSTOMER,
    "customer": Role.CUSTOMER,
    "ivr": Role.BOT,
    "acd": Role.BOT,
    "bot": Role.BOT,
    "workflow": Role.BOT,
    "system": Role.SYSTEM,
}
_MEDIA = {
    "call": Channel.VOICE,
    "callback": Channel.VOICE,
    "voice": Channel.VOICE,
    "chat": Channel.CHAT,
    "message": Channel.CHAT,
    "messaging": Channel.CHAT,
    "email": Channel.EMAIL,
}


def _looks_like_genesys(doc: Mapping[str, Any]) -> bool:
    transcripts = doc.get("transcripts")
    if not isinstance(transcripts, list):
        return False
    if not transcripts:
        return "conversationId" in doc and "communicationId" in doc
    first = transcripts[0]
    return isinstance(first, Mapping) and isinstance(first.get("phrases"), list)


class GenesysImporter:
    """Genesys Cloud speech and text analytics transcript JSON (``transcripts[].phrases[]``)."""

    name = "genesys"
    description = "Genesys Cloud transcript JSON: conversationId, transcripts[].phrases[] with participantPurpose"

    def sniff(self, path: Path, head: str) -> float:
        doc = first_object(parse_head(head))
        if doc is not None:
            return 0.95 if _looks_like_genesys(doc) else 0.0
        if head_has_keys(head, "transcripts", "phrases", "participantPurpose"):
            return 0.85
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT)
        docs = records(data)
        if not any(isinstance(d, Mapping) and isinstance(d.get("transcripts"), list) for d in docs):
            raise not_this_format(path, _WHAT, "expected an object with conversationId and a transcripts list")
        for number_, doc in enumerate(docs, start=1):
            record: int | str = number_
            try:
                doc = as_object(doc, f"[{number_ - 1}]")
                convo_id = doc.get("conversationId") or doc.get("communicationId")
                record = str(convo_id) if convo_id else number_
                fallback = path.stem if len(docs) == 1 else f"{path.stem}-{number_}"
                yield self._conversation(doc, str(convo_id) if convo_id else fallback)
            except WarmlineError as exc:
                yield record_error(exc, path, record)

    def _conversation(self, doc: Mapping[str, Any], convo_id: str) -> Conversation:
        transcripts = as_list(doc.get("transcripts"), "transcripts")
        people = _participants(doc)

        # (where, phrase, sentiment of that phrase) in file order
        phrases: list[tuple[str, Mapping[str, Any], float | None]] = []
        topics: list[str] = []
        languages: list[str] = []
        for t, raw_transcript in enumerate(transcripts):
            transcript = as_object(raw_transcript, f"transcripts[{t}]")
            if transcript.get("language") and str(transcript["language"]) not in languages:
                languages.append(str(transcript["language"]))
            sentiment, found_topics = _analytics(transcript, f"transcripts[{t}].analytics")
            topics.extend(x for x in found_topics if x not in topics)
            raw_phrases = transcript.get("phrases") or []
            for p, raw_phrase in enumerate(as_list(raw_phrases, f"transcripts[{t}].phrases")):
                where = f"transcripts[{t}].phrases[{p}]"
                phrase = as_object(raw_phrase, where)
                index = phrase.get("phraseIndex", p)
                phrases.append((where, phrase, sentiment.get(str(index))))

        epoch_starts = [
            ms for w, ph, _ in phrases if (ms := number(ph.get("startTimeMs"), f"{w}.startTimeMs")) is not None
        ]
        conversation_start = number(doc.get("conversationStartTime"), "conversationStartTime")
        origin_ms: float | None = None
        if epoch_starts:
            # the conversation's start when it precedes every phrase, so IVR time before the first phrase counts
            origin_ms = min(epoch_starts)
            if conversation_start is not None and conversation_start <= origin_ms:
                origin_ms = conversation_start
        elif conversation_start is not None:
            origin_ms = conversation_start

        turns: list[Turn] = []
        for where, phrase, sentiment_value in phrases:
            text = _phrase_text(phrase, where)
            purpose = phrase.get("participantPurpose")
            role = map_role(purpose, _PURPOSES, f"{where}.participantPurpose")
            if phrase.get("startTimeMs") is not None:
                start_ms = number(phrase["startTimeMs"], f"{where}.startTimeMs") or 0.0
                # subtract in milliseconds: epoch seconds as floats would smear the offsets (41.200000047)
                start = relative(start_ms, origin_ms)
                start = None if start is None else start / 1000.0
            else:
                start = millis(phrase.get("offset"), f"{where}.offset")
            duration_field = "durationMs" if "durationMs" in phrase else "duration"
            duration = millis(phrase.get(duration_field), f"{where}.{duration_field}")
            if duration is not None and duration < 0:
                raise InvalidInputError(f"duration {duration:g}s is negative", field=f"{where}.{duration_field}")
            end = None if start is None or duration is None else start + duration
            check_span(start, end, f"{where}.{duration_field}")
            meta: dict[str, Any] = {"participant_purpose": str(purpose)}
            if phrase.get("phraseIndex") is not None:
                meta["phrase_index"] = phrase["phraseIndex"]
            if phrase.get("confidence") is not None:
                meta["confidence"] = number(phrase["confidence"], f"{where}.confidence")
            if sentiment_value is not None:
                meta["sentiment"] = sentiment_value
            turns.append(
                Turn(
                    index=len(turns),
                    role=role,
                    text=text,
                    speaker_id=people.speaker(role_key(purpose)),
                    start=start,
                    end=end,
                    metadata=meta,
                )
            )
        if turns and all(t.start is not None for t in turns):
            turns.sort(key=lambda t: t.start or 0.0)  # several transcripts of one communication interleave

        metadata: dict[str, Any] = {"source_format": self.name}
        for key, name in (
            ("communicationId", "communication_id"),
            ("organizationId", "organization_id"),
            ("mediaType", "media_type"),
        ):
            if doc.get(key) is not None:
                metadata[name] = str(doc[key])
        if languages:
            metadata["language"] = languages[0] if len(languages) == 1 else languages
        if topics:
            metadata["topics"] = topics
        if people.queue_id:
            metadata["queue_id"] = people.queue_id

        return Conversation(
            id=convo_id,
            turns=finish_turns(turns, metadata, where="transcripts[].phrases"),
            channel=_channel(doc),
            started_at=None if origin_ms is None else epoch_datetime(origin_ms / 1000.0),
            agent_id=people.agent_id,
            customer_id=people.customer_id,
            team=people.team,
            metadata=jsonable(metadata),
        )


class _People:
    """Who took part, from ``participants[]``: ids by purpose, the agent's team and queue."""

    def __init__(self) -> None:
        self.by_purpose: dict[str, list[str]] = {}
        self.agent_id: str | None = None
        self.customer_id: str | None = None
        self.team: str | None = None
        self.queue_id: str | None = None

    def speaker(self, purpose: str) -> str | None:
        ids = self.by_purpose.get(purpose, [])
        return ids[0] if len(ids) == 1 else None  # ambiguous when two agents share a purpose


def _participants(doc: Mapping[str, Any]) -> _People:
    people = _People()
    raw = doc.get("participants")
    if raw is None:
        return people
    for i, item in enumerate(as_list(raw, "participants")):
        item = as_object(item, f"participants[{i}]")
        purpose = item.get("participantPurpose")
        if purpose is None:
            continue
        key = role_key(purpose)
        role = _PURPOSES.get(key)
        person = item.get("userId") or item.get("externalContactId")
        if person is not None:
            people.by_purpose.setdefault(key, []).append(str(person))
        if role is Role.AGENT:
            if people.agent_id is None and item.get("userId"):
                people.agent_id = str(item["userId"])
                if item.get("teamId"):
                    people.team = str(item["teamId"])
            if people.queue_id is None and item.get("queueId"):
                people.queue_id = str(item["queueId"])
        elif role is Role.CUSTOMER and people.customer_id is None and item.get("externalContactId"):
            people.customer_id = str(item["externalContactId"])
    return people


def _analytics(transcript: Mapping[str, Any], where: str) -> tuple[dict[str, float], list[str]]:
    """Per-phrase sentiment (keyed by phraseIndex) and the topic names of one transcript."""
    analytics = transcript.get("analytics")
    if not isinstance(analytics, Mapping):
        return {}, []
    sentiment: dict[str, float] = {}
    for i, item in enumerate(analytics.get("sentiment") or []):
        if isinstance(item, Mapping) and item.get("phraseIndex") is not None and item.get("sentiment") is not None:
            value = number(item["sentiment"], f"{where}.sentiment[{i}].sentiment")
            if value is not None:
                sentiment[str(item["phraseIndex"])] = value
    topics = [
        str(item["topicName"])
        for item in analytics.get("topics") or []
        if isinstance(item, Mapping) and item.get("topicName")
    ]
    return sentiment, topics


def _phrase_text(phrase: Mapping[str, Any], where: str) -> str:
    text = phrase.get("text")
    if text is None:
        text = phrase.get("decoratedText")
    if text is None and isinstance(phrase.get("words"), list):
        text = " ".join(str(w.get("word", "")) for w in phrase["words"] if isinstance(w, Mapping)).strip()
    if not isinstance(text, str):
        raise InvalidInputError("missing text (a string)", field=f"{where}.text")
    return text


def _channel(doc: Mapping[str, Any]) -> Channel:
    raw = doc.get("mediaType")
    if raw is None:
        return Channel.VOICE
    found = _MEDIA.get(role_key(raw))
    if found is None:
        raise InvalidInputError(f"{raw!r} is not one of call, chat, message, email", field="mediaType")
    return found


register_importer(GenesysImporter())

__all__ = ["GenesysImporter"]
