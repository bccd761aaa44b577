"""Speed and fidelity of the shared sentence encoder (int8 ONNX) against its alternatives and VADER, on CPU.

Run from the repository root::

    .venv/bin/python benchmarks/encoder_speed.py            # two rounds, the better one reported
    .venv/bin/python benchmarks/encoder_speed.py --rounds 3

Each variant runs in its own fresh process (so load time and peak RSS are its own), on realistic turns
from TweetSumm (customer-support chats) and ESConv (emotional-support chats) in ../shared/data. Writes
the markdown tables to ``benchmarks/results/encoder_speed.md``. The fp32 and per-tensor ONNX files are
(re)built under ``training/cache/encoder/`` when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import build_encoder  # noqa: E402  (training/ on the path above)

DATA = Path(os.environ.get("WARMLINE_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "benchmarks" / "results" / "encoder_speed.md"
CACHE = ROOT / "training" / "cache" / "encoder"
PER_TENSOR_PATH = CACHE / "minilm-l6-int8-per-tensor.onnx"
REFERENCE_PATH = CACHE / "benchmark-reference.npy"
N_TURNS = 400
BATCH = 64

# name -> (model file, max_length, runtime, threads, workers): "per_text" is warmline's runtime (up to `workers`
# texts of a call at a time, each alone through the model; None = the runtime's default); "padded_batch" runs
# 64 length-sorted texts per session call, which int8 dynamic quantisation makes batch-dependent
VARIANTS: dict[str, tuple[str, int, str, int | None, int | None]] = {
    "int8 per-channel, max 128 (shipped default)": ("int8", 128, "per_text", None, None),
    "int8 per-channel, max 128, 1 worker": ("int8", 128, "per_text", None, 1),
    "int8 per-channel, max 128, 2 threads, 1 worker": ("int8", 128, "per_text", 2, 1),
    "int8 per-channel, max 256": ("int8", 256, "per_text", None, None),
    "int8 per-channel, max 128, padded batches": ("int8", 128, "padded_batch", None, 1),
    "fp32 ONNX, max 128": ("fp32", 128, "per_text", None, None),
    "fp32 ONNX, max 128, padded batches": ("fp32", 128, "padded_batch", None, 1),
    "int8 per-tensor, max 128": ("int8_per_tensor", 128, "per_text", None, None),
}


# --- turns ---------------------------------------------------------------------------------------


def realistic_turns(n: int = N_TURNS) -> list[str]:
    """Customer-support (TweetSumm) and emotional-support (ESConv) turns, spread over many dialogues."""
    support: list[str] = build_encoder.tweetsumm_lines(n * 5 // 8)
    esconv: list[str] = []
    path = DATA / "esconv" / "train.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for line in f:
                esconv.extend(t["text"].strip() for t in json.loads(line)["dialog"] if t["text"].strip())
    step = max(1, len(esconv) // max(1, n - len(support)))
    turns: list[str] = support + esconv[::step][: n - len(support)]
    if len(turns) < n:  # without the data folder, fall back to the lines written in the build script
        turns += build_encoder.verification_sentences(real_limit=0)[: n - len(turns)]
    return turns


def all_turns() -> list[str]:
    """Every TweetSumm and ESConv turn: how often does a real turn pass 128 or 256 tokens?"""
    turns: list[str] = build_encoder.tweetsumm_lines(10**9)
    path = DATA / "esconv" / "train.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for line in f:
                turns.extend(t["text"].strip() for t in json.loads(line)["dialog"] if t["text"].strip())
    return turns


def long_turns(n: int = 40) -> list[str]:
    """E-mail-length turns (real chats rarely pass 128 tokens): six consecutive support turns joined."""
    lines: list[str] = build_encoder.tweetsumm_lines(n * 6 * 4)
    return [" ".join(lines[i : i + 6]) for i in range(0, 6 * n * 4, 6 * 4)][:n]


# --- one variant, in its own process --------------------------------------------------------------


def _model_dir(kind: str, tmp: Path) -> Path | None:
    if kind == "int8":
        return None
    source = {"fp32": build_encoder.FP32_PATH, "int8_per_tensor": PER_TENSOR_PATH}[kind]
    folder = tmp / kind
    folder.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((build_encoder.MODEL_DIR / "encoder.json").read_text(encoding="utf-8"))
    (folder / "model.onnx").unlink(missing_ok=True)
    (folder / "model.onnx").symlink_to(source)
    (folder / "tokenizer.json").unlink(missing_ok=True)
    (folder / "tokenizer.json").symlink_to(build_encoder.MODEL_DIR / "tokenizer.json")
    manifest["name"] = f"all-MiniLM-L6-v2-{kind}"
    manifest["files"]["model"] = {"name": "model.onnx", "sha256": build_encoder.sha256_of(source)}
    (folder / "encoder.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _padded_batches(enc: Any, texts: Sequence[str], batch: int) -> np.ndarray:
    """What batching in one session call would give: length-sorted, padded, mask-weighted mean pooling."""
    encodings = enc._tokenizer.encode_batch(list(texts))
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    out = np.empty((len(texts), enc.dim), dtype=np.float32)
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        width = max(len(encodings[i].ids) for i in chunk)
        ids = np.zeros((len(chunk), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, i in enumerate(chunk):
            ids[row, : len(encodings[i].ids)] = encodings[i].ids
            mask[row, : len(encodings[i].ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        (hidden,) = enc._session.run(None, feed)
        w = mask[:, :, None].astype(np.float32)
        pooled = (hidden * w).sum(axis=1) / w.sum(axis=1)
        out[chunk] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def _latencies(fn: Callable[[str], object], texts: Sequence[str]) -> dict[str, float]:
    for t in texts[:10]:  # warm-up: first runs allocate
        fn(t)
    times = []
    cpu_start = time.process_time()
    for t in texts:
        start = time.perf_counter()
        fn(t)
        times.append((time.perf_counter() - start) * 1000)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / len(texts)
    ms = np.array(times)
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "cpu_ms_per_turn": cpu_ms,
    }


def _rss_mb() -> float:
    """Peak resident set of this process in MB.

    ``getrusage``'s ``ru_maxrss`` survives ``exec`` on Linux, so a worker started by a big parent would
    report the parent's peak; the kernel's ``VmHWM`` for this process is used where it exists.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def worker_encoder(variant: str, texts: list[str], tmp: Path) -> dict[str, Any]:
    kind, max_length, runtime, threads, workers = VARIANTS[variant]
    rss_before = _rss_mb()
    start = time.perf_counter()
    from warmline.encoders import SentenceEncoder

    enc = SentenceEncoder(
        model_dir=_model_dir(kind, tmp), max_length=max_length, threads=threads, workers=workers
    ).load()
    load_s = time.perf_counter() - start
    rss_loaded = _rss_mb()
    if runtime == "per_text":
        latency = _latencies(lambda t: enc.encode([t]), texts)
        long = _latencies(lambda t: enc.encode([t]), long_turns())
        latency.update({"long_p50_ms": long["p50_ms"], "long_p95_ms": long["p95_ms"]})
        cpu_start, start = time.process_time(), time.perf_counter()
        vectors = enc.encode(texts, batch_size=BATCH)
        batch_s, batch_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        per_text = vectors
    else:
        latency = {}
        _padded_batches(enc, texts[:BATCH], BATCH)  # warm-up
        cpu_start, start = time.process_time(), time.perf_counter()
        vectors = _padded_batches(enc, texts, BATCH)
        batch_s, batch_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        per_text = enc.encode(texts)
    reference = np.load(REFERENCE_PATH)
    cos = (vectors * reference).sum(axis=1)
    return {
        "load_s": load_s,
        "rss_import_mb": rss_before,
        "rss_loaded_mb": rss_loaded,
        "rss_peak_mb": _rss_mb(),
        **latency,
        "turns_per_s": len(texts) / batch_s,
        "batch_cpu_ms_per_turn": batch_cpu * 1000 / len(texts),
        "cos_min": float(cos.min()),
        "cos_mean": float(cos.mean()),
        "vs_per_text_cos_min": float((vectors * per_text).sum(axis=1).min()),
        "threads": enc._session.get_session_options().intra_op_num_threads,
        "workers": enc._workers() if runtime == "per_text" else 1,
    }


