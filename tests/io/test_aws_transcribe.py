"""AWS Transcribe Call Analytics importer: the post-call JSON, its wrapped form, and its errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from warmline.errors import InvalidInputError
from warmline.io import RecordError, get_importer
from warmline.io.warmline_json import WarmlineJSONExporter
from warmline.model import Channel, Conversation, Role

FIXTURE = Path(__file__).parent.parent / "fixtures" / "io" / "aws_transcribe_call_analytics.json"


def _read(path: Path) -> list[Conversation | RecordError]:
    return list(get_importer("aws-transcribe").read(path))


def _one(path: Path) -> Conversation:
    (item,) = _read(path)
    assert isinstance(item, Conversation), item
    return item


def _write(tmp_path: Path, doc: Any, name: str = "call.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_aws_transcribe_reads_call_analytics_output() -> None:
    convo = _one(FIXTURE)
    assert convo.id == "brightwater-2024-03-11-call-5521"
    assert convo.channel is Channel.VOICE
    assert [t.role for t in convo.turns] == [Role.AGENT, Role.CUSTOMER] * 5 + [Role.AGENT]
    first, interrupting = convo.turns[0], convo.turns[3]
    assert first.text.startswith("Thank you for calling Brightwater Energy")
    assert (first.start, first.end) == (1.2, 6.4)
    # the customer's account number overlaps the agent's turn: kept as it is, for the talk metrics
    assert interrupting.start == 21.8 and interrupting.start < convo.turns[2].end  # type: ignore[operator]
    assert convo.turns[1].metadata["sentiment"] == "NEGATIVE"
    assert len(convo.turns[1].metadata["loudness_scores"]) == 9
    offsets = convo.turns[1].metadata["issues_detected"][0]["CharacterOffsets"]
    assert convo.turns[1].text[offsets["Begin"] : offsets["End"]] == "I've been charged twice for my March bill"
    assert convo.turns[0].metadata["segment_id"] == "3f1c9a52-6b0e-4d7a-9c21-0a8e5f4b7d11"
    characteristics = convo.metadata["aws_characteristics"]
    assert characteristics["Interruptions"]["TotalCount"] == 1
    assert characteristics["TalkTime"]["DetailsByParticipant"]["AGENT"]["TotalTimeMillis"] == 38800
    assert convo.metadata["categories"] == ["billing-dispute"]
    assert convo.metadata["language_code"] == "en-US"
    assert "import_notes" not in convo.metadata


def test_aws_transcribe_round_trips_through_warmline_json(tmp_path: Path) -> None:
    convo = _one(FIXTURE)
    out = tmp_path / "call.warmline.json"
    WarmlineJSONExporter().write([convo], out)
    (back,) = get_importer("warmline-json").read(out)
    assert back == convo


def test_aws_transcribe_infers_roles_from_channel_definitions_in_the_wrapped_form(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for seg in doc["Transcript"]:
        seg["ChannelId"] = "ch_0" if seg.pop("ParticipantRole") == "AGENT" else "ch_1"
    job_name = doc.pop("JobName")
    wrapped = {
        "CallAnalyticsJob": {
            "CallAnalyticsJobName": job_name,
            "ChannelDefinitions": [
                {"ChannelId": 0, "ParticipantRole": "AGENT"},
                {"ChannelId": 1, "ParticipantRole": "CUSTOMER"},
            ],
        },
        "Output": doc,
    }
    convo = _one(_write(tmp_path, wrapped))
    assert convo.id == job_name
    assert [t.role for t in convo.turns] == [t.role for t in _one(FIXTURE).turns]
    assert convo.turns[0].channel == "ch_0"
    assert "ChannelDefinitions" in convo.metadata["role_inference"]
    assert convo.metadata["aws_characteristics"]["Interruptions"]["TotalCount"] == 1


def test_aws_transcribe_accepts_roles_in_any_case_and_drops_empty_segments(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["Transcript"][0]["ParticipantRole"] = "agent"
    doc["Transcript"][9]["Content"] = "  "
    convo = _one(_write(tmp_path, doc))
    assert convo.turns[0].role is Role.AGENT
    assert len(convo.turns) == 10
    assert convo.metadata["import_notes"] == {"dropped_empty_turns": 1}


def test_aws_transcribe_bad_role_names_the_file_record_and_field(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["Transcript"][3]["ParticipantRole"] = "SUPERVISOR"
    path = _write(tmp_path, doc, "bad_role.json")
    (item,) = _read(path)
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "bad_role.json" in message
    assert "Transcript[3].ParticipantRole" in message
    assert "SUPERVISOR" in message
    assert item.error.record == "brightwater-2024-03-11-call-5521"


def test_aws_transcribe_missing_role_without_channel_definitions_is_a_record_error(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    del doc["Transcript"][5]["ParticipantRole"]
    (item,) = _read(_write(tmp_path, doc, "no_role.json"))
    assert isinstance(item, RecordError)
    assert item.error.field == "Transcript[5].ParticipantRole"
    assert "ChannelDefinitions" in item.error.message


def test_aws_transcribe_turn_ending_before_it_starts_names_the_offset(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["Transcript"][2]["EndOffsetMillis"] = 100
    (item,) = _read(_write(tmp_path, doc))
    assert isinstance(item, RecordError)
    assert item.error.field == "Transcript[2].EndOffsetMillis"


@pytest.mark.parametrize("content", ['{"schema": "warmline/1", "id": "c1", "turns": []}', "speaker,text\nagent,hi\n"])
def test_aws_transcribe_rejects_a_file_of_another_format_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        _read(path)
    assert "other.json" in str(caught.value)
