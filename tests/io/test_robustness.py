"""Bad and huge input: every failure names the file and the line, record or field, and never shows a traceback."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from warmline.cli import app
from warmline.errors import EncodingError, InvalidInputError
from warmline.io import get_exporter, load
from warmline.io.parquet import ParquetExporter
from warmline.model import Analysis, Conversation, Role, Turn, TurnStats
from warmline.pipeline import Pipeline

runner = CliRunner()


class TooSlow(Exception):
    """Raised inside the code under test when it runs past its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (so a quadratic slip fails the test instead of hanging CI)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise TooSlow(f"still running after {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _record(convo_id: str, *turns: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"schema": "warmline/1", "id": convo_id, **fields, "turns": list(turns)}


def _turn(role: str, text: str, **fields: Any) -> dict[str, Any]:
    return {"role": role, "text": text, **fields}


def _jsonl(path: Path, *records: Any) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _squash(text: str) -> str:
    """Text without any whitespace: messages are matched whatever the console wrapped."""
    return "".join(text.split())


def _mentions(output: str, *parts: str) -> bool:
    flat = _squash(output)
    return all(_squash(p) in flat for p in parts)


def _invoke(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    # a user-facing failure is an exit code, never an exception escaping the command
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


# --- empty turns ------------------------------------------------------------------------------


def _blank_turns_warmline(tmp_path: Path) -> Path:
    turns = [
        _turn("customer", "hello"),
        _turn("agent", ""),
        _turn("agent", "   \t "),
        _turn("agent", "hi"),
        _turn("customer", "\n"),
    ]
    return _jsonl(tmp_path / "blank.jsonl", _record("c1", *turns))


def _blank_turns_abcd(tmp_path: Path) -> Path:
    rows = [["customer", "hello"], ["agent", ""], ["action", "   \t "], ["agent", "hi"], ["customer", "\n"]]
    path = tmp_path / "blank.json"
    path.write_text(json.dumps([{"convo_id": "c1", "scenario": {}, "original": rows}]), encoding="utf-8")
    return path


def _blank_turns_tweetsumm(tmp_path: Path) -> Path:
    path = tmp_path / "blank.txt"
    path.write_text(
        "\tCustomer:\thello\n\tAgent:\t\n\tAgent:\t   \n\tAgent:\thi\n\tCustomer:\t@Acme\n", encoding="utf-8"
    )
    return path


def _blank_turns_parquet(tmp_path: Path) -> Path:
    turns = (
        Turn(0, Role.CUSTOMER, "hello"),
        Turn(1, Role.AGENT, ""),
        Turn(2, Role.AGENT, "  "),
        Turn(3, Role.AGENT, "hi"),
    )
    path = tmp_path / "blank.parquet"
    ParquetExporter().write([Conversation(id="c1", turns=(*turns, Turn(4, Role.CUSTOMER, "\n")))], path)
    return path


@pytest.mark.parametrize(
    "make", [_blank_turns_warmline, _blank_turns_abcd, _blank_turns_tweetsumm, _blank_turns_parquet]
)
def test_robustness_empty_and_whitespace_turns_are_dropped_and_counted(tmp_path: Path, make: Any) -> None:
    result = load([make(tmp_path)])
    assert result.errors == []
    (convo,) = result.conversations
    assert [(t.index, t.role, t.text) for t in convo.turns] == [(0, Role.CUSTOMER, "hello"), (1, Role.AGENT, "hi")]
    assert convo.metadata["import_notes"] == {"dropped_empty_turns": 3}


def test_robustness_empty_turns_note_reaches_the_cli_output(tmp_path: Path) -> None:
    result = _invoke("analyze", str(_blank_turns_warmline(tmp_path)), "--output", "jsonl")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["metadata"]["import_notes"] == {"dropped_empty_turns": 3}


# --- unknown speakers -------------------------------------------------------------------------


def test_robustness_unknown_role_in_jsonl_names_file_line_and_field(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "calls.jsonl",
        _record("ok", _turn("customer", "hi")),
        _record("typo", _turn("customer", "hi"), _turn("agnet", "hello")),
    )
    result = load([path])
    assert [c.id for c in result.conversations] == ["ok"]
    (error,) = result.errors
    assert (error.path, error.line, error.field) == (str(path), 2, "turns[1].role")
    assert str(error).startswith(f"{path}:2: field 'turns[1].role': 'agnet' is not one of agent, customer")


def test_robustness_unknown_role_in_json_list_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "calls.json"
    records = [_record("ok", _turn("customer", "hi")), _record("typo", _turn("agnet", "hello"))]
    path.write_text(json.dumps(records, indent=2), encoding="utf-8")
    (error,) = load([path]).errors
    assert (error.path, error.record, error.field) == (str(path), 2, "turns[0].role")


def test_robustness_unknown_role_cli_exit_2(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "calls.jsonl", _record("typo", _turn("customer", "hi"), _turn("agnet", "hello")))
    result = _invoke("analyze", str(path), "--output", "jsonl")
    assert result.exit_code == 2
    assert _mentions(result.stderr, f"{path}:1", "turns[1].role", "'agnet'")


# --- timestamps --------------------------------------------------------------------------------


def test_robustness_overlapping_turns_are_kept(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "overtalk.jsonl",
        _record(
            "c1",
            _turn("customer", "my internet is down again", start=0.0, end=5.0),
            _turn("agent", "let me check", start=3.0, end=6.0),
            _turn("customer", "and the bill", start=3.5, end=4.0),
        ),
    )
    (convo,) = load([path]).conversations
    assert [(t.start, t.end) for t in convo.turns] == [(0.0, 5.0), (3.0, 6.0), (3.5, 4.0)]
    assert "import_notes" not in convo.metadata


def test_robustness_turn_ending_before_it_starts_names_the_turn(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "times.jsonl",
        _record("ok", _turn("customer", "hi", start=0.0, end=1.0)),
        _record("bad", _turn("customer", "hi", start=0.0, end=1.0), _turn("agent", "hello", start=5.0, end=2.0)),
    )
    result = load([path])
    assert [c.id for c in result.conversations] == ["ok"]
    (error,) = result.errors
    assert (error.path, error.line, error.field) == (str(path), 2, "turns[1].end")
    assert "ends (2s) before it starts (5s)" in str(error)


# --- encodings ---------------------------------------------------------------------------------


def _cp1252_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "legacy.jsonl"
    good = (json.dumps(_record("a", _turn("customer", "hello"))) + "\n").encode()
    bad = json.dumps(_record("b", _turn("customer", "CAFE_BYTE"))).encode().replace(b"CAFE_BYTE", b"caf\xe9") + b"\n"
    # a good line after the bad one: one bad byte costs one record, not the rest of the file
    path.write_bytes(good + good.replace(b'"a"', b'"a2"') + bad + good.replace(b'"a"', b'"a3"'))
    return path


def test_robustness_non_utf8_byte_is_an_encoding_error_naming_the_line(tmp_path: Path) -> None:
    path = _cp1252_jsonl(tmp_path)
    result = load([path])
    assert [c.id for c in result.conversations] == ["a", "a2", "a3"]
    (error,) = result.errors
    assert isinstance(error, EncodingError)
    assert (error.path, error.line) == (str(path), 3)
    assert "0xe9" in str(error) and "UTF-8" in str(error)


def test_robustness_non_utf8_byte_cli_exit_2(tmp_path: Path) -> None:
    path = _cp1252_jsonl(tmp_path)
    result = _invoke("analyze", str(path), "--output", "jsonl")
    assert result.exit_code == 2
    assert _mentions(result.stderr, f"{path}:3", "0xe9")
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "a2", "a3"]


# --- unrecognised files ------------------------------------------------------------------------


def test_robustness_unrecognised_file_exit_2_naming_file_and_format_option(tmp_path: Path) -> None:
    path = tmp_path / "mystery.bin"
    path.write_bytes(bytes(range(256)) * 8)
    result = _invoke("analyze", str(path))
    assert result.exit_code == 2
    assert _mentions(result.stderr, str(path), "no importer recognises this file", "--format")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.json", b""),
        ("blank.txt", b"  \n\n \t"),
        ("number.json", b"42"),
        ("truncated.json", b'{"schema": "warmline/1", "id": "x", "turns": ['),
        ("junk_list.json", b'[1, {"schema": "warmline/1"}]'),
        ("cut.parquet", b"PAR1\x00\x01 not really"),
        ("nulls.jsonl", b'{"schema": "warmline/1", "id": "a", "turns": null}\n'),
        (
            "bad_start.jsonl",
            b'{"schema": "warmline/1", "id": "a", "turns": [{"role": "agent", "text": "x", "start": "soon"}]}\n',
        ),
        ("abcd.json", b'[{"convo_id": 1, "scenario": {}, "original": [["customer"]]}]'),
        ("tweets.txt", b"\tCustomer:\thi\n\tManager:\thello\n"),
    ],
)
@pytest.mark.parametrize("command", ["analyze", "convert"])
def test_robustness_bad_files_exit_2_naming_the_file_without_traceback(
    tmp_path: Path, name: str, content: bytes, command: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = _invoke(command, str(path), "--output", "jsonl")
    assert result.exit_code == 2
    assert _mentions(result.stderr, str(path))
    assert result.stdout.strip() == ""


def test_robustness_missing_path_exit_2(tmp_path: Path) -> None:
    result = _invoke("analyze", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert _mentions(result.stderr, str(tmp_path / "nope.jsonl"), "no such file")


# --- many records, a few bad -------------------------------------------------------------------


def _mixed(tmp_path: Path) -> tuple[Path, list[str], dict[int, str]]:
    """50 lines; lines 7, 23 and 41 are bad in three different ways."""
    lines: list[str] = []
    good: list[str] = []
    bad = {7: "turns[0].role", 23: "not valid JSON", 41: "a conversation needs an id"}
    for number in range(1, 51):
        if number == 7:
            lines.append(json.dumps(_record("c7", _turn("agnet", "hello"))))
        elif number == 23:
            lines.append('{"schema": "warmline/1", "id": "c23", "turns": [')
        elif number == 41:
            lines.append(json.dumps(_record("", _turn("customer", "hi"))))
        else:
            good.append(f"c{number}")
            lines.append(
                json.dumps(
                    _record(f"c{number}", _turn("customer", "where is my parcel?"), _turn("agent", "on its way"))
                )
            )
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, good, bad


def test_robustness_many_records_prints_good_ones_and_reports_every_bad_one(tmp_path: Path) -> None:
    path, good, bad = _mixed(tmp_path)
    result = _invoke("analyze", str(path), "--output", "jsonl", "--analyser", "warmline.turn_stats.v1")
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == good
    for number, what in bad.items():
        assert _mentions(result.stderr, f"{path}:{number}", what), number
    assert _mentions(result.stderr, "3 invalid record(s)", "47 conversation(s) processed")
    error_lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error")]
    assert len(error_lines) == 3


def test_robustness_skip_invalid_exits_0_and_still_reports(tmp_path: Path) -> None:
    path, good, bad = _mixed(tmp_path)
    result = _invoke(
        "analyze", str(path), "--output", "jsonl", "--skip-invalid", "--analyser", "warmline.turn_stats.v1"
    )
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == good
    for number in bad:
        assert _mentions(result.stderr, f"{path}:{number}")


def test_robustness_convert_many_records_reports_all_bad_ones(tmp_path: Path) -> None:
    path, good, bad = _mixed(tmp_path)
    result = _invoke("convert", str(path), "--output", "jsonl")
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == good
    for number in bad:
        assert _mentions(result.stderr, f"{path}:{number}")


# --- huge input --------------------------------------------------------------------------------


def _words(size: int) -> str:
    phrase = "I have been waiting for my refund for weeks, why is nobody answering? "
    return (phrase * (size // len(phrase) + 1))[:size]


@pytest.mark.slow
def test_robustness_ten_megabyte_turn_imports_analyses_and_exports(tmp_path: Path) -> None:
    text = _words(10_000_000)
    path = _jsonl(tmp_path / "huge.jsonl", _record("huge", _turn("customer", text), _turn("agent", "I'm so sorry.")))
    started = time.perf_counter()
    with time_limit(120):
        (convo,) = load([path]).conversations
        (analysis,) = Pipeline.default().analyse([convo])
        for name in ("json", "jsonl", "parquet"):
            exporter = get_exporter(name)
            exporter.write([analysis], tmp_path / f"out{exporter.suffix}")
        back = load([tmp_path / "out.parquet"]).conversations
    assert len(convo.turns[0].text) == 10_000_000
    stats = [a for a in analysis.of_type(TurnStats) if a.turn_index == 0]
    assert stats and stats[0].characters == 10_000_000
    assert back == [convo]
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["turns"][0]["text"] == text
    assert time.perf_counter() - started < 120


#: The scale tests check that reading, the pipeline and writing stay linear in the input; the models'
#: throughput is measured by benchmarks/pipeline_speed.py, not here.
SCALE_ANALYSERS = ("--analyser", "warmline.turn_stats.v1", "--analyser", "warmline.talk_metrics.v1")


def _long_call(path: Path, turns: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"schema": "warmline/1", "id": "long-call", "channel": "voice", "turns": [')
        for i in range(turns):
            role = "agent" if i % 2 else "customer"
            turn = {"role": role, "text": f"turn {i}, is that right?", "start": i * 3.0, "end": i * 3.0 + 2.0}
            fh.write(("," if i else "") + json.dumps(turn))
        fh.write("]}\n")
    return path


@pytest.mark.slow
def test_robustness_hundred_thousand_turn_conversation_imports(tmp_path: Path) -> None:
    path = _long_call(tmp_path / "long.jsonl", 100_000)
    with time_limit(60):
        (convo,) = load([path]).conversations
    assert len(convo.turns) == 100_000
    assert convo.turns[-1].index == 99_999


@pytest.mark.slow
def test_robustness_hundred_thousand_turn_conversation_cli_analyze(tmp_path: Path) -> None:
    path = _long_call(tmp_path / "long.jsonl", 100_000)
    with time_limit(90):
        result = runner.invoke(app, ["analyze", str(path), "--output", "jsonl", *SCALE_ANALYSERS])
    assert result.exit_code == 0, repr(result.exception)
    (line,) = result.stdout.splitlines()
    analysis = Analysis.from_dict(json.loads(line))
    assert len(analysis.conversation.turns) == 100_000
    assert len(analysis.of_type(TurnStats)) == 100_000


@pytest.mark.slow
def test_robustness_hundred_thousand_conversations_cli_analyze(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(100_000):
            fh.write(
                json.dumps(_record(f"c{i}", _turn("customer", "where is my parcel?"), _turn("agent", "on its way")))
            )
            fh.write("\n")
    with time_limit(180):
        result = runner.invoke(app, ["analyze", str(path), "--output", "jsonl", *SCALE_ANALYSERS])
    assert result.exit_code == 0, repr(result.exception)
    lines = result.stdout.splitlines()
    assert len(lines) == 100_000
    assert json.loads(lines[-1])["id"] == "c99999"


def test_robustness_time_limit_interrupts_a_slow_block() -> None:
    """The guard the slow tests rely on does fire (a bound that cannot fail checks nothing)."""
    with pytest.raises(TooSlow), time_limit(0.2):
        while True:
            time.sleep(0.01)


def test_robustness_errors_are_invalid_input_subclasses(tmp_path: Path) -> None:
    path, _, _ = _mixed(tmp_path)
    assert all(isinstance(e, InvalidInputError) for e in load([path]).errors)
