"""Speed of the whole analyser pipeline on this machine.

- live: per-turn latency (p50/p95/p99) of `Pipeline.analyse_turn` with every analyser — encoder, customer
  emotion, agent behaviours, moments, scripted phrases, trajectory, score — replaying the bundled samples
  turn by turn, beside VADER's per-turn latency for scale;
- model turns at batch 64: turns/s through the encoder + emotion + behaviour heads alone;
- batch: conversations/s and turns/s of `warmline analyze`'s pipeline over the samples, repeated to a
  few hundred conversations;
- peak memory (max RSS) of the process once everything is loaded.

Run: .venv/bin/python benchmarks/pipeline_speed.py [--repeat 10]   (writes benchmarks/results/pipeline_speed.md)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from dataclasses import replace
from pathlib import Path

from warmline.io import load
from warmline.model import Annotation, Conversation
from warmline.pipeline import Pipeline, merge_live

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warmline" / "data" / "samples"
OUT = ROOT / "benchmarks" / "results" / "pipeline_speed.md"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def live_latencies(pipeline: Pipeline, convos: list[Conversation]) -> list[float]:
    timings: list[float] = []
    for convo in convos:
        prior: list[Annotation] = []
        for turn in convo.turns:
            t0 = time.perf_counter()
            new = pipeline.analyse_turn(turn, convo.upto(turn.index), prior)
            timings.append((time.perf_counter() - t0) * 1000)
            prior = merge_live(prior, new)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10, help="copies of the samples in the batch run")
    args = parser.parse_args()

    convos = load([SAMPLES]).conversations
    turns = sum(len(c.turns) for c in convos)

    t0 = time.perf_counter()
    pipeline = Pipeline.default()
    pipeline.analyse(convos[:1])  # loads the encoder and every head
    load_s = time.perf_counter() - t0

    # live: warm once, then measure
    live_latencies(pipeline, convos[:2])
    live = live_latencies(pipeline, convos)

    # model heads alone at batch 64
    models = Pipeline.from_names(
        ["warmline.embedding.v1", "warmline.customer_emotion.v1", "warmline.agent_behaviours.v1"]
    )
    texts_convos = [replace(c, id=f"{c.id}#{i}") for i in range(4) for c in convos]
    model_turns = sum(len(c.turns) for c in texts_convos)
    models.analyse(texts_convos[:2])
    t0 = time.perf_counter()
    models.analyse(texts_convos)
    model_tps = model_turns / (time.perf_counter() - t0)

    # batch: the samples repeated, as distinct conversations
    batch = [replace(c, id=f"{c.id}#{i}") for i in range(args.repeat) for c in convos]
    t0 = time.perf_counter()
    analysed = list(pipeline.analyse_stream(batch))
    batch_s = time.perf_counter() - t0
    assert len(analysed) == len(batch)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    texts = [t.text for c in convos for t in c.turns]
    vader_ms = []
    for text in texts:
        t1 = time.perf_counter()
        vader.polarity_scores(text)
        vader_ms.append((time.perf_counter() - t1) * 1000)

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{len(convos)} sample conversations, {turns} turns.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| load everything (encoder + heads + phrase bank) | {load_s:.2f} s |",
        f"| live per-turn latency, all analysers, p50 | {percentile(live, 50):.1f} ms |",
        f"| live per-turn latency, all analysers, p95 | {percentile(live, 95):.1f} ms |",
        f"| live per-turn latency, all analysers, p99 | {percentile(live, 99):.1f} ms |",
        f"| VADER per turn, p50 / p95 (for scale) | {percentile(vader_ms, 50):.2f} / "
        f"{percentile(vader_ms, 95):.2f} ms |",
        f"| encoder + emotion + behaviours, batched | {model_tps:.0f} turns/s |",
        f"| full pipeline, batch of {len(batch)} conversations | {len(batch) / batch_s:.1f} conversations/s "
        f"({sum(len(c.turns) for c in batch) / batch_s:.0f} turns/s) |",
        f"| peak memory (max RSS) | {rss_mb:.0f} MB |",
        "",
        f"Mean live latency {statistics.mean(live):.1f} ms over {len(live)} turns.",
    ]
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
