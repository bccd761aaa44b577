"""Import speed of the conversation store, on SQLite and on PostgreSQL.

The bundled samples are repeated, each copy under a new id, to about 2,000 conversations and written
to one JSONL file. For each backend, on a freshly migrated database:

- import: `import_paths` over the file (read, check, store: one transaction per conversation);
- re-import: the same file again (every conversation unchanged: one indexed look-up each);
- update: every conversation with one turn changed, through `Store.ingest` (turns replaced);
- save run: `Store.save_analyses` of the default pipeline's annotations (one transaction for the run;
  the samples are analysed once and their analyses copied to each repeat; analysis time is not counted).

PostgreSQL is the server at 127.0.0.1:5432 (or `WARMLINE_BENCH_POSTGRES_URL`); the benchmark creates a
database of its own there and drops it afterwards.

Run: .venv/bin/python benchmarks/import_speed.py [--conversations 2000] [--backend sqlite --backend postgresql]
(writes benchmarks/results/import_speed.md)
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from warmline.io import load
from warmline.io.warmline_json import WarmlineJSONLExporter
from warmline.model import Analysis, Conversation, Turn
from warmline.pipeline import Pipeline
from warmline.store import RunInfo, Store
from warmline.store.commands import import_paths
from warmline.store.engine import normalise_url

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warmline" / "data" / "samples"
OUT = ROOT / "benchmarks" / "results" / "import_speed.md"
POSTGRES_URL = os.environ.get("WARMLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def repeated(samples: list[Conversation], count: int) -> list[Conversation]:
    return [replace(samples[i % len(samples)], id=f"{samples[i % len(samples)].id}#{i}") for i in range(count)]


def changed(convo: Conversation) -> Conversation:
    first = convo.turns[0]
    return replace(convo, turns=(Turn(first.index, first.role, first.text + " (edited)"), *convo.turns[1:]))


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'warmline.db'}"


@contextmanager
def postgres_database() -> Iterator[URL]:
    server = normalise_url(POSTGRES_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"warmline_bench_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name)
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def timed(action: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = action()
    return time.perf_counter() - t0, result


def run_backend(
    url: str | URL, jsonl: Path, convos: list[Conversation], analyses: list[Analysis], info: RunInfo
) -> dict[str, float]:
    rates: dict[str, float] = {}
    with Store.open(url) as store:
        seconds, result = timed(lambda: import_paths([jsonl], "warmline-jsonl", None, store))
        assert getattr(result, "created", None) == len(convos), result
        rates["import"] = len(convos) / seconds
        seconds, result = timed(lambda: import_paths([jsonl], "warmline-jsonl", None, store))
        assert getattr(result, "unchanged", None) == len(convos), result
        rates["re-import"] = len(convos) / seconds
        edited = [changed(c) for c in convos]
        seconds, result = timed(lambda: store.ingest(edited))
        assert getattr(result, "updated", None) == len(convos), result
        rates["update"] = len(convos) / seconds
        seconds, _ = timed(lambda: store.save_analyses(analyses, info))
        rates["save run"] = len(convos) / seconds
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]

    samples = load([SAMPLES]).conversations
    convos = repeated(samples, args.conversations)
    turns = sum(len(c.turns) for c in convos)
    # the default pipeline's analyses of the samples (models included), copied to each repeat
    pipeline = Pipeline.default()
    sample_analyses = {a.conversation.id: a for a in pipeline.analyse([changed(c) for c in samples])}
    analyses = [
        replace(sample_analyses[samples[i % len(samples)].id], conversation=changed(c)) for i, c in enumerate(convos)
    ]
    kept = [a for a in analyses[0].annotations if a.type != "embedding"]
    annotations = sum(len([x for x in a.annotations if x.type != "embedding"]) for a in analyses)
    analysers = ", ".join(pipeline.names)
    load_before = os.getloadavg()

    rows: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        jsonl = Path(folder) / "conversations.jsonl"
        WarmlineJSONLExporter().write(convos, jsonl)
        size_mb = jsonl.stat().st_size / 1e6
        for backend in backends:
            try:
                database = sqlite_database() if backend == "sqlite" else postgres_database()
                with database as url:
                    rates = run_backend(url, jsonl, convos, analyses, RunInfo.for_pipeline(pipeline))
            except Exception as exc:  # a missing server is a result to report, not a crash
                rows.append(f"| {backend} | not measured: {str(exc).splitlines()[0]} | | | |")
                continue
            rows.append(
                f"| {backend} | {rates['import']:.0f} | {rates['re-import']:.0f} | {rates['update']:.0f} "
                f"| {rates['save run']:.0f} |"
            )
            print(rows[-1], flush=True)

    load_after = os.getloadavg()
    lines = [
        f"# Store import speed ({datetime.now():%Y-%m-%d %H:%M})",
        "",
        f"Command: `.venv/bin/python benchmarks/import_speed.py --conversations {args.conversations}`. "
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} CPUs shared with "
        f"other jobs: load average (1/5/15 min) {' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after.",
        "",
        f"{len(convos)} conversations ({len(samples)} bundled samples repeated under new ids), {turns} turns, "
        f"{size_mb:.1f} MB of JSONL. The run saved holds {annotations} annotations ({len(kept)} for the first "
        f"conversation; embeddings are not stored), from the default pipeline ({analysers}) run once over the "
        "samples and copied to each repeat. "
        "SQLite is a file in a temporary folder (WAL, synchronous=NORMAL); PostgreSQL is a local server on the "
        "same machine, default settings. Figures are conversations per second, one run each.",
        "",
        "| backend | import (read + store) | re-import (all unchanged) | update (turns replaced) | save run |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "import and re-import read the JSONL file through `warmline.store.commands.import_paths` (what "
        "`warmline import` runs); update and save run start from conversations already in memory.",
    ]
    report = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
