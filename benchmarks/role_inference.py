"""How often text-cue role inference (warmline.io.roles) finds the agent when the speaker labels are hidden.

Run from the repository root::

    .venv/bin/python benchmarks/role_inference.py

Takes conversations whose roles are known, replaces the labels by ``SPEAKER_00``/``SPEAKER_01`` in
order of first appearance (the shape of a diarised transcript), runs ``infer_roles`` and compares.
Two sources: TweetSumm's real customer-support Twitter threads (../shared/data/tweetsumm, train
split; the ``@handle`` at the start of each tweet is removed so that it cannot give the roles away),
reported in two halves because the cue lists were revised while reading mistakes on the even rows
only, and warmline's shipped sample calls (src/warmline/data/samples). Writes the table to
``benchmarks/results/role_inference.md``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("WARMLINE_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "benchmarks" / "results" / "role_inference.md"

from warmline.io.roles import infer_roles  # noqa: E402
from warmline.model import Role  # noqa: E402

_HANDLES = re.compile(r"^(?:@\w+\s*)+")
Dialogue = list[tuple[str, str]]  # (true role, text)


def tweetsumm() -> Iterator[Dialogue]:
    csv.field_size_limit(sys.maxsize)
    with (DATA / "tweetsumm" / "dialogs.train.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            turns: Dialogue = []
            for line in row["text"].splitlines():
                parts = line.strip("\t").split("\t", 1)
                if len(parts) != 2 or parts[0].rstrip(":").lower() not in ("agent", "customer"):
                    continue
                turns.append((parts[0].rstrip(":").lower(), _HANDLES.sub("", parts[1]).strip()))
            yield turns


def samples() -> Iterator[Dialogue]:
    for path in sorted((ROOT / "src" / "warmline" / "data" / "samples").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        yield [(t["role"], t["text"]) for t in data["turns"] if t["role"] in ("agent", "customer")]


def evaluate(dialogues: Sequence[Dialogue]) -> dict[str, float]:
    both = [d for d in dialogues if {r for r, _ in d} == {"agent", "customer"}]
    correct = decided = confident = confident_correct = 0
    for dialogue in both:
        anonymous: dict[str, str] = {}
        texts: dict[str, list[str]] = {}
        for role, text in dialogue:
            label = anonymous.setdefault(role, f"SPEAKER_{len(anonymous):02d}")
            texts.setdefault(label, []).append(text)
        result = infer_roles(texts)
        truth = {label: Role(role) for role, label in anonymous.items()}
        right = dict(result.speakers) == truth
        correct += right
        decided += result.decided
        if result.confidence > 0.7:
            confident += 1
            confident_correct += right
    n = len(both)
    return {
        "dialogues": n,
        "accuracy": correct / n,
        "undecided": 1 - decided / n,
        "coverage_at_0.7": confident / n,
        "accuracy_at_0.7": confident_correct / confident if confident else float("nan"),
    }


def main() -> None:
    threads = list(tweetsumm())
    rows = [
        # the cue lists were revised while reading mistakes on the even rows only; the odd rows were not read
        ("TweetSumm train, even rows (cues revised on these)", evaluate(threads[0::2])),
        ("TweetSumm train, odd rows (held out)", evaluate(threads[1::2])),
        ("warmline samples (shipped calls)", evaluate(list(samples()))),
    ]
    lines = [
        "| source | dialogues | accuracy | undecided (confidence 0) | share with confidence > 0.7 "
        "| accuracy when confidence > 0.7 |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in rows:
        lines.append(
            f"| {name} | {m['dialogues']:.0f} | {m['accuracy']:.3f} | {m['undecided']:.3f} "
            f"| {m['coverage_at_0.7']:.3f} | {m['accuracy_at_0.7']:.3f} |"
        )
    table = "\n".join(lines)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Role inference from text cues\n\n"
        "Speaker labels hidden (SPEAKER_00/01 in order of first turn), roles inferred by "
        "`warmline.io.roles.infer_roles`. Reproduce: `.venv/bin/python benchmarks/role_inference.py`.\n\n"
        f"{table}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
