"""AWS Transcribe Call Analytics post-call output: one call per JSON file, turns with AGENT/CUSTOMER roles.

Reads ``JobName``, ``Transcript[]`` (``ParticipantRole``, ``Content``, ``BeginOffsetMillis``,
``EndOffsetMillis``, ``Sentiment``, ``LoudnessScores``, ``Id``) and keeps ``ConversationCharacteristics``
under ``metadata["aws_characteristics"]``. Also reads the wrapped form some exports use (the output
nested one level down, e.g. under ``CallAnalyticsJob``), and infers a missing ``ParticipantRole``
from a turn's ``ChannelId`` when the job's ``ChannelDefinitions`` are in the file.
See ``docs/formats/aws-transcribe.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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
    jsonable,
    load_json,
    map_role,
    millis,
    not_this_format,
    parse_head,
    record_error,
    records,
    required_text,
)
from warmline.io.base import RecordError, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_WHAT = "AWS Transcribe Call Analytics"
_ROLES = {"agent": Role.AGENT, "customer": Role.CUSTOMER}
_TURN_EXTRAS = {
    "IssuesDetected": "issues_detected",
    "OutcomesDetected": "outcomes_detected",
    "ActionItemsDetected": "action_items_detected",
}


def _body(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object holding ``Transcript[]``: the document itself, or one object nested a level down."""
    if isinstance(doc.get("Transcript"), list):
        return doc
    for value in doc.values():
        if isinstance(value, Mapping) and isinstance(value.get("Transcript"), list):
            return value
    return None


def _looks_like_call_analytics(doc: Mapping[str, Any]) -> bool:
    body = _body(doc)
    if body is None or "CustomerMetadata" in doc or "CustomerMetadata" in body:
        return False  # Contact Lens output shares the Transcript[] shape but names the contact
    turns = body["Transcript"]
    if turns:
        first = turns[0]
        # Contact Lens turns always carry ParticipantId; Call Analytics turns never do
        return (
            isinstance(first, Mapping)
            and "Content" in first
            and "ParticipantId" not in first
            and ("ParticipantRole" in first or "BeginOffsetMillis" in first)
        )
    return "JobName" in doc or "JobName" in body


def _channel_key(value: Any) -> str:
    """``0``, ``"0"`` and ``"ch_0"`` all name channel 0."""
    digits = re.sub(r"\D", "", str(value))
    return digits or str(value)


def _channel_definitions(doc: Mapping[str, Any]) -> tuple[dict[str, Role], str]:
    """Channel → role from ``ChannelDefinitions`` at the top level or in a nested job object."""
    found: Any = None
    where = "ChannelDefinitions"
    if "ChannelDefinitions" in doc:
        found = doc["ChannelDefinitions"]
    else:
        for key, value in doc.items():
            if isinstance(value, Mapping) and "ChannelDefinitions" in value:
                found, where = value["ChannelDefinitions"], f"{key}.ChannelDefinitions"
                break
    if found is None:
        return {}, where
    roles: dict[str, Role] = {}
    for i, item in enumerate(as_list(found, where)):
        item = as_object(item, f"{where}[{i}]")
        if "ChannelId" not in item:
            raise InvalidInputError("missing ChannelId", field=f"{where}[{i}].ChannelId")
        roles[_channel_key(item["ChannelId"])] = map_role(
            item.get("ParticipantRole"), _ROLES, f"{where}[{i}].ParticipantRole"
        )
    return roles, where