def worker_vader(texts: list[str]) -> dict[str, Any]:
    rss_before = _rss_mb()
    start = time.perf_counter()
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

    vader = SentimentIntensityAnalyzer()
    load_s = time.perf_counter() - start
    rss_loaded = _rss_mb()
    latency = _latencies(vader.polarity_scores, texts)
    start = time.perf_counter()
    for t in texts:
        vader.polarity_scores(t)
    batch_s = time.perf_counter() - start
    return {
        "load_s": load_s,
        "rss_import_mb": rss_before,
        "rss_loaded_mb": rss_loaded,
        "rss_peak_mb": _rss_mb(),
        **latency,
        "turns_per_s": len(texts) / batch_s,
    }


# --- orchestration --------------------------------------------------------------------------------


def ensure_inputs(texts: list[str]) -> None:
    """Build the comparison models and the sentence-transformers reference once (cached)."""
    if not build_encoder.FP32_PATH.exists():
        build_encoder.export_fp32()
    if not PER_TENSOR_PATH.exists():
        build_encoder.quantise(build_encoder.FP32_PATH, PER_TENSOR_PATH, per_channel=False)
    key = CACHE / "benchmark-reference.json"
    if not (REFERENCE_PATH.exists() and key.exists() and json.loads(key.read_text()) == texts):
        import torch

        torch.set_num_threads(2)
        np.save(REFERENCE_PATH, build_encoder.reference_embed(texts))
        key.write_text(json.dumps(texts))


