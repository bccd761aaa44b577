"""Twilio Conversational Intelligence importer: sentences joined to channel participants, or roles by default."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from warmline.errors import InvalidInputError
from warmline.io import RecordError, get_importer
from warmline.io.warmline_json import WarmlineJSONExporter
from warmline.model import Channel, Conversation, Role

FIXTURE = Path(__file__).parent.parent / "fixtures" / "io" / "twilio_transcript_sentences.json"
A, C = Role.AGENT, Role.CUSTOMER
ROLES = [A, C, A, A, C, A, C, A, C, A]


def _read(path: Path, name: str = "twilio") -> list[Conversation | RecordError]:
    return list(get_importer(name).read(path))


def _one(path: Path) -> Conversation:
    (item,) = _read(path)
    assert isinstance(item, Conversation), item
    return item


def _write(tmp_path: Path, doc: Any, name: str = "transcript.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_twilio_reads_sentences_joined_to_participants() -> None:
    convo = _one(FIXTURE)
    assert convo.id == "GTca152dc8c35cab1c62ad152af0cd8fa9"
    assert convo.channel is Channel.VOICE
    assert convo.started_at == datetime(2024, 6, 10, 15, 22, 41, tzinfo=UTC)
    assert [t.role for t in convo.turns] == ROLES
    assert (convo.turns[1].start, convo.turns[1].end) == (5.52, 13.06)
    assert convo.turns[0].channel == "2" and convo.turns[1].channel == "1"
    assert convo.turns[0].speaker_id == "rosa.lin"
    assert convo.turns[4].metadata["confidence"] == 0.88
    assert convo.turns[4].metadata["sentence_index"] == 4
    assert convo.agent_id == "rosa.lin"
    assert convo.metadata["language_code"] == "en-US"
    assert convo.metadata["redaction"] is True
    assert "role_inference" not in convo.metadata


def test_twilio_round_trips_through_warmline_json(tmp_path: Path) -> None:
    convo = _one(FIXTURE)
    out = tmp_path / "call.warmline.json"
    WarmlineJSONExporter().write([convo], out)
    (back,) = get_importer("warmline-json").read(out)
    assert back == convo


def test_twilio_sentences_page_alone_uses_the_default_channel_roles(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    sid = doc["transcript"]["sid"]
    sentences = doc["sentences"]
    for s in sentences:  # the API's own types: strings for channel, times and confidence
        s["media_channel"] = str(s["media_channel"])
        s["start_time"], s["end_time"], s["confidence"] = str(s["start_time"]), str(s["end_time"]), str(s["confidence"])
    random.Random(3).shuffle(sentences)
    page = {
        "sentences": sentences,
        "meta": {
            "page": 0,
            "page_size": 50,
            "first_page_url": f"https://intelligence.twilio.com/v2/Transcripts/{sid}/Sentences?PageSize=50&Page=0",
            "url": f"https://intelligence.twilio.com/v2/Transcripts/{sid}/Sentences?PageSize=50&Page=0",
            "key": "sentences",
        },
    }
    convo = _one(_write(tmp_path, page))
    assert convo.id == sid
    assert [t.role for t in convo.turns] == ROLES  # channel 1 customer, 2 agent
    assert [t.metadata["sentence_index"] for t in convo.turns] == list(range(10))
    assert convo.turns[1].start == 5.52
    assert "media_channel 1 taken as customer, 2 as agent" in convo.metadata["role_inference"]


def test_twilio_reads_a_transcript_sentences_list_with_format_flag(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    path = _write(tmp_path, {"transcript_sentences": doc["sentences"]}, "GT_sentences.json")
    convo = _one(path)
    assert convo.id == "GT_sentences"
    assert [t.role for t in convo.turns] == ROLES


def test_twilio_sentence_on_a_channel_without_participant_names_the_file_and_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["sentences"][4]["media_channel"] = 3
    path = _write(tmp_path, doc, "three_channels.json")
    (item,) = _read(path)
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "three_channels.json" in message
    assert "sentences[4].media_channel" in message
    assert item.error.record == "GTca152dc8c35cab1c62ad152af0cd8fa9"


def test_twilio_unknown_participant_role_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["transcript"]["channel"]["participants"][1]["role"] = "Supervisor"
    (item,) = _read(_write(tmp_path, doc))
    assert isinstance(item, RecordError)
    assert item.error.field == "transcript.channel.participants[1].role"


@pytest.mark.parametrize("doc", [{"comments": [], "users": []}, [{"schema": "warmline/1", "id": "c1", "turns": []}]])
def test_twilio_rejects_a_file_of_another_format_naming_it(tmp_path: Path, doc: Any) -> None:
    path = _write(tmp_path, doc, "other.json")
    with pytest.raises(InvalidInputError) as caught:
        _read(path)
    assert "other.json" in str(caught.value)
