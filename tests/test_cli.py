"""The `warmline` command: help for every command, analyze output, and errors as exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
    result = runner.invoke(app, ["analyze", str(path), "--output", "json", "-a", "warmline.talk_metrics.v1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == "call-1"
    (metrics,) = [a for a in data["annotations"] if a["type"] == "talk_metrics"]
    assert metrics["agent_interruptions"] == 1
    assert all(a["type"] != "embedding" for t in data["turns"] for a in t["annotations"])


def test_cli_analyze_table_summary(tmp_path: Path, voice_call: Conversation, chat: Conversation) -> None:
    _write(tmp_path, voice_call, "a.json")
    _write(tmp_path, chat, "b.json")
    result = runner.invoke(
        app, ["analyze", str(tmp_path), "-a", "warmline.turn_stats.v1", "-a", "warmline.talk_metrics.v1"]
    )
    assert result.exit_code == 0, result.output
    assert "call-1" in result.stdout and "chat-1" in result.stdout
    assert "2 conversation(s)" in result.stdout


def test_cli_bad_record_exit_2_names_file_and_field(tmp_path: Path) -> None:
    good = Conversation(id="ok", turns=(Turn(0, Role.CUSTOMER, "hello"),), channel=Channel.CHAT).to_dict()
    bad = dict(good, id="bad", turns=[{"role": "agnet", "text": "hi"}])
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    fast = ["-a", "warmline.turn_stats.v1"]
    result = runner.invoke(app, ["analyze", str(path), "--output", "jsonl", *fast])
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[0])["id"] == "ok"
    assert "calls.jsonl:2" in result.stderr and "turns[0].role" in result.stderr
    assert "Traceback" not in result.output
    assert runner.invoke(app, ["analyze", str(path), "--output", "jsonl", "--skip-invalid", *fast]).exit_code == 0


def test_cli_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json: no such file or folder" in result.stderr


def test_cli_formats_lists_importers() -> None:
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    assert "warmline-json" in result.stdout and "warmline-jsonl" in result.stdout


def test_cli_reference_in_docs_is_current() -> None:
    import runpy
    import sys

    script = Path(__file__).parents[1] / "scripts" / "gen_cli_reference.py"
    argv, sys.argv = sys.argv, [str(script), "--check"]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exit_:
        assert exit_.code == 0, "docs/cli.md is stale: run .venv/bin/python scripts/gen_cli_reference.py"
    finally:
        sys.argv = argv


def test_cli_bad_scorecard_fails_before_work(tmp_path: Path, chat: Conversation) -> None:
    path = _write(tmp_path, chat)
    card = tmp_path / "card.yaml"
    card.write_text("id: x\nsections: []\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--scorecard", str(card)])
    assert result.exit_code == 2
    assert f"{card}: field 'sections': a scorecard needs at least one section" in result.stderr


def test_cli_speaker_map_overrides_inferred_roles(tmp_path: Path) -> None:
    path = tmp_path / "mono.txt"
    path.write_text(
        "Dana: Thank you for calling Northwind, this is Dana, how can I help?\nSam: Hi, my bill is wrong again.\n",
        encoding="utf-8",
    )
    inferred = json.loads(runner.invoke(app, ["convert", str(path), "-o", "json"]).stdout)
    assert [t["role"] for t in inferred["turns"]] == ["agent", "customer"]
    assert inferred["metadata"]["role_inference"]["speakers"] == {"Dana": "agent", "Sam": "customer"}
    mapped = runner.invoke(
        app, ["convert", str(path), "-o", "json", "--speaker-map", "Dana=customer", "--speaker-map", "Sam=agent"]
    )
    assert [t["role"] for t in json.loads(mapped.stdout)["turns"]] == ["customer", "agent"]
    bad = runner.invoke(app, ["convert", str(path), "--speaker-map", "Dana=boss"])
    assert bad.exit_code == 2 and "role must be agent, customer, bot or system" in bad.stderr


def test_cli_import_is_idempotent_and_redacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warmline.store.repository import Store
    from warmline.store.settings import get_settings

    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WARMLINE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    convo = Conversation(
        id="pii-1",
        turns=(
            Turn(0, Role.CUSTOMER, "My card is 4111 1111 1111 1111 and my email is sam@example.com."),
            Turn(1, Role.AGENT, "Thanks, I've got that."),
        ),
    )
    path = _write(tmp_path, convo)
    first = runner.invoke(app, ["import", str(path), "--no-analyse"])
    assert first.exit_code == 0, first.output
    assert "imported: 1 new, 0 updated, 0 unchanged" in first.stderr
    again = runner.invoke(app, ["import", str(path), "--no-analyse"])
    assert "imported: 0 new, 0 updated, 1 unchanged" in again.stderr
    store = Store.open()
    try:
        stored = store.get_conversation("pii-1")
    finally:
        store.close()
    assert stored.turns[0].text == "My card is [CARD] and my email is [EMAIL]."
    get_settings.cache_clear()


def test_cli_user_add_and_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from warmline.store.repository import Store
    from warmline.store.settings import get_settings

    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("WARMLINE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    added = runner.invoke(
        app,
        ["user", "add", "maya", "--role", "supervisor", "--team", "care"],
        env={"WARMLINE_PASSWORD": "correct horse"},
    )
    assert added.exit_code == 0, added.output
    token = runner.invoke(app, ["token", "create", "maya", "--name", "ci"]).stdout.strip()
    store = Store.open()
    try:
        assert store.verify_password("maya", "correct horse") is not None
        assert store.verify_password("maya", "wrong") is None
        user = store.user_for_token(token)
        assert user is not None and user.username == "maya"
    finally:
        store.close()
    bad = runner.invoke(app, ["user", "add", "x", "--role", "boss"], env={"WARMLINE_PASSWORD": "pw"})
    assert bad.exit_code == 2
    get_settings.cache_clear()
