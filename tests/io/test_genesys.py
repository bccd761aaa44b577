"""Genesys Cloud transcript importer: phrases by participant purpose, epoch times, and errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from warmline.errors import InvalidInputError
from warmline.io import RecordError, get_importer
from warmline.io.warmline_json import WarmlineJSONExporter
from warmline.model import Channel, Conversation, Role

FIXTURE = Path(__file__).parent.parent / "fixtures" / "io" / "genesys_transcript.json"
AGENT_ID = "b7a3c0e2-5f19-4d8b-9c6e-21f4a8d07e3b"


def _read(path: Path) -> list[Conversation | RecordError]:
    return list(get_importer("genesys").read(path))


def _one(path: Path) -> Conversation:
    (item,) = _read(path)
    assert isinstance(item, Conversation), item
    return item


def _write(tmp_path: Path, doc: Any, name: str = "transcript.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_genesys_reads_a_call_transcript() -> None:
    convo = _one(FIXTURE)
    assert convo.id == "e4f7a2c9-18b3-4d6e-9f05-c2a81b7d3e60"
    assert convo.channel is Channel.VOICE
    assert convo.started_at == datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
    assert convo.agent_id == AGENT_ID
    assert convo.team == "3e9d1f70-a2c4-4b58-8e06-7c1b5d9f2a46"
    assert [t.role for t in convo.turns] == [Role.BOT] + [Role.AGENT, Role.CUSTOMER] * 5
    ivr, greeting = convo.turns[0], convo.turns[1]
    assert (ivr.start, ivr.end) == (2.0, 6.8)
    assert (greeting.start, greeting.end) == (41.2, 45.1)
    assert greeting.speaker_id == AGENT_ID
    assert convo.turns[2].metadata["sentiment"] == -0.81
    assert convo.turns[2].metadata["participant_purpose"] == "external"
    assert convo.metadata["topics"] == ["Claim status", "Empathy"]
    assert convo.metadata["communication_id"] == "0a9c3e5f-7b21-4d84-86e2-f1d4b9c07a53"
    assert convo.metadata["queue_id"] == "91c6e4b8-0d27-4f3a-b5e1-6a8c2f0d7b93"


def test_genesys_round_trips_through_warmline_json(tmp_path: Path) -> None:
    convo = _one(FIXTURE)
    out = tmp_path / "call.warmline.json"
    WarmlineJSONExporter().write([convo], out)
    (back,) = get_importer("warmline-json").read(out)
    assert back == convo


def test_genesys_reads_plain_durations_offsets_and_any_purpose_case(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for phrase in doc["transcripts"][0]["phrases"]:
        del phrase["startTimeMs"]
        phrase["duration"] = phrase["duration"]["milliseconds"]
        phrase["participantPurpose"] = phrase["participantPurpose"].upper()
    doc["mediaType"] = "Chat"
    convo = _one(_write(tmp_path, doc))
    assert convo.channel is Channel.CHAT
    assert [t.role for t in convo.turns] == [t.role for t in _one(FIXTURE).turns]
    assert (convo.turns[1].start, convo.turns[1].end) == (41.2, 45.1)


def test_genesys_reads_a_list_of_transcripts(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    second = json.loads(json.dumps(doc))
    second["conversationId"] = "second-call"
    items = _read(_write(tmp_path, [doc, second]))
    assert [c.id for c in items if isinstance(c, Conversation)] == [doc["conversationId"], "second-call"]


def test_genesys_unknown_purpose_names_the_file_and_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["transcripts"][0]["phrases"][4]["participantPurpose"] = "supervisor"
    path = _write(tmp_path, doc, "odd_purpose.json")
    (item,) = _read(path)
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "odd_purpose.json" in message
    assert "transcripts[0].phrases[4].participantPurpose" in message
    assert "'supervisor'" in message
    assert item.error.record == "e4f7a2c9-18b3-4d6e-9f05-c2a81b7d3e60"


def test_genesys_phrase_without_text_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for key in ("text", "decoratedText", "words"):
        doc["transcripts"][0]["phrases"][7].pop(key)
    (item,) = _read(_write(tmp_path, doc))
    assert isinstance(item, RecordError)
    assert item.error.field == "transcripts[0].phrases[7].text"


def test_genesys_rejects_a_file_of_another_format_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, {"conversationId": "x", "messages": []}, "not_genesys.json")
    with pytest.raises(InvalidInputError) as caught:
        _read(path)
    assert "not_genesys.json" in str(caught.value)
