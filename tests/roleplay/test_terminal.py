"""Terminal play: the customer speaks, the agent types, the customer reacts, commands work, feedback at the end —
through injected input and output, and through a real pseudo-terminal running the module."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from warmline.roleplay.engine import RoleplaySession
from warmline.roleplay.feedback import Feedback, build_feedback
from warmline.roleplay.scenario import get_scenario, shipped_scenarios
from warmline.roleplay.terminal import run_terminal

from .helpers import GOOD, PhraseReader, fast_pipeline

ROOT = Path(__file__).resolve().parents[2]
BILLING = get_scenario("billing-double-charge")


def _fast_feedback(session: RoleplaySession) -> Feedback:
    return build_feedback(session, pipeline=fast_pipeline(session))


def _run(lines: list[str], scenario: str | None = "billing-double-charge", **kwargs: object) -> tuple[int, str]:
    feed: Iterator[str] = iter(lines)
    out: list[str] = []
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    code = run_terminal(
        scenario,
        input_fn=read,
        output_fn=out.append,
        seed=1,
        reader=PhraseReader(),
        feedback_fn=_fast_feedback,
        width=100,
        **kwargs,  # type: ignore[arg-type]
    )
    return code, "\n".join(out)


def test_terminal_plays_to_an_ending_and_prints_feedback() -> None:
    code, text = _run(["Calm down.", "It's policy.", "You should have checked your statement."])
    assert code == 0
    assert "Charged twice for the same month  (billing-double-charge, seed 1)" in text
    assert "Dana: " + RoleplaySession(BILLING, seed=1, reader=PhraseReader()).opening() in text.replace("\n  ", " ")
    assert "(you said 'Calm down' (dismissive) — patience −2, trust −1; Dana went from frustrated to angry)" in (
        text.replace("\n      ", " ")
    )
    assert "--- The call is over: Dana asked for a supervisor. ---" in text
    assert "Feedback: Charged twice" in text and "turn 3: you said 'You should have' (blame)" in text


def test_terminal_hint_end_and_unknown_command() -> None:
    code, text = _run([GOOD[0], "/hint", "/bogus", "", "/end"])
    assert code == 0
    assert "Hint: " in text and "Unknown command '/bogus'" in text
    assert "--- The call is over: Dana accepted the outcome but was left unhappy. ---" in text
    assert "you ended the call after 1 turns" in text


def test_terminal_quit_and_end_of_input_leave_without_feedback() -> None:
    code, text = _run([GOOD[0], "/quit"])
    assert code == 0 and "no feedback" in text and "Feedback:" not in text
    code, text = _run([GOOD[0]])  # input ends (Ctrl-D)
    assert code == 0 and "Left the role-play." in text and "Feedback:" not in text


def test_terminal_lists_scenarios_and_plays_the_chosen_one() -> None:
    number = [s.id for s in shipped_scenarios()].index("fraud-scare-card") + 1
    code, text = _run(["99", str(number), *GOOD], scenario=None)
    assert code == 0
    for s in shipped_scenarios():
        assert s.id in text
    assert "No scenario '99'" in text
    assert "(fraud-scare-card, seed 1)" in text and "Sofia was satisfied with the resolution" in text


def test_terminal_unknown_scenario_is_exit_2() -> None:
    code, text = _run([], scenario="no-such-scenario")
    assert code == 2 and "no scenario 'no-such-scenario'" in text


# --- a real pseudo-terminal -----------------------------------------------------------------------


class Pty:
    """A child process on a pseudo-terminal; ``expect`` reads until a text appears after the last match."""

    def __init__(self, args: list[str]) -> None:
        self.master, slave = os.openpty()
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "100", "LINES": "40", "TERM": "xterm"}
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, close_fds=True)
        os.close(slave)
        self.seen = ""
        self.pos = 0

    def expect(self, needle: str, timeout: float = 60.0) -> str:
        """The output from the previous match up to and including ``needle``."""
        deadline = time.monotonic() + timeout
        while (at := self.seen.find(needle, self.pos)) < 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"did not see {needle!r} within {timeout}s; output so far:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"the program ended before {needle!r}; output:\n{self.seen}")
            self.seen += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        start, self.pos = self.pos, at + len(needle)
        return self.seen[start : self.pos]

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode("utf-8"))

    def close(self) -> int | None:
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # a failed expect left it waiting for input
            self.proc.wait()
            return None
        finally:
            os.close(self.master)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_terminal_through_a_real_pty() -> None:
    term = Pty(
        [
            sys.executable,
            "-m",
            "warmline.roleplay.terminal",
            "billing-double-charge",
            "--seed",
            "1",
            "--reader",
            "phrase-bank",
        ]
    )
    try:
        term.expect("Dana: ")
        term.expect("You: ")
        term.send("/hint")
        assert "Hint: " in term.expect("You: ")
        replies = []
        for line in ("Calm down, these things happen.", "That's not my department."):
            term.send(line)
            term.expect(line)  # the terminal echoes what was typed
            replies.append(term.expect("You: "))
        term.send("You should have read the terms.")
        text = term.expect("To avoid next time", timeout=90)
    finally:
        code = term.close()
    assert code == 0
    assert all("Dana: " in r for r in replies)
    assert "Dana went from frustrated to angry" in " ".join(replies[0].split())
    assert "--- The call is over: Dana asked for a supervisor. ---" in text
    assert "Where the call turned" in text
    flat = " ".join(text.split())
    assert "turn 3: you said 'You should have read' (blame)" in flat
    assert "Dana asked for a supervisor after being angry for 3 lines in a row" in flat
    assert "Score: 0 / 100" in flat
