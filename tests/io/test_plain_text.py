"""The plain-text transcript importer: labels, timestamps, continuation lines, several conversations, inference."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.io import RecordError, detect_format
from warmline.io.plain_text import WORDS_PER_SECOND, PlainTextImporter, parse_time
from warmline.io.warmline_json import WarmlineJSONExporter, WarmlineJSONImporter
from warmline.model import Channel, Conversation, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"


def read_all(path: Path, importer: PlainTextImporter | None = None) -> list[Conversation | RecordError]:
    return list((importer or PlainTextImporter()).read(path))


def read_one(path: Path, importer: PlainTextImporter | None = None) -> Conversation:
    items = read_all(path, importer)
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, Conversation), item
    return item


def error_of(tmp_path: Path, text: str, name: str = "call.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    items = read_all(path)
    errors = [i for i in items if isinstance(i, RecordError)]
    assert errors, items
    return str(errors[0].error)


def test_plain_text_billing_call_with_timestamps() -> None:
    convo = read_one(FIXTURES / "billing_call.txt")
    assert convo.id == "NW-BILL-0412"
    assert convo.channel is Channel.VOICE
    assert convo.team == "billing"
    assert len(convo) == 10
    assert [t.role for t in convo.turns] == [Role.AGENT, Role.CUSTOMER] * 5
    assert [t.start for t in convo.turns][:3] == [1.0, 6.0, 15.0]
    # a turn ends where the next one starts
    assert convo.turns[0].end == 6.0
    # a continuation line belongs to the turn above it
    assert convo.turns[1].text.endswith("I was told\nwould be removed last month.")
    # a one-off "Note:" prefix is text, not a third speaker
    assert convo.turns[6].text.endswith("\nNote: that charge should have been waived when you called in March.")
    last = convo.turns[-1]
    assert last.text == "Okay. Thank you, that's all I needed."
    assert last.end == pytest.approx(66.0 + 7 / WORDS_PER_SECOND)
    assert "role_inference" not in convo.metadata


@pytest.mark.parametrize(
    ("line", "start", "end"),
    [
        ("[00:01:23] Agent: Hello there.", 83.0, None),
        ("00:01:23 Agent: Hello there.", 83.0, None),
        ("(01:23) Agent: Hello there.", 83.0, None),
        ("[1:23.5] Agent: Hello there.", 83.5, None),
        ("Agent [00:01:23]: Hello there.", 83.0, None),
        ("Agent (01:23): Hello there.", 83.0, None),
        ("Agent: [00:01:23] Hello there.", 83.0, None),
        ("[00:01:23 - 00:01:25.5] Agent: Hello there.", 83.0, 85.5),
    ],
)
def test_plain_text_timestamp_before_or_after_the_label(tmp_path: Path, line: str, start: float, end: float) -> None:
    path = tmp_path / "stamps.txt"
    path.write_text(f"{line}\n[00:01:30] Customer: Hi, my bill is wrong.\n", encoding="utf-8")
    convo = read_one(path)
    first = convo.turns[0]
    assert (first.role, first.text, first.start) == (Role.AGENT, "Hello there.", start)
    assert first.end == (end if end is not None else 90.0)


def test_plain_text_clock_after_the_colon_is_text_unless_bracketed(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("Agent: 10:30 works for me.\nCustomer: Great, see you then.\n", encoding="utf-8")
    convo = read_one(path)
    assert convo.turns[0].text == "10:30 works for me."
    assert convo.turns[0].start is None
    assert convo.channel is Channel.CHAT


def test_plain_text_diarised_transcript_infers_roles() -> None:
    convo = read_one(FIXTURES / "diarised_mono.txt")
    assert convo.channel is Channel.VOICE  # diarisation labels come from audio
    assert [t.role for t in convo.turns] == [Role.AGENT, Role.CUSTOMER] * 4
    assert convo.turns[0].speaker_id == "SPEAKER_00"
    inference = convo.metadata["role_inference"]
    assert inference["method"] == "text-cues"
    assert inference["speakers"] == {"SPEAKER_00": "agent", "SPEAKER_01": "customer"}
    assert inference["confidence"] > 0.7
    assert "asks_account_details" in inference["cues"]["SPEAKER_00"]


def test_plain_text_personal_names_with_weak_cues_import_with_low_confidence(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("Dana: Okay, let me check.\nSam: Sure, thanks.\nDana: Done.\n", encoding="utf-8")
    convo = read_one(path)
    assert [t.role for t in convo.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert convo.metadata["role_inference"]["confidence"] < 0.5
    assert "note" in convo.metadata["role_inference"]


def test_plain_text_several_conversations_in_one_file(tmp_path: Path) -> None:
    items = read_all(FIXTURES / "two_chats.txt")
    assert [c.id for c in items if isinstance(c, Conversation)] == ["chat-881", "chat-882"]
    path = tmp_path / "batch.txt"
    path.write_text("Agent: Hi.\nCustomer: My card was declined.\n===\nCustomer: My order is late.\nAgent: Sorry!\n")
    items = read_all(path)
    assert [c.id for c in items if isinstance(c, Conversation)] == ["batch#1", "batch#2"]


def test_plain_text_impossible_timestamp_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[00:00:01] Agent: Hello.\n[00:61:00] Customer: Hi.\n")
    assert message.startswith(f"{tmp_path / 'call.txt'}:2: field 'timestamp': '00:61:00' is not a valid time")


def test_plain_text_timestamps_going_back_name_the_line(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, "[00:00:10] Agent: Hello.\n[00:00:12] Customer: Hi.\n[00:00:05] Agent: How can I help?\n"
    )
    assert "call.txt:3: field 'timestamp': timestamp 5s is earlier than the previous turn's 12s" in message


def test_plain_text_typo_in_a_role_label_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "Customer: My bill is wrong.\n\nAgnet: Let me check.\nCustomer: Thanks.\n")
    assert message.endswith(
        "call.txt:3: field 'speaker': 'Agnet' is not agent, customer, bot or system — use a speaker map"
    )


def test_plain_text_speaker_map_places_names(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("Dana: Hello.\nSam: Hi.\n", encoding="utf-8")
    convo = read_one(path, PlainTextImporter(speaker_map={"Dana": "agent", "Sam": "customer"}))
    assert [(t.role, t.speaker_id) for t in convo.turns] == [(Role.AGENT, "Dana"), (Role.CUSTOMER, "Sam")]
    assert "role_inference" not in convo.metadata


def test_plain_text_without_labels_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, "hello there\nhow are you\n")
    assert "no 'Speaker: text' lines found" in message


def test_plain_text_header_channel_must_be_known(tmp_path: Path) -> None:
    message = error_of(tmp_path, "# channel: fax\nAgent: Hello.\nCustomer: Hi.\n")
    assert "call.txt:1: field 'channel': 'fax' is not one of voice, chat, email" in message


def test_plain_text_parse_time_shapes() -> None:
    assert parse_time("01:02:03.250") == 3723.25
    assert parse_time("2:03") == 123.0
    assert parse_time("7,5") == 7.5
    with pytest.raises(ValueError, match="not a time"):
        parse_time("7.5", allow_seconds=False)
    with pytest.raises(ValueError, match="run from 00 to 59"):
        parse_time("00:01:75")


@pytest.mark.parametrize("name", ["billing_call.txt", "diarised_mono.txt", "two_chats.txt"])
def test_plain_text_round_trips_through_warmline_json(tmp_path: Path, name: str) -> None:
    conversations = [c for c in read_all(FIXTURES / name) if isinstance(c, Conversation)]
    out = tmp_path / "out.json"
    WarmlineJSONExporter().write(conversations, out)
    again = list(WarmlineJSONImporter().read(out))
    assert again == conversations


@pytest.mark.parametrize("name", ["billing_call.txt", "diarised_mono.txt", "two_chats.txt"])
def test_plain_text_is_detected(name: str) -> None:
    assert detect_format(FIXTURES / name).name == "text"