class AWSTranscribeImporter:
    """AWS Transcribe Call Analytics post-call JSON (``JobName``, ``Transcript[]`` with ``ParticipantRole``)."""

    name = "aws-transcribe"
    description = "AWS Transcribe Call Analytics post-call JSON: JobName, Transcript[] with ParticipantRole"

    def sniff(self, path: Path, head: str) -> float:
        doc = first_object(parse_head(head))
        if doc is not None:
            return 0.95 if _looks_like_call_analytics(doc) else 0.0
        if (
            head_has_keys(head, "Transcript", "Content", "BeginOffsetMillis", "ParticipantRole")
            and not head_has_keys(head, "ParticipantId")
            and not head_has_keys(head, "CustomerMetadata")
        ):
            return 0.8  # too big to parse from the head (JobName comes last), but the key names are this format's
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT)
        docs = records(data)
        if not any(isinstance(d, Mapping) and _body(d) is not None for d in docs):
            raise not_this_format(path, _WHAT, "expected an object with a Transcript list (and JobName)")
        for number, doc in enumerate(docs, start=1):
            record: int | str = number
            try:
                doc = as_object(doc, f"[{number - 1}]")
                job_name = _job_name(doc)
                record = job_name or number
                yield self._conversation(doc, job_name or _fallback_id(path, number, len(docs)))
            except WarmlineError as exc:
                yield record_error(exc, path, record)

    def _conversation(self, doc: Mapping[str, Any], convo_id: str) -> Conversation:
        body = _body(doc)
        if body is None:
            raise InvalidInputError("missing the Transcript list", field="Transcript")
        prefix = "" if body is doc else next(k for k, v in doc.items() if v is body) + "."
        channel_roles, _ = _channel_definitions(doc)
        content = body.get("ContentMetadata") or doc.get("ContentMetadata") or {}
        redacted = isinstance(content, Mapping) and str(content.get("Output", "")).lower() == "redacted"

        inferred = 0
        turns: list[Turn] = []
        for i, raw in enumerate(as_list(body["Transcript"], f"{prefix}Transcript")):
            where = f"{prefix}Transcript[{i}]"
            seg = as_object(raw, where)
            text = required_text(seg, "Content", where)
            role, from_channel = _turn_role(seg, where, channel_roles)
            inferred += from_channel
            start = millis(seg.get("BeginOffsetMillis"), f"{where}.BeginOffsetMillis")
            end = millis(seg.get("EndOffsetMillis"), f"{where}.EndOffsetMillis")
            check_span(start, end, f"{where}.EndOffsetMillis")
            meta: dict[str, Any] = {}
            if seg.get("Id") is not None:
                meta["segment_id"] = str(seg["Id"])
            if seg.get("Sentiment") is not None:
                meta["sentiment"] = str(seg["Sentiment"])
            if seg.get("LoudnessScores") is not None:
                meta["loudness_scores"] = jsonable(as_list(seg["LoudnessScores"], f"{where}.LoudnessScores"))
            for key, name in _TURN_EXTRAS.items():
                if seg.get(key):
                    meta[name] = jsonable(seg[key])
            if redacted and "[PII]" in text:
                meta["redacted"] = True
            channel_id = seg.get("ChannelId")
            turns.append(
                Turn(
                    index=i,
                    role=role,
                    text=text,
                    start=start,
                    end=end,
                    channel=None if channel_id is None else str(channel_id),
                    metadata=meta,
                )
            )

        metadata: dict[str, Any] = {"source_format": self.name}
        characteristics = body.get("ConversationCharacteristics", doc.get("ConversationCharacteristics"))
        if characteristics is not None:
            metadata["aws_characteristics"] = jsonable(as_object(characteristics, "ConversationCharacteristics"))
        categories = body.get("Categories", doc.get("Categories"))
        if isinstance(categories, Mapping) and categories.get("MatchedCategories"):
            metadata["categories"] = jsonable(categories["MatchedCategories"])
        for key, name in (("LanguageCode", "language_code"), ("AccountId", "account_id"), ("JobStatus", "job_status")):
            value = body.get(key, doc.get(key))
            if value is not None:
                metadata[name] = str(value)
        if redacted:
            metadata["redacted"] = True
        if inferred:
            metadata["role_inference"] = f"ParticipantRole from ChannelId via ChannelDefinitions ({inferred} turns)"
        return Conversation(
            id=convo_id,
            turns=finish_turns(turns, metadata, where=f"{prefix}Transcript"),
            channel=Channel.VOICE,
            metadata=metadata,
        )


def _turn_role(seg: Mapping[str, Any], where: str, channel_roles: Mapping[str, Role]) -> tuple[Role, int]:
    """The turn's role, and 1 when it had to come from the channel rather than ``ParticipantRole``."""
    if seg.get("ParticipantRole") is not None:
        return map_role(seg["ParticipantRole"], _ROLES, f"{where}.ParticipantRole"), 0
    channel_id = seg.get("ChannelId")
    if channel_id is not None and channel_roles:
        role = channel_roles.get(_channel_key(channel_id))
        if role is None:
            known = ", ".join(sorted(channel_roles))
            raise InvalidInputError(
                f"channel {channel_id!r} is not in ChannelDefinitions (channels {known})", field=f"{where}.ChannelId"
            )
        return role, 1
    raise InvalidInputError(
        "missing ParticipantRole (and no ChannelId with ChannelDefinitions to infer it from)",
        field=f"{where}.ParticipantRole",
    )


def _job_name(doc: Mapping[str, Any]) -> str | None:
    if doc.get("JobName"):
        return str(doc["JobName"])
    for value in doc.values():
        if isinstance(value, Mapping):
            for key in ("JobName", "CallAnalyticsJobName"):
                if value.get(key):
                    return str(value[key])
    return None


def _fallback_id(path: Path, number: int, count: int) -> str:
    return path.stem if count == 1 else f"{path.stem}-{number}"


register_importer(AWSTranscribeImporter())

__all__ = ["AWSTranscribeImporter"]
