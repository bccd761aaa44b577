"""Contact Lens importer: a raw voice call, a redacted chat, and bad participants."""

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

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"
VOICE = FIXTURES / "contact_lens_voice.json"
CHAT = FIXTURES / "contact_lens_chat_redacted.json"


def _read(path: Path) -> list[Conversation | RecordError]:
    return list(get_importer("contact-lens").read(path))


def _one(path: Path) -> Conversation:
    (item,) = _read(path)
    assert isinstance(item, Conversation), item
    return item


def _write(tmp_path: Path, doc: Any, name: str = "contact.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_contact_lens_reads_a_voice_call() -> None:
    convo = _one(VOICE)
    assert convo.id == "6d0f2b8e-31a4-4c57-9e80-b2f4c1a7d396"
    assert convo.channel is Channel.VOICE
    assert [t.role for t in convo.turns] == [Role.AGENT, Role.CUSTOMER] * 4 + [Role.AGENT]
    assert (convo.turns[1].start, convo.turns[1].end) == (5.9, 14.6)
    assert convo.turns[1].speaker_id == "e3c1a7f0-54b2-4d8e-9a61-2b7f0c9d4e15"
    assert convo.turns[1].metadata["sentiment"] == "NEGATIVE"
    assert len(convo.turns[1].metadata["loudness_scores"]) == 9
    offsets = convo.turns[1].metadata["issues_detected"][0]["CharacterOffsets"]
    assert convo.turns[1].text[offsets["BeginOffsetChar"] : offsets["EndOffsetChar"]] == "nobody turned up"
    assert convo.metadata["contact_lens_characteristics"]["Sentiment"]["OverallSentiment"]["CUSTOMER"] == 0.6
    assert convo.metadata["categories"] == ["missed-appointment"]
    assert convo.metadata["instance_id"] == "c81e9a2d-4f07-4b3c-a6e5-90d2f7b1e834"
    assert "redacted" not in convo.metadata


def test_contact_lens_reads_a_redacted_chat_keeping_placeholders() -> None:
    convo = _one(CHAT)
    assert convo.id == "b5e0c3a9-7d16-4f28-8a4e-1c9f3b6d0e72"
    assert convo.channel is Channel.CHAT
    assert convo.started_at == datetime(2024, 6, 3, 8, 41, 7, 412000, tzinfo=UTC)
    # the two participant events are not turns; the system greeting is
    assert len(convo.turns) == 10
    assert convo.metadata["import_notes"] == {"skipped_events": 2}
    assert convo.turns[0].role is Role.SYSTEM
    assert [t.role for t in convo.turns[1:]] == [Role.CUSTOMER, Role.AGENT] * 4 + [Role.CUSTOMER]
    assert [t.start for t in convo.turns[:4]] == [0.0, 14.0, 61.0, 95.0]
    assert all(t.end is None for t in convo.turns)
    redacted = convo.turns[3]
    assert redacted.text == "It ends in [PII]. My name is [PII]."
    assert redacted.metadata["redacted"] is True
    assert "redacted" not in convo.turns[2].metadata
    assert convo.metadata["redacted"] is True
    assert convo.metadata["redaction_types"] == ["PII"]


@pytest.mark.parametrize("fixture", [VOICE, CHAT], ids=["voice", "chat"])
def test_contact_lens_round_trips_through_warmline_json(tmp_path: Path, fixture: Path) -> None:
    convo = _one(fixture)
    out = tmp_path / "contact.warmline.json"
    WarmlineJSONExporter().write([convo], out)
    (back,) = get_importer("warmline-json").read(out)
    assert back == convo


def test_contact_lens_reads_role_named_participant_ids_without_a_participant_table(tmp_path: Path) -> None:
    doc = json.loads(VOICE.read_text(encoding="utf-8"))
    roles = {p["ParticipantId"]: p["ParticipantRole"] for p in doc.pop("Participants")}
    for item in doc["Transcript"]:
        item["ParticipantId"] = roles[item["ParticipantId"]]
    convo = _one(_write(tmp_path, doc))
    assert [t.role for t in convo.turns] == [t.role for t in _one(VOICE).turns]


def test_contact_lens_unknown_participant_names_the_file_and_field(tmp_path: Path) -> None:
    doc = json.loads(VOICE.read_text(encoding="utf-8"))
    doc["Transcript"][4]["ParticipantId"] = "0000-not-a-participant"
    path = _write(tmp_path, doc, "stray_participant.json")
    (item,) = _read(path)
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "stray_participant.json" in message
    assert "Transcript[4].ParticipantId" in message
    assert "0000-not-a-participant" in message
    assert item.error.record == "6d0f2b8e-31a4-4c57-9e80-b2f4c1a7d396"


def test_contact_lens_bad_absolute_time_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(CHAT.read_text(encoding="utf-8"))
    doc["Transcript"][5]["AbsoluteTime"] = "yesterday at eight"
    (item,) = _read(_write(tmp_path, doc))
    assert isinstance(item, RecordError)
    assert item.error.field == "Transcript[5].AbsoluteTime"


def test_contact_lens_rejects_a_file_of_another_format_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, {"entries": [{"text": "hi", "role": "CUSTOMER"}]}, "ccai.json")
    with pytest.raises(InvalidInputError) as caught:
        _read(path)
    assert "ccai.json" in str(caught.value)
