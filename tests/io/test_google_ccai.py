"""Google CCAI Insights importer: entries with roles and microsecond timestamps."""

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

FIXTURE = Path(__file__).parent.parent / "fixtures" / "io" / "google_ccai_conversation.json"


def _read(path: Path) -> list[Conversation | RecordError]:
    return list(get_importer("google-ccai").read(path))


def _one(path: Path) -> Conversation:
    (item,) = _read(path)
    assert isinstance(item, Conversation), item
    return item


def _write(tmp_path: Path, doc: Any, name: str = "conversation.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_google_ccai_reads_a_bot_to_agent_chat() -> None:
    convo = _one(FIXTURE)
    assert convo.id == "google_ccai_conversation"  # the format has no id: the file name is it
    assert convo.channel is Channel.CHAT
    assert convo.started_at == datetime(2024, 6, 7, 9, 0, tzinfo=UTC)
    assert [t.role for t in convo.turns] == [Role.BOT, Role.CUSTOMER, Role.BOT] + [Role.AGENT, Role.CUSTOMER] * 3 + [
        Role.AGENT
    ]
    assert [t.start for t in convo.turns[:4]] == [0.0, 9.4, 11.2, 74.8]
    assert all(t.end is None for t in convo.turns)
    assert convo.turns[0].metadata == {"ccai_role": "AUTOMATED_AGENT"}
    assert convo.turns[3].speaker_id == "2417"
    assert (convo.agent_id, convo.customer_id) == ("2417", "30118")
    assert convo.metadata["categories"] == ["Flight cancellation", "Rebooking"]


def test_google_ccai_round_trips_through_warmline_json(tmp_path: Path) -> None:
    convo = _one(FIXTURE)
    out = tmp_path / "chat.warmline.json"
    WarmlineJSONExporter().write([convo], out)
    (back,) = get_importer("warmline-json").read(out)
    assert back == convo


def test_google_ccai_reads_end_user_role_and_string_timestamps(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for entry in doc["entries"]:
        entry["start_timestamp_usec"] = str(entry["start_timestamp_usec"])  # proto JSON writes int64 as strings
        if entry["role"] == "CUSTOMER":
            entry["role"] = "end_user"
    convo = _one(_write(tmp_path, doc))
    assert [t.role for t in convo.turns] == [t.role for t in _one(FIXTURE).turns]
    assert convo.turns[1].start == 9.4


def test_google_ccai_unknown_role_names_the_file_and_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["entries"][6]["role"] = "SUPERVISOR"
    path = _write(tmp_path, doc, "bad_role.json")
    (item,) = _read(path)
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "bad_role.json" in message
    assert "entries[6].role" in message
    assert "SUPERVISOR" in message


def test_google_ccai_out_of_order_entry_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["entries"][2]["start_timestamp_usec"] = doc["entries"][0]["start_timestamp_usec"] - 5_000_000
    (item,) = _read(_write(tmp_path, doc))
    assert isinstance(item, RecordError)
    assert item.error.field == "entries[2].start_timestamp_usec"


def test_google_ccai_rejects_a_file_of_another_format_naming_it(tmp_path: Path) -> None:
    path = _write(tmp_path, {"Transcript": [{"Content": "hi", "ParticipantRole": "AGENT"}]}, "aws.json")
    with pytest.raises(InvalidInputError) as caught:
        _read(path)
    assert "aws.json" in str(caught.value)
