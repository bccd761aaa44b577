"""The TweetSumm importer: tab-tagged turns in a CSV column or a text file, mentions, labels and signatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warmline.cli import app
from warmline.io import detect_format, get_importer, load
from warmline.io.base import read_head
from warmline.model import Channel, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"
CSV = FIXTURES / "tweetsumm" / "dialogs.csv"
TXT = FIXTURES / "tweetsumm" / "two_dialogues.txt"


@pytest.mark.parametrize("path", [CSV, TXT], ids=["csv", "txt"])
def test_tweetsumm_fixtures_are_detected(path: Path) -> None:
    assert detect_format(path).name == "tweetsumm"


def test_tweetsumm_csv_turns_roles_and_text() -> None:
    result = load([CSV])
    assert result.errors == []
    parcel, roaming = result.conversations
    assert (parcel.id, roaming.id) == ("d-parcel", "d-roaming")
    assert parcel.channel is Channel.CHAT
    assert [t.role for t in parcel.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    first = parcel.turns[0]
    # the entity is unescaped and the URL kept; the leading mention moves to metadata
    assert first.text == "my parcel was due Tuesday & still nothing. Tracking says delivered?? https://t.co/abc123"
    assert first.metadata == {"mentions": ["@NorthwindHelp"]}
    assert parcel.turns[2].text == "Done. Third time this month."
    assert parcel.turns[2].metadata["mentions"] == ["@NorthwindHelp", "@CourierCo"]


def test_tweetsumm_mention_only_turn_is_dropped_and_counted() -> None:
    parcel = load([CSV]).conversations[0]
    assert all(t.text.strip() for t in parcel.turns)
    assert [t.index for t in parcel.turns] == list(range(5))
    assert parcel.metadata["import_notes"] == {"dropped_empty_turns": 1}


def test_tweetsumm_continuation_lines_join_the_turn_and_signatures_name_the_agent() -> None:
    parcel = load([CSV]).conversations[0]
    reply = parcel.turns[3]
    assert reply.text == "Thanks, we've found it at the depot and it goes out today.\nRgds,\n^MK"
    assert reply.speaker_id == "MK"
    assert parcel.turns[1].speaker_id == "JA"
    assert parcel.turns[1].text.endswith("https://t.co/dm456 ^JA")
    assert all(t.speaker_id is None for t in parcel.turns if t.role is Role.CUSTOMER)


def test_tweetsumm_labels_go_to_conversation_and_turn_metadata() -> None:
    parcel, roaming = load([CSV]).conversations
    assert parcel.metadata["is_negative"] is True and parcel.metadata["has_gratitude"] is True
    assert roaming.metadata["is_negative"] is False and roaming.metadata["has_gratitude"] is False
    assert parcel.metadata["dialog_type"] == "Жалоба" and parcel.metadata["split"] == "train"
    assert [t.index for t in parcel.turns if t.metadata.get("is_negative")] == [2]
    assert [t.index for t in parcel.turns if t.metadata.get("has_gratitude")] == [4]
    assert not any("is_negative" in t.metadata for t in roaming.turns)


def test_tweetsumm_customer_handle_and_brand_come_from_mentions() -> None:
    parcel, roaming = load([CSV]).conversations
    assert (parcel.customer_id, parcel.metadata["brand"]) == ("40213", "NorthwindHelp")
    assert (roaming.customer_id, roaming.metadata["brand"]) == ("51877", "ContosoCares")


def test_tweetsumm_text_file_dialogues_are_separated_by_blank_lines() -> None:
    result = load([TXT])
    assert result.errors == []
    bill, store = result.conversations
    assert (bill.id, store.id) == ("two_dialogues-1", "two_dialogues-2")
    assert [t.role for t in bill.turns] == [Role.CUSTOMER, Role.AGENT]
    assert store.turns[2].text == "great, thanks!"
    assert store.turns[1].speaker_id == "JA"


def test_tweetsumm_single_dialogue_text_file_is_named_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.tsv"
    path.write_text("Customer:\t@Acme where is my order?\nAgent:\t@1 On its way!\n", encoding="utf-8")
    (convo,) = load([path], format="tweetsumm").conversations
    assert convo.id == "chat"
    assert [t.text for t in convo.turns] == ["where is my order?", "On its way!"]


def test_tweetsumm_unknown_speaker_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("\tCustomer:\thello\n\n\tCustomer:\thi\n\tBot:\tHow can I help?\n", encoding="utf-8")
    result = load([path], format="tweetsumm")
    assert [c.id for c in result.conversations] == ["chat-1"]
    (error,) = result.errors
    assert (error.path, error.line, error.field) == (str(path), 4, "speaker")
    assert f"{path}:4" in str(error) and "'Bot' is not one of Customer, Agent" in str(error)


def test_tweetsumm_text_before_the_first_tag_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("\tCustomer:\tone\n\nsomething untagged\n\tAgent:\ttwo\n", encoding="utf-8")
    result = load([path], format="tweetsumm")
    (error,) = result.errors
    assert (error.line, error.record) == (3, 2)


def test_tweetsumm_csv_unknown_speaker_names_the_line_inside_the_quoted_field(tmp_path: Path) -> None:
    path = tmp_path / "dialogs.csv"
    path.write_text(
        'dialog_id,text\nok,"\tCustomer:\thi\n\tAgent:\thello\n"\nbad,"\tCustomer:\thi\n\tRobot:\tbeep\n"\n',
        encoding="utf-8",
    )
    result = load([path])
    assert [c.id for c in result.conversations] == ["ok"]
    (error,) = result.errors
    assert (error.path, error.line, error.record) == (str(path), 6, 2)


def test_tweetsumm_csv_without_a_text_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "dialogs.csv"
    path.write_text("dialog_id,body\n1,hello\n", encoding="utf-8")
    result = load([path], format="tweetsumm")
    (error,) = result.errors
    assert (error.path, error.field) == (str(path), "text")


def test_tweetsumm_does_not_claim_other_formats_fixtures() -> None:
    importer = get_importer("tweetsumm")
    others = [p for p in FIXTURES.rglob("*") if p.is_file() and p.parent.name != "tweetsumm" and p.suffix != ".md"]
    assert others
    assert [p.name for p in others if importer.sniff(p, read_head(p)) > 0] == []


def test_tweetsumm_cli_analyze_reads_the_csv() -> None:
    result = CliRunner().invoke(app, ["analyze", str(CSV), "--output", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["d-parcel", "d-roaming"]
    assert rows[0]["turns"][0]["metadata"]["mentions"] == ["@NorthwindHelp"]


def test_tweetsumm_windows_line_endings_are_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(b"\tCustomer:\t@Acme hello\r\n\tAgent:\t@1 hi\r\nthere\r\n\r\n\tCustomer:\tsecond\r\n")
    first, second = load([path], format="tweetsumm").conversations
    assert [t.text for t in first.turns] == ["hello", "hi\nthere"]
    assert second.turns[0].text == "second"
