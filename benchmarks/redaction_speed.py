"""Precision and recall of PII redaction on the hand-labelled case set, and its throughput in turns per second.

Run from the repository root::

    .venv/bin/python benchmarks/redaction_speed.py            # three timing rounds, the best one reported
    .venv/bin/python benchmarks/redaction_speed.py --rounds 5

Accuracy: every line of ``tests/fixtures/redaction_cases.jsonl`` (``text``, ``expected`` with placeholders,
optional ``preceding`` turn, ``split``) is redacted with the default policy. The gold spans are recovered
by aligning ``expected`` with ``text``; a predicted span is a true positive when it overlaps a gold span
of the same kind. Reported per kind and per split (``dev``: lines written while the detectors were
built; ``holdout``: lines written before the detectors were run on them, never tuned on), with the share
of lines redacted exactly as expected and the share of PII-free lines left untouched.

Speed: ``redact_conversation`` over TweetSumm's real customer-support conversations
(../shared/data/tweetsumm, train split; skipped when the data is absent), ``redact_text`` over the case
lines, and one 1 MB turn. Writes the tables to ``benchmarks/results/redaction_speed.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("WARMLINE_DATA", ROOT.parent / "shared" / "data"))
CASES = ROOT / "tests" / "fixtures" / "redaction_cases.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "redaction_speed.md"

from warmline.model import Conversation, Role, Turn  # noqa: E402
from warmline.redaction import PIIKind, redact_conversation, redact_text  # noqa: E402

_PLACEHOLDER = re.compile(r"\[(" + "|".join(k.name for k in PIIKind) + r")\]")


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int


def gold_spans(text: str, expected: str) -> list[Span]:
    """Where the placeholders of ``expected`` sit in ``text``: each placeholder stands for a non-empty span."""
    kinds: list[str] = []
    pattern: list[str] = []
    cursor = 0
    for match in _PLACEHOLDER.finditer(expected):
        pattern.append(re.escape(expected[cursor : match.start()]))
        pattern.append("(.+?)")
        kinds.append(match.group(1))
        cursor = match.end()
    pattern.append(re.escape(expected[cursor:]))
    aligned = re.fullmatch("".join(pattern), text, re.DOTALL)
    if aligned is None:
        raise SystemExit(f"{CASES.name}: expected {expected!r} does not align with text {text!r}")
    spans = [Span(kind, aligned.start(i + 1), aligned.end(i + 1)) for i, kind in enumerate(kinds)]
    return [s for s in spans if text[s.start : s.end] != f"[{s.kind}]"]  # placeholders already in the text


def load_cases() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- accuracy ----------------------------------------------------------------------------------


@dataclass
class Tally:
    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]
    lines: int = 0
    exact: int = 0
    pii_lines: int = 0
    negative_lines: int = 0
    negatives_untouched: int = 0


def score(cases: Sequence[dict[str, Any]]) -> Tally:
    tally = Tally(Counter(), Counter(), Counter())
    for case in cases:
        gold = gold_spans(case["text"], case["expected"])
        result = redact_text(case["text"], preceding=case.get("preceding"))
        predicted = [Span(s.kind.name, s.start, s.end) for s in result.spans]
        for p in predicted:
            hit = any(g.kind == p.kind and g.start < p.end and p.start < g.end for g in gold)
            (tally.tp if hit else tally.fp)[p.kind] += 1
        for g in gold:
            if not any(g.kind == p.kind and g.start < p.end and p.start < g.end for p in predicted):
                tally.fn[g.kind] += 1
        tally.lines += 1
        tally.exact += result.text == case["expected"]
        if gold:
            tally.pii_lines += 1
        else:
            tally.negative_lines += 1
            tally.negatives_untouched += not predicted
    return tally


def ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "–"


def accuracy_tables(cases: Sequence[dict[str, Any]]) -> list[str]:
    splits = {
        "all": cases,
        "dev": [c for c in cases if c.get("split") == "dev"],
        "holdout": [c for c in cases if c.get("split") == "holdout"],
    }
    out = [
        "| split | lines | with PII | hard negatives | precision | recall | F1 | lines exactly as expected "
        "| hard negatives untouched |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    tallies = {name: score(subset) for name, subset in splits.items()}
    for name, t in tallies.items():
        tp, fp, fn = sum(t.tp.values()), sum(t.fp.values()), sum(t.fn.values())
        p, r = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out.append(
            f"| {name} | {t.lines} | {t.pii_lines} | {t.negative_lines} | {p:.3f} | {r:.3f} | {f1:.3f} "
            f"| {ratio(t.exact, t.lines)} | {ratio(t.negatives_untouched, t.negative_lines)} |"
        )
    everything = tallies["all"]
    out += ["", "| kind | gold spans | predicted | true positives | precision | recall |", "|---|---|---|---|---|---|"]
    for kind in PIIKind:
        k = kind.name
        tp, fp, fn = everything.tp[k], everything.fp[k], everything.fn[k]
        if tp + fp + fn:
            out.append(f"| {k} | {tp + fn} | {tp + fp} | {tp} | {ratio(tp, tp + fp)} | {ratio(tp, tp + fn)} |")
    return out


# --- speed -------------------------------------------------------------------------------------


def tweetsumm_conversations() -> list[Conversation]:
    path = DATA / "tweetsumm" / "dialogs.train.csv"
    if not path.exists():
        return []
    csv.field_size_limit(sys.maxsize)
    convos: list[Conversation] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            turns: list[Turn] = []
            for line in row["text"].splitlines():
                parts = line.strip("\t").split("\t", 1)
                if len(parts) == 2 and parts[0].rstrip(":").lower() in ("agent", "customer"):
                    role = Role.AGENT if parts[0].lower().startswith("agent") else Role.CUSTOMER
                    turns.append(Turn(len(turns), role, parts[1].strip()))
            convos.append(Conversation(id=f"tweetsumm-{n}", turns=tuple(turns)))
    return convos


def best_of(rounds: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def speed_table(cases: Sequence[dict[str, Any]], rounds: int) -> list[str]:
    out = ["| input | turns | characters | seconds | turns/s | characters/s |", "|---|---|---|---|---|---|"]

    def row(name: str, turns: int, chars: int, seconds: float) -> None:
        rate = turns / seconds
        shown = f"{rate:,.0f}" if rate >= 10 else f"{rate:.2f}"
        out.append(f"| {name} | {turns:,} | {chars:,} | {seconds:.2f} | {shown} | {chars / seconds:,.0f} |")

    convos = tweetsumm_conversations()
    if convos:
        turns = sum(len(c) for c in convos)
        chars = sum(len(t.text) for c in convos for t in c.turns)
        seconds = best_of(rounds, lambda: [redact_conversation(c) for c in convos])
        row(f"TweetSumm train, {len(convos)} conversations (`redact_conversation`)", turns, chars, seconds)
    texts = [(c["text"], c.get("preceding")) for c in cases] * 20
    seconds = best_of(rounds, lambda: [redact_text(t, preceding=p) for t, p in texts])
    row("case lines × 20 (`redact_text`)", len(texts), sum(len(t) for t, _ in texts), seconds)
    chunk = " ".join(c["text"] for c in cases) + " "
    long_turn = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    seconds = best_of(max(1, rounds - 1), lambda: redact_text(long_turn))
    row("one 1 MB turn (case lines joined)", 1, len(long_turn), seconds)
    return out


def changed_share() -> list[str]:
    convos = tweetsumm_conversations()
    if not convos:
        return []
    counts: Counter[str] = Counter()
    changed = turns = 0
    for convo in convos:
        _, report = redact_conversation(convo)
        changed += len(report.turns)
        turns += len(convo)
        counts.update(report.counts)
    by_kind = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    return [
        f"On TweetSumm (train, {turns:,} real support tweets, no labels) {changed} turns ({changed / turns:.1%}) "
        f"were changed: {by_kind}. Unlabelled, so this is no precision figure; read them with "
        "`redact_conversation` to judge (most are customers' and brands' phone numbers)."
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    cases = load_cases()
    lines = [
        "# PII redaction: accuracy and speed",
        "",
        "Reproduce: `.venv/bin/python benchmarks/redaction_speed.py`. Default policy (account numbers off). "
        "A predicted span counts when it overlaps a gold span of the same kind.",
        "",
        "## Accuracy on the hand-labelled case set (`tests/fixtures/redaction_cases.jsonl`)",
        "",
        *accuracy_tables(cases),
        "",
        *changed_share(),
        "",
        "## Throughput",
        "",
        f"One process, one thread; Python {platform.python_version()} on {platform.machine()} "
        f"({os.cpu_count()} CPUs, shared); best of {args.rounds} rounds.",
        "",
        *speed_table(cases, args.rounds),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
