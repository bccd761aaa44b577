"""The `warmline` command: help for every command, analyze output, and errors as exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from warmline.cli import app
from warmline.model import Channel, Conversation, Role, Turn

runner = CliRunner()


def _write(tmp_path: Path, convo: Conversation, name: str = "c.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(convo.to_dict()), encoding="utf-8")
    return path


def test_cli_every_command_has_help() -> None:
    group = typer.main.get_command(app)
    assert group.commands  # type: ignore[attr-defined]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help and command.help.strip(), f"command {name} has no help"
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in result.output


def test_cli_analyze_json_has_talk_metrics(tmp_path: Path, voice_call: Conversation) -> None:
    path = _write(tmp_path, voice_call)
    result = runner.invoke(app, ["analyze", str(path), "--output", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == "call-1"
    (metrics,) = [a for a in data["annotations"] if a["type"] == "talk_metrics"]
    assert metrics["agent_interruptions"] == 1
    assert all(a["type"] != "embedding" for t in data["turns"] for a in t["annotations"])


def test_cli_analyze_table_summary(tmp_path: Path, voice_call: Conversation, chat: Conversation) -> None:
    _write(tmp_path, voice_call, "a.json")
    _write(tmp_path, chat, "b.json")
    result = runner.invoke(app, ["analyze", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "call-1" in result.stdout and "chat-1" in result.stdout
    assert "2 conversation(s)" in result.stdout


def test_cli_bad_record_exit_2_names_file_and_field(tmp_path: Path) -> None:
    good = Conversation(id="ok", turns=(Turn(0, Role.CUSTOMER, "hello"),), channel=Channel.CHAT).to_dict()
    bad = dict(good, id="bad", turns=[{"role": "agnet", "text": "hi"}])
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--output", "jsonl"])
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[0])["id"] == "ok"
    assert "calls.jsonl:2" in result.stderr and "turns[0].role" in result.stderr
    assert "Traceback" not in result.output
    assert runner.invoke(app, ["analyze", str(path), "--output", "jsonl", "--skip-invalid"]).exit_code == 0


def test_cli_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json: no such file or folder" in result.stderr


def test_cli_formats_lists_importers() -> None:
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    assert "warmline-json" in result.stdout and "warmline-jsonl" in result.stdout