def run_worker(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def render(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"# Encoder speed ({meta['date']})",
        "",
        f"Command: `.venv/bin/python benchmarks/encoder_speed.py --rounds {meta['rounds']}`. "
        f"Machine: {meta['machine']}, {meta['cpus']} CPUs, shared with other jobs: load average (1/5/15 min) "
        f"{meta['load_before']} before, {meta['load_after']} after. Best of {meta['rounds']} rounds per row "
        "(lowest p95, else highest turns/s); "
        "every row in its own fresh process.",
        "",
        f"{meta['turns']} realistic turns ({meta['support']} TweetSumm customer-support, "
        f"{meta['turns'] - meta['support']} ESConv emotional-support), {meta['tokens_mean']:.0f} tokens on average, "
        f"p95 {meta['tokens_p95']:.0f}, max {meta['tokens_max']}; {meta['over_128']} of them "
        f"({meta['over_128'] / meta['turns']:.1%}) exceed 128 tokens, "
        f"{meta['over_256']} exceed 256. Over all {meta['all_turns']} TweetSumm and ESConv turns, "
        f"{meta['all_over_128']} ({meta['all_over_128'] / max(1, meta['all_turns']):.2%}) exceed 128 tokens and "
        f"{meta['all_over_256']} exceed 256. 'long' columns: {meta['long_turns']} e-mail-length turns (six "
        f"consecutive support turns joined, {meta['long_tokens_mean']:.0f} tokens on average before truncation).",
        "",
        "Latency is one turn per call (live coaching); turns/s encodes all turns in one `encode` call "
        f"(batch_size {BATCH}). Cosine is against sentence-transformers fp32 at max 256 tokens (the model's own "
        "setting); 'vs per-text' is the cosine between the row's vectors and the same model run one text at a "
        "time (1.0 = a turn's vector does not depend on its batch). 'threads': onnxruntime intra-op threads per "
        "session call; 'workers': how many texts of one `encode` call run at the same time, each alone.",
        "",
        "| variant | threads | workers | load s | RSS after load MB | peak RSS MB | p50 ms | p95 ms | CPU ms/turn "
        "| long p50 ms | long p95 ms | turns/s | batch CPU ms/turn | cos min | cos mean | vs per-text min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        if name == "VADER":
            continue
        lines.append(
            f"| {name} | {r['threads']} | {r['workers']} | {r['load_s']:.2f} | {r['rss_loaded_mb']:.0f} | "
            f"{r['rss_peak_mb']:.0f} | "
            f"{_ms(r, 'p50_ms')} | {_ms(r, 'p95_ms')} | {_ms(r, 'cpu_ms_per_turn')} | {_ms(r, 'long_p50_ms')} | "
            f"{_ms(r, 'long_p95_ms')} | {r['turns_per_s']:.0f} | {r['batch_cpu_ms_per_turn']:.2f} | "
            f"{r['cos_min']:.4f} | {r['cos_mean']:.4f} | {r['vs_per_text_cos_min']:.4f} |"
        )
    v = results["VADER"]
    lines += [
        "",
        "For scale, VADER (lexicon sentiment, `vaderSentiment`) on the same turns:",
        "",
        "| scorer | load s | RSS after load MB | p50 ms | p95 ms | turns/s |",
        "|---|---|---|---|---|---|",
        f"| VADER | {v['load_s']:.2f} | {v['rss_loaded_mb']:.0f} | {v['p50_ms']:.3f} | {v['p95_ms']:.3f} | "
        f"{v['turns_per_s']:.0f} |",
        "",
        f"RSS is the measuring process's peak resident set (`VmHWM`; Python + numpy + benchmark imports: "
        f"{results[next(iter(VARIANTS))]['rss_import_mb']:.0f} MB before loading the encoder). CPU ms/turn is "
        "process CPU time over the batch-1 loop divided by turns: less sensitive than wall time to other jobs "
        "on the machine, but it counts onnxruntime's spinning worker threads.",
        "",
    ]
    return "\n".join(lines)


def _ms(r: dict[str, Any], key: str) -> str:
    return f"{r[key]:.2f}" if key in r else "–"


def _better(a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    if a is None:
        return b
    if "p95_ms" in b:
        return b if b["p95_ms"] < a["p95_ms"] else a
    return b if b["turns_per_s"] > a["turns_per_s"] else a


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=2, help="run everything this many times; report the best")
    parser.add_argument("--turns", type=int, default=N_TURNS)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    texts = realistic_turns(args.turns)
    if args.worker:
        what, tmp = args.worker[0], Path(args.worker[1])
        result = worker_vader(texts) if what == "VADER" else worker_encoder(what, texts, tmp)
        print(json.dumps(result))
        return 0

    ensure_inputs(texts)
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(build_encoder.MODEL_DIR / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    lengths = np.array([len(e.ids) for e in tok.encode_batch(texts)])
    meta: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "rounds": args.rounds,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "cpus": os.cpu_count(),
        "turns": len(texts),
        "support": len(build_encoder.tweetsumm_lines(args.turns * 5 // 8)),
        "tokens_mean": float(lengths.mean()),
        "tokens_p95": float(np.percentile(lengths, 95)),
        "tokens_max": int(lengths.max()),
        "over_128": int((lengths > 128).sum()),
        "over_256": int((lengths > 256).sum()),
        "load_before": load_average(),
    }
    every = np.array([len(e.ids) for e in tok.encode_batch(all_turns())])
    long = np.array([len(e.ids) for e in tok.encode_batch(long_turns())])
    meta.update(
        all_turns=len(every),
        all_over_128=int((every > 128).sum()),
        all_over_256=int((every > 256).sum()),
        long_turns=len(long),
        long_tokens_mean=float(long.mean()),
    )
    best: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        for round_no in range(args.rounds):
            for name in [*VARIANTS, "VADER"]:
                result = run_worker([name, tmp_dir, "--turns", str(args.turns)])
                best[name] = _better(best.get(name), result)
                shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}
                print(f"round {round_no + 1} [{load_average()}] {name}: {shown}", file=sys.stderr)
    meta["load_after"] = load_average()
    table = render(best, meta)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
