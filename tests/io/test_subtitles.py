"""The WebVTT and SubRip importers: speakers from voice tags and prefixes, cue merging, timing errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.io import RecordError, detect_format
from warmline.io.subtitles import MERGE_GAP, SubRipImporter, WebVTTImporter
from warmline.io.warmline_json import WarmlineJSONExporter, WarmlineJSONImporter
from warmline.model import Channel, Conversation, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"

Caption = WebVTTImporter | SubRipImporter


def read_one(path: Path, importer: Caption) -> Conversation:
    items = list(importer.read(path))
    assert len(items) == 1
    assert isinstance(items[0], Conversation), items[0]
    return items[0]


def error_of(path: Path, text: str, importer: Caption) -> str:
    path.write_text(text, encoding="utf-8")
    items = list(importer.read(path))
    assert len(items) == 1 and isinstance(items[0], RecordError), items
    return str(items[0].error)


def test_subtitles_vtt_voice_tags_name_the_speakers() -> None:
    convo = read_one(FIXTURES / "refund_call.vtt", WebVTTImporter())
    assert convo.id == "refund_call"
    assert convo.channel is Channel.VOICE
    assert [t.role for t in convo.turns] == [Role.AGENT, Role.CUSTOMER] * 3
    assert {t.speaker_id for t in convo.turns} == {"Dana Smith", "Marcus Lee"}
    # cues 1 and 2 are 0.2 s apart: one turn
    first = convo.turns[0]
    assert first.text == "Thanks for calling Contoso Mobile, this is Dana. How can I help you today?"
    assert (first.start, first.end) == (0.5, 5.0)
    # markup removed, entities decoded, cue settings ignored
    assert convo.turns[4].text == "Thank you. I can see the duplicate payment & I've gone ahead and refunded it."
    assert convo.turns[5].text == "Great, thanks for sorting that."
    assert convo.metadata["import_notes"] == {"merged_cues": 1}
    inference = convo.metadata["role_inference"]
    assert inference["speakers"] == {"Dana Smith": "agent", "Marcus Lee": "customer"}
    assert inference["confidence"] > 0.7


def test_subtitles_same_speaker_after_a_pause_is_a_new_turn(tmp_path: Path) -> None:
    path = tmp_path / "pause.vtt"
    path.write_text(
        "WEBVTT\n\n"
        "00:00.000 --> 00:02.000\n<v Agent>Let me check that.\n\n"
        f"00:{2 + MERGE_GAP:05.3f} --> 00:05.000\n<v Agent>Right, I can see it.\n\n"
        "00:05.500 --> 00:07.000\nCustomer: Great.\n",
        encoding="utf-8",
    )
    convo = read_one(path, WebVTTImporter())
    assert [(t.role, t.start) for t in convo.turns] == [(Role.AGENT, 0.0), (Role.AGENT, 3.0), (Role.CUSTOMER, 5.5)]
    assert convo.turns[2].text == "Great."


def test_subtitles_srt_name_prefixes_brackets_and_dashes() -> None:
    convo = read_one(FIXTURES / "complaint_call.srt", SubRipImporter())
    assert convo.channel is Channel.VOICE
    roles = [t.role for t in convo.turns]
    assert roles == [Role.AGENT, Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT]
    # a two-line cue is one turn; an unlabelled cue 0.4 s later continues the agent's turn
    assert convo.turns[0].text == "Good morning, you've reached Harbour Insurance. My name is Leo, how may I help?"
    assert convo.turns[2].text.endswith("for you. Could you confirm your date of birth for security purposes?")
    assert (convo.turns[2].start, convo.turns[2].end) == (10.1, 16.8)
    # "[Agent] ..." and "- Customer: ..." share one cue, split in proportion to their words
    agent, customer = convo.turns[4], convo.turns[5]
    assert agent.text == "Thank you. I can see a claim from last year raised the premium."
    assert customer.text == "But that wasn't my fault!"
    assert agent.start == 19.6 and customer.end == 24.1
    assert agent.end == customer.start and 19.6 < agent.end < 24.1
    assert "role_inference" not in convo.metadata


def test_subtitles_unnamed_dialogue_dashes_switch_speaker(tmp_path: Path) -> None:
    path = tmp_path / "dashes.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nCustomer: My router is dead.\n\n"
        "2\n00:00:03,500 --> 00:00:06,000\nAgent: Let me book an engineer.\n\n"
        "3\n00:00:06,200 --> 00:00:09,000\n- They'll be there by noon tomorrow.\n- Thank you!\n",
        encoding="utf-8",
    )
    convo = read_one(path, SubRipImporter())
    # the first dash goes on with the speaker before; the next dash is the other of the file's two speakers
    assert [(t.role, t.text) for t in convo.turns] == [
        (Role.CUSTOMER, "My router is dead."),
        (Role.AGENT, "Let me book an engineer. They'll be there by noon tomorrow."),
        (Role.CUSTOMER, "Thank you!"),
    ]


def test_subtitles_vtt_cue_ending_before_it_starts_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.vtt"
    message = error_of(
        path,
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Agent>Hello.\n\n"
        "2\n00:00:05.000 --> 00:00:04.000\n<v Customer>Hi.\n",
        WebVTTImporter(),
    )
    assert message == f"{path}:8: field 'end': cue ends (00:00:04.000) before it starts (00:00:05.000)"


def test_subtitles_srt_bad_timestamp_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.srt"
    message = error_of(
        path,
        "1\n00:00:01,000 --> 00:00:03,000\nAgent: Hi.\n\n2\n00:00:75,000 --> 00:01:20,000\nCustomer: Hi.\n",
        SubRipImporter(),
    )
    assert message.startswith(f"{path}:6: field 'start': '00:00:75,000' is not a valid time")


def test_subtitles_cue_without_any_speaker_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "anon.vtt"
    message = error_of(path, "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n", WebVTTImporter())
    assert (
        message
        == f"{path}:4: field 'speaker': this cue has no speaker: start its text with 'Name:' or a <v Name> voice tag"
    )


def test_subtitles_vtt_needs_its_header(tmp_path: Path) -> None:
    path = tmp_path / "nohead.vtt"
    message = error_of(path, "00:00:01.000 --> 00:00:02.000\n<v Agent>Hello.\n", WebVTTImporter())
    assert message == f"{path}:1: a WebVTT file starts with a 'WEBVTT' line"


@pytest.mark.parametrize(
    ("name", "importer"), [("refund_call.vtt", WebVTTImporter()), ("complaint_call.srt", SubRipImporter())]
)
def test_subtitles_round_trip_through_warmline_json(tmp_path: Path, name: str, importer: Caption) -> None:
    convo = read_one(FIXTURES / name, importer)
    out = tmp_path / "out.json"
    WarmlineJSONExporter().write([convo], out)
    assert list(WarmlineJSONImporter().read(out)) == [convo]


@pytest.mark.parametrize(("name", "format"), [("refund_call.vtt", "vtt"), ("complaint_call.srt", "srt")])
def test_subtitles_are_detected(name: str, format: str) -> None:
    assert detect_format(FIXTURES / name).name == format
