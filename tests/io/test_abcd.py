"""The ABCD importer: original and delexed turns, action rows as system turns, scenario kept without PII."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warmline.cli import app
from warmline.errors import InvalidInputError
from warmline.io import detect_format, get_importer, load
from warmline.io.base import RecordError, read_head
from warmline.model import Channel, Conversation, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"
ABCD = FIXTURES / "abcd" / "abcd_two_conversations.json"


def _convo(turns: Any, **extra: Any) -> dict[str, Any]:
    return {
        "convo_id": 7,
        "scenario": {"personal": {"customer_name": "ada lovelace"}, "flow": "f", "subflow": "s"},
        **extra,
        "original": turns,
    }


def _write(tmp_path: Path, data: Any, name: str = "abcd.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_abcd_fixture_is_detected() -> None:
    assert detect_format(ABCD).name == "abcd"


def test_abcd_original_rows_become_turns_with_actions_as_system_turns() -> None:
    result = load([ABCD])
    assert result.errors == []
    first = result.conversations[0]
    assert first.id == "3592"
    assert first.channel is Channel.CHAT
    assert len(first.turns) == 13
    assert [t.index for t in first.turns] == list(range(13))
    assert first.turns[0].role is Role.AGENT and first.turns[0].text == "Hi!"
    assert first.turns[2].role is Role.CUSTOMER
    action = first.turns[6]
    assert action.role is Role.SYSTEM
    assert action.text == "Account has been pulled up for Crystal Minh."
    assert action.metadata == {"action": True}
    assert [t.index for t in first.turns if t.metadata.get("action")] == [6, 12]
    assert all(not t.metadata for t in first.turns if t.role is not Role.SYSTEM)


def test_abcd_keeps_flow_and_subflow_but_no_personal_details() -> None:
    first, second = load([ABCD]).conversations
    assert first.metadata == {
        "source": "abcd",
        "text_variant": "original",
        "flow": "product_defect",
        "subflow": "return_size",
    }
    assert second.metadata["subflow"] == "refund_status"
    for convo in (first, second):
        outside_text = json.dumps({k: v for k, v in convo.to_dict().items() if k != "turns"})
        for personal in ("crystal minh", "cminh730", "(977) 625-2661", "alessandro", "aphoenix939", "customer_name"):
            assert personal not in outside_text
        assert convo.customer_id is None and convo.agent_id is None


def test_abcd_delexed_variant_is_read_when_original_is_missing() -> None:
    second = load([ABCD]).conversations[1]
    assert second.id == "9489"
    assert second.metadata["text_variant"] == "delexed"
    assert [t.role for t in second.turns][:2] == [Role.AGENT, Role.CUSTOMER]
    action = second.turns[5]
    assert action.role is Role.SYSTEM
    assert action.text == "account has been pulled up for alessandro phoenix."
    assert action.metadata == {"action": True, "action_name": "pull-up-account"}


def test_abcd_original_is_preferred_over_delexed(tmp_path: Path) -> None:
    data = _convo([["customer", "Hi, I need help"]], delexed=[{"speaker": "customer", "text": "hi, i need help"}])
    (convo,) = load([_write(tmp_path, data)]).conversations
    assert convo.turns[0].text == "Hi, I need help"
    assert convo.metadata["text_variant"] == "original"


def test_abcd_single_object_and_split_file_are_read(tmp_path: Path) -> None:
    single = _write(tmp_path, _convo([["customer", "hello"], ["agent", "hi there"]]), "one.json")
    (convo,) = load([single], format="abcd").conversations
    assert convo.id == "7" and len(convo.turns) == 2

    split = {"train": [_convo([["customer", "a"]])], "dev": [dict(_convo([["agent", "b"]]), convo_id=8)]}
    result = load([_write(tmp_path, split, "split.json")], format="abcd")
    assert [(c.id, c.metadata["split"]) for c in result.conversations] == [("7", "train"), ("8", "dev")]


def test_abcd_unknown_speaker_is_a_record_error_naming_file_record_and_field(tmp_path: Path) -> None:
    good = _convo([["customer", "hello"]])
    bad = dict(_convo([["customer", "hello"], ["agnet", "hi"]]), convo_id=9)
    path = _write(tmp_path, [good, bad])
    items = list(get_importer("abcd").read(path))
    assert isinstance(items[0], Conversation)
    assert isinstance(items[1], RecordError)
    error = items[1].error
    assert (error.path, error.record, error.field) == (str(path), 2, "original[1][0]")
    assert "'agnet' is not one of agent, customer, action" in str(error)
    assert str(path) in str(error)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"scenario": {}, "original": [["customer", "hi"]]}, "convo_id"),
        ({"convo_id": 1, "scenario": {}}, "original"),
        ({"convo_id": 1, "original": [["customer"]]}, "original[0]"),
        ({"convo_id": 1, "original": [["customer", 42]]}, "original[0][1]"),
        ({"convo_id": 1, "delexed": [{"speaker": "bot", "text": "hi"}]}, "delexed[0].speaker"),
        ({"convo_id": 1, "delexed": ["hi"]}, "delexed[0]"),
    ],
)
def test_abcd_malformed_conversations_name_the_field(tmp_path: Path, record: dict[str, Any], field: str) -> None:
    result = load([_write(tmp_path, [record])], format="abcd")
    assert result.conversations == []
    (error,) = result.errors
    assert isinstance(error, InvalidInputError)
    assert (error.record, error.field) == (1, field)


def test_abcd_empty_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path, [_convo([["customer", "hello"], ["agent", "  "], ["action", ""], ["agent", "hi"]])])
    (convo,) = load([path]).conversations
    assert [t.text for t in convo.turns] == ["hello", "hi"]
    assert [t.index for t in convo.turns] == [0, 1]
    assert convo.metadata["import_notes"] == {"dropped_empty_turns": 2}


def test_abcd_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"convo_id": 1,\n "scenario": {},\n "original": [["customer", "hi"],,]}]', encoding="utf-8")
    result = load([path], format="abcd")
    (error,) = result.errors
    assert error.path == str(path) and error.line == 3


def test_abcd_does_not_claim_other_formats_fixtures() -> None:
    importer = get_importer("abcd")
    others = [p for p in FIXTURES.rglob("*") if p.is_file() and p.parent.name != "abcd" and p.suffix != ".md"]
    assert others
    claimed = [p.name for p in others if importer.sniff(p, read_head(p)) > 0]
    assert claimed == []


def test_abcd_cli_analyze_reads_the_fixture() -> None:
    result = CliRunner().invoke(app, ["analyze", str(ABCD), "--output", "jsonl"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["3592", "9489"]
