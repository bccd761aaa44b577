"""Sentence-encoder variants side by side: size, fidelity, batch independence and CPU cost per turn.

Run from the repository root::

    .venv/bin/python benchmarks/encoder_variants.py              # three speed rounds, medians reported
    .venv/bin/python benchmarks/encoder_variants.py --rounds 5
    .venv/bin/python benchmarks/encoder_variants.py --only "fp32, padded batches"

Why: the shipped int8 model is quantised dynamically (one activation scale per input tensor), so texts
batched together change each other's vectors and the runtime encodes each text alone. This script looks
for a variant that is batch-independent *and* cheaper per turn when batched: static int8 (fixed scales;
MinMax, Percentile and Entropy calibration; QDQ and QOperator; SmoothQuant; sensitive MatMuls left fp32),
weight-only int8 (``MatMulNBits``), fp32 and fp16, in padded or equal-length batches, dynamic int8 in
equal-length batches, and the shipped model run one text at a time on one or two threads.

Every variant file is built once under ``training/cache/encoder/variants/`` (git-ignored) from the fp32
export of ``training/build_encoder.py``. Fidelity is measured once, on the build script's verification
sentences at 256 tokens: cosine to sentence-transformers fp32, cosine to the shipped model's vectors (what
the model heads were trained on), and the largest cosine distance between a text's vector in mixed
batches of 64 and its vector alone. Speed is measured on realistic turns (TweetSumm + ESConv, as in
``benchmarks/encoder_speed.py``) at the runtime's 128 tokens, each variant and round in its own fresh
process, rounds interleaved; the machine is shared, so process CPU time per turn is the robust figure and
wall-clock turns/s is reported beside it. Writes ``benchmarks/results/encoder_variants.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from onnxruntime.quantization import CalibrationDataReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import build_encoder  # noqa: E402  (training/ on the path above)
import encoder_speed  # noqa: E402  (benchmarks/ on the path above)

DATA = Path(os.environ.get("WARMLINE_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "benchmarks" / "results" / "encoder_variants.md"
CACHE = ROOT / "training" / "cache" / "encoder" / "variants"
SHIPPED = build_encoder.MODEL_DIR / build_encoder.INT8_NAME
TOKENIZER = build_encoder.MODEL_DIR / build_encoder.TOKENIZER_NAME
BATCH = 64
QUALITY_MAX_LENGTH = 256  # as the build script verifies: the sentence-transformers model's own limit
SPEED_MAX_LENGTH = 128  # the runtime's default
N_CALIBRATION = 300

# --- variants ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One model file run one way: ``per_text`` (each text alone, unpadded), ``padded`` (length-sorted
    batches of 64, padded to the longest) or ``equal_length`` (batches of texts with the same token count,
    so no padding at all)."""

    model: str
    mode: str
    note: str = ""


VARIANTS: dict[str, Variant] = {
    "int8 dynamic, per text (shipped)": Variant("int8_dynamic", "per_text"),
    "int8 dynamic, padded batches": Variant("int8_dynamic", "padded"),
    "int8 dynamic, equal-length batches": Variant("int8_dynamic", "equal_length"),
    "fp32, padded batches": Variant("fp32", "padded"),
    "fp32, equal-length batches": Variant("fp32", "equal_length"),
    "fp16 weights, padded batches": Variant("fp16", "padded"),
    "static int8 QDQ S8S8 MinMax": Variant("static_qdq_s8_minmax", "padded"),
    "static int8 QDQ U8S8 MinMax": Variant("static_qdq_u8_minmax", "padded"),
    "static int8 QDQ U8S8 Percentile 99.999": Variant("static_qdq_u8_percentile", "padded"),
    "static int8 QDQ U8S8 Entropy": Variant("static_qdq_u8_entropy", "padded"),
    "static int8 QOperator U8S8 MinMax": Variant("static_qop_u8_minmax", "padded"),
    "static int8 QDQ U8S8 MinMax, equal-length batches": Variant("static_qdq_u8_minmax", "equal_length"),
    "static int8 QDQ U8S8 MinMax, SmoothQuant alpha 0.8": Variant("static_qdq_u8_minmax_smooth", "padded"),
    "static int8 QDQ U8S8 MinMax, FFN output fp32": Variant("static_qdq_u8_minmax_no_ffn_out", "padded"),
    "static int8 QDQ U8S8 MinMax, attention projections only": Variant("static_qdq_u8_minmax_attention", "padded"),
    "weight-only int8 (MatMulNBits, block 32)": Variant("nbits8_block32", "padded"),
    "weight-only int8 (MatMulNBits, block 32), equal-length batches": Variant("nbits8_block32", "equal_length"),
    "weight-only int8 (MatMulNBits, block 128)": Variant("nbits8_block128", "padded"),
}


def weight_matmuls(model_path: Path) -> dict[str, list[str]]:
    """The 36 MatMuls with a weight (Q, K, V, attention output, FFN in, FFN out), by role.

    The 12 attention-score MatMuls (activation x activation) are left in fp32 in every variant, as
    ``quantize_dynamic`` leaves them in the shipped model.
    """
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    names = [n.name for n in graph.node if n.op_type == "MatMul" and "/attention/self/MatMul" not in n.name]
    return {
        "all": names,
        "attention": [n for n in names if "/attention/" in n],
        "no_ffn_out": [n for n in names if not ("/output/dense/" in n and "/attention/" not in n)],
    }


def calibration_sentences(n: int = N_CALIBRATION) -> list[str]:
    """Realistic turns for static calibration, none of them among the verification sentences.

    Two thirds TweetSumm support turns (taken between the verification sample's positions) and one third
    ESConv emotional-support turns (validation dialogues). Without the data folder, the lines written in the
    build script are added, and then calibration and verification overlap.
    """
    verification = set(build_encoder.verification_sentences())
    support = [t for t in build_encoder.tweetsumm_lines(10**9)[7::37] if t not in verification][: n * 2 // 3]
    emotional: list[str] = []
    path = DATA / "esconv" / "valid.jsonl"
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for line in f:
                emotional.extend(t["text"].strip() for t in json.loads(line)["dialog"] if t["text"].strip())
    picked = support + emotional[:: max(1, len(emotional) // max(1, n - len(support)))][: n - len(support)]
    if len(picked) < n // 2:
        picked += build_encoder.verification_sentences(real_limit=0)
    return picked[:n]


class _CalibrationReader(CalibrationDataReader):  # type: ignore[misc]
    """Feeds calibration texts one at a time, unpadded, so pad tokens never widen a range.

    ``__len__`` and ``set_range`` let ``quantize_static`` collect one text per step
    (``CalibStridedMinMax=1``): the histogram calibrators stack each step's outputs into one array, which
    texts of different lengths would not allow.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(TOKENIZER))
        tok.enable_truncation(max_length=SPEED_MAX_LENGTH)
        tok.no_padding()
        self.ids = [e.ids for e in tok.encode_batch(list(texts))]
        self._rows = iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def set_range(self, start_index: int, end_index: int) -> None:
        self._rows = iter(self.ids[start_index:end_index])

    def get_next(self) -> dict[str, np.ndarray] | None:
        ids = next(self._rows, None)
        if ids is None:
            return None
        a = np.asarray([ids], dtype=np.int64)
        return {"input_ids": a, "attention_mask": np.ones_like(a), "token_type_ids": np.zeros_like(a)}


def _build_static(
    out: Path, *, fmt: str, activation: str, method: str, nodes: str, smooth_alpha: float | None = None
) -> None:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    fp32 = build_encoder.FP32_PATH
    if smooth_alpha is not None:
        fp32 = out.with_name(out.stem + "-fp32.onnx")
        _smooth(build_encoder.FP32_PATH, fp32, smooth_alpha)
    reader = _CalibrationReader(calibration_sentences())
    extra: dict[str, Any] = {"CalibStridedMinMax": 1}
    if method == "percentile":
        extra["CalibPercentile"] = 99.999
    quantize_static(
        str(fp32),
        str(out),
        reader,
        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
        per_channel=True,
        weight_type=QuantType.QInt8,
        activation_type=QuantType.QUInt8 if activation == "u8" else QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_quantize=weight_matmuls(build_encoder.FP32_PATH)[nodes],
        calibrate_method={
            "minmax": CalibrationMethod.MinMax,
            "percentile": CalibrationMethod.Percentile,
            "entropy": CalibrationMethod.Entropy,
        }[method],
        extra_options=extra,
    )


def _smooth(src: Path, dst: Path, alpha: float) -> None:
    """SmoothQuant (Xiao et al. 2023) by hand: move activation outliers into the weights, per input channel.

    For each activation X feeding weight MatMuls W_j (Q, K and V share one): s_k = max|X_k|^alpha /
    max_j max|W_j[k, :]|^(1 - alpha) over the calibration texts; a Mul by 1/s is inserted before the MatMuls
    and W_j's rows are multiplied by s, so the fp32 model computes the same function. BERT is post-LN (the
    LayerNorm output also feeds the residual), so 1/s cannot be folded into the LayerNorm.
    """
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes = {n.name: n for n in graph.node}
    by_input: dict[str, list[Any]] = {}
    for name in weight_matmuls(src)["all"]:
        by_input.setdefault(nodes[name].input[0], []).append(nodes[name])
    probe = onnx.load(str(src))
    for x in by_input:
        probe.graph.output.append(helper.make_tensor_value_info(x, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    sess = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    reader = _CalibrationReader(calibration_sentences())
    inputs = list(by_input)
    amax: dict[str, np.ndarray] = {}
    while (feed := reader.get_next()) is not None:
        for x, value in zip(inputs, sess.run(inputs, feed), strict=True):
            row_max = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            amax[x] = np.maximum(amax[x], row_max) if x in amax else row_max
    inserted = []
    for x, consumers in by_input.items():
        weights = [numpy_helper.to_array(inits[c.input[1]]) for c in consumers]
        wmax = np.max([np.abs(w).max(axis=1) for w in weights], axis=0)
        s = (np.maximum(amax[x], 1e-5) ** alpha / np.maximum(wmax, 1e-5) ** (1 - alpha)).astype(np.float32)
        inv = numpy_helper.from_array((1.0 / s).astype(np.float32), x.replace("/", "_") + "_smooth_inv")
        graph.initializer.append(inv)
        inserted.append((consumers[0], helper.make_node("Mul", [x, inv.name], [x + "_smoothed"], name=x + "_smooth")))
        for node, w in zip(consumers, weights, strict=True):
            node.input[0] = x + "_smoothed"
            inits[node.input[1]].CopyFrom(numpy_helper.from_array((w * s[:, None]).astype(np.float32), node.input[1]))
    ordered = list(graph.node)
    for first_consumer, mul in inserted:  # just before its first consumer: the graph stays topologically sorted
        ordered.insert(ordered.index(first_consumer), mul)
    del graph.node[:]
    graph.node.extend(ordered)
    onnx.save(model, str(dst))


def _build_nbits(out: Path, *, block: int) -> None:
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    # accuracy_level 4: int8 compute, the activations quantised per row and block inside the kernel
    quantizer = MatMulNBitsQuantizer(
        str(build_encoder.FP32_PATH), bits=8, block_size=block, is_symmetric=True, accuracy_level=4
    )
    quantizer.process()
    quantizer.model.save_model_to_file(str(out), False)


def _build_fp16(out: Path) -> None:
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = convert_float_to_float16(onnx.load(str(build_encoder.FP32_PATH)), keep_io_types=True)
    onnx.save(model, str(out))


BUILDERS: dict[str, Callable[[Path], None]] = {
    "fp16": _build_fp16,
    "static_qdq_s8_minmax": lambda p: _build_static(p, fmt="qdq", activation="s8", method="minmax", nodes="all"),
    "static_qdq_u8_minmax": lambda p: _build_static(p, fmt="qdq", activation="u8", method="minmax", nodes="all"),
    "static_qdq_u8_percentile": lambda p: _build_static(
        p, fmt="qdq", activation="u8", method="percentile", nodes="all"
    ),
    "static_qdq_u8_entropy": lambda p: _build_static(p, fmt="qdq", activation="u8", method="entropy", nodes="all"),
    "static_qop_u8_minmax": lambda p: _build_static(p, fmt="qop", activation="u8", method="minmax", nodes="all"),
    "static_qdq_u8_minmax_no_ffn_out": lambda p: _build_static(
        p, fmt="qdq", activation="u8", method="minmax", nodes="no_ffn_out"
    ),
    "static_qdq_u8_minmax_smooth": lambda p: _build_static(
        p, fmt="qdq", activation="u8", method="minmax", nodes="all", smooth_alpha=0.8
    ),
    "static_qdq_u8_minmax_attention": lambda p: _build_static(
        p, fmt="qdq", activation="u8", method="minmax", nodes="attention"
    ),
    "nbits8_block32": lambda p: _build_nbits(p, block=32),
    "nbits8_block128": lambda p: _build_nbits(p, block=128),
}


def model_path(model: str) -> Path:
    if model == "int8_dynamic":
        return SHIPPED
    if model == "fp32":
        return build_encoder.FP32_PATH
    return CACHE / f"{model}.onnx"


def ensure_models(names: Sequence[str]) -> None:
    if not build_encoder.FP32_PATH.exists():
        build_encoder.export_fp32()
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in names:
        model = VARIANTS[name].model
        path = model_path(model)
        if not path.exists():
            print(f"building {path.name}", file=sys.stderr)
            BUILDERS[model](path)


# --- running a variant ---------------------------------------------------------------------------


def session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def token_ids(texts: Sequence[str], max_length: int) -> list[list[int]]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.enable_truncation(max_length=max_length)
    tok.no_padding()
    return [list(e.ids) for e in tok.encode_batch(list(texts))]


def _run_rows(sess: Any, rows: Sequence[Sequence[int]]) -> np.ndarray:
    """Pooled, normalised vectors of texts run together in one session call, padded to the longest."""
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    (hidden,) = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    m = mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / m.sum(axis=1)
    return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True), dtype=np.float32)


def groups(ids: Sequence[Sequence[int]], mode: str, order: Sequence[int] | None = None) -> list[list[int]]:
    """Which texts share a session call: one per call, length-sorted runs of 64, or equal-length runs.

    ``order`` (a permutation) replaces the length sort, to build batches of mixed company.
    """
    n = len(ids)
    if mode == "per_text":
        return [[i] for i in range(n)]
    if mode == "padded":
        seq = list(order) if order is not None else sorted(range(n), key=lambda i: len(ids[i]))
        return [seq[s : s + BATCH] for s in range(0, n, BATCH)]
    if mode == "equal_length":
        by_length: dict[int, list[int]] = {}
        for i in order if order is not None else range(n):
            by_length.setdefault(len(ids[i]), []).append(i)
        return [g[s : s + BATCH] for g in by_length.values() for s in range(0, len(g), BATCH)]
    raise ValueError(mode)


def embed(
    sess: Any, ids: Sequence[Sequence[int]], mode: str, *, order: Sequence[int] | None = None, workers: int = 1
) -> np.ndarray:
    out = np.empty((len(ids), 384), dtype=np.float32)

    def one(group: list[int]) -> None:
        out[group] = _run_rows(sess, [ids[i] for i in group])

    work = groups(ids, mode, order)
    if workers > 1:  # texts (or batches) run concurrently, each session call on its own thread
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, work))
    else:
        for g in work:
            one(g)
    return out


# --- fidelity (once) -----------------------------------------------------------------------------


def reference_vectors(texts: list[str]) -> np.ndarray:
    """sentence-transformers fp32 on the verification sentences (cached, keyed by the texts)."""
    path, key = CACHE / "verification-reference.npy", CACHE / "verification-reference.json"
    if not (path.exists() and key.exists() and json.loads(key.read_text(encoding="utf-8")) == texts):
        import torch

        torch.set_num_threads(2)
        np.save(path, build_encoder.reference_embed(texts))
        key.write_text(json.dumps(texts), encoding="utf-8")
    return np.asarray(np.load(path), dtype=np.float32)


def fidelity(name: str, texts: list[str], reference: np.ndarray, shipped: np.ndarray) -> dict[str, Any]:
    variant = VARIANTS[name]
    path = model_path(variant.model)
    sess = session(path, 1)
    ids = token_ids(texts, QUALITY_MAX_LENGTH)
    alone = embed(sess, ids, "per_text")
    # batched as the variant runs: length-sorted, then twice in random company
    batched = [embed(sess, ids, variant.mode)]
    for seed in (0, 1):
        batched.append(embed(sess, ids, variant.mode, order=list(np.random.default_rng(seed).permutation(len(ids)))))
    deviation = max(float((1.0 - (alone * b).sum(axis=1)).max()) for b in batched)
    vectors = batched[0]  # what the variant's runtime would return
    to_ref = (vectors * reference).sum(axis=1)
    to_shipped = (vectors * shipped).sum(axis=1)
    return {
        "size_mb": path.stat().st_size / 1e6,
        "cos_ref_min": float(to_ref.min()),
        "cos_ref_mean": float(to_ref.mean()),
        "cos_shipped_min": float(to_shipped.min()),
        "cos_shipped_mean": float(to_shipped.mean()),
        "batch_deviation": deviation,
        "worst_text": texts[int(np.argmin(to_ref))][:60],
    }


# --- speed (fresh process per variant and round) -------------------------------------------------


def speed(name: str, turns: list[str]) -> dict[str, Any]:
    variant = VARIANTS[name]
    path = model_path(variant.model)
    ids = token_ids(turns, SPEED_MAX_LENGTH)
    one_thread = session(path, 1)
    for row in ids[:10]:  # warm-up: first runs allocate
        _run_rows(one_thread, [row])
    walls = []
    cpu = time.process_time()
    for row in ids:
        start = time.perf_counter()
        _run_rows(one_thread, [row])
        walls.append((time.perf_counter() - start) * 1000)
    result: dict[str, Any] = {
        "b1_p50_ms": float(np.percentile(walls, 50)),
        "b1_p95_ms": float(np.percentile(walls, 95)),
        "b1_cpu_ms": (time.process_time() - cpu) * 1000 / len(ids),
    }
    # batch 64, one thread; then two: intra-op threads for batched modes, two texts at once per text
    two_threads = session(path, 2) if variant.mode != "per_text" else one_thread
    for label, sess, workers in (("t1", one_thread, 1), ("t2", two_threads, 2 if variant.mode == "per_text" else 1)):
        embed(sess, ids[:BATCH], variant.mode, workers=workers)  # warm-up
        cpu, start = time.process_time(), time.perf_counter()
        embed(sess, ids, variant.mode, workers=workers)
        wall = time.perf_counter() - start
        result[f"b64_{label}_turns_s"] = len(ids) / wall
        result[f"b64_{label}_cpu_ms"] = (time.process_time() - cpu) * 1000 / len(ids)
    return result


def run_speed_worker(name: str, n_turns: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--speed-worker", name, "--turns", str(n_turns)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# --- report --------------------------------------------------------------------------------------


def render(fid: dict[str, dict[str, Any]], spd: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        f"# Encoder variants ({meta['date']})",
        "",
        f"Command: `.venv/bin/python benchmarks/encoder_variants.py --rounds {meta['rounds']}`. "
        f"Machine: {meta['machine']}, {meta['cpus']} CPUs shared with other jobs (load average 1/5/15 min "
        f"{meta['load_before']} before, {meta['load_after']} after). onnxruntime {meta['ort']}, CPU execution "
        "provider, graph optimisation level ALL.",
        "",
        f"Fidelity: {meta['n_verification']} verification sentences of `training/build_encoder.py` at "
        f"{QUALITY_MAX_LENGTH} tokens, each variant run as its mode runs (per text, or batches of {BATCH}). "
        "'to fp32': cosine to sentence-transformers fp32; 'to shipped': cosine to the shipped model's vectors "
        "(each text alone), which the model heads are trained on; 'batch dev.': the largest cosine distance "
        "between a text's vector in a batch (length-sorted, and twice in random company) and its vector alone.",
        "",
        f"Speed: {meta['n_turns']} realistic turns (TweetSumm + ESConv, {meta['tokens_mean']:.0f} tokens on "
        f"average) at {SPEED_MAX_LENGTH} tokens; median of {meta['rounds']} rounds, each variant and round in a "
        "fresh process, rounds interleaved. 'CPU ms/turn' is process CPU time (all threads) divided by turns: "
        "the robust figure on a shared machine. 'b1': one turn per session call; 'b64': all turns in calls of "
        f"{BATCH} (per-text rows: one turn per call). '2 thr.': batched rows use 2 onnxruntime intra-op "
        "threads; per-text rows run two turns at once, each call on its own single onnxruntime thread.",
        "",
        "| variant | MB | to fp32 min | to fp32 mean | to shipped min | to shipped mean | batch dev. | "
        "b1 p50 ms | b1 p95 ms | b1 CPU ms/turn | b64 CPU ms/turn | b64 turns/s | b64 2 thr. CPU ms/turn | "
        "b64 2 thr. turns/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in fid:
        f, s = fid[name], spd[name]
        lines.append(
            f"| {name} | {f['size_mb']:.1f} | {f['cos_ref_min']:.4f} | {f['cos_ref_mean']:.4f} | "
            f"{f['cos_shipped_min']:.4f} | {f['cos_shipped_mean']:.4f} | {f['batch_deviation']:.1e} | "
            f"{s['b1_p50_ms']:.2f} | {s['b1_p95_ms']:.2f} | {s['b1_cpu_ms']:.2f} | {s['b64_t1_cpu_ms']:.2f} | "
            f"{s['b64_t1_turns_s']:.0f} | {s['b64_t2_cpu_ms']:.2f} | {s['b64_t2_turns_s']:.0f} |"
        )
    if meta["autogroup"]:
        lines += [
            "",
            "The kernel shares CPU time between sessions here (`sched_autogroup_enabled` = 1), so while other "
            "jobs run a second thread adds little wall-clock throughput: the '2 thr.' turns/s show what this "
            "shared machine gave, not what two free cores give.",
        ]
    lines += [
        "",
        "Per-round CPU ms/turn at b64, one thread (spread between rounds):",
        "",
        *(f"- {name}: {', '.join(f'{x:.2f}' for x in spd[name]['rounds_b64_t1_cpu_ms'])}" for name in spd),
        "",
        "Worst sentence against fp32 per variant:",
        "",
        *(f"- {name}: {fid[name]['worst_text']!r}" for name in fid),
        "",
        f"Calibration for the static variants: {meta['n_calibration']} realistic turns not among the verification "
        "sentences (TweetSumm, ESConv validation), each run alone and unpadded; weights int8 per channel; only "
        "the 36 weight MatMuls are quantised (the attention-score MatMuls, Softmax and LayerNorm stay fp32, as "
        "in the shipped model); `CalibStridedMinMax=1` feeds one text per calibration step.",
        "",
    ]
    return "\n".join(lines)


def _autogroup() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="speed rounds per variant; medians reported")
    parser.add_argument("--turns", type=int, default=encoder_speed.N_TURNS, help="realistic turns for speed")
    parser.add_argument("--only", action="append", help="run only these variants (repeatable)")
    parser.add_argument("--speed-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    turns = encoder_speed.realistic_turns(args.turns)
    if args.speed_worker:
        print(json.dumps(speed(args.speed_worker, turns)))
        return 0

    names = args.only or list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    ensure_models(names)
    import onnxruntime

    load_before = encoder_speed.load_average()
    texts = build_encoder.verification_sentences()
    reference = reference_vectors(texts)
    shipped = embed(session(SHIPPED, 1), token_ids(texts, QUALITY_MAX_LENGTH), "per_text")
    fid: dict[str, dict[str, Any]] = {}
    for name in names:
        fid[name] = fidelity(name, texts, reference, shipped)
        print(f"fidelity {name}: {fid[name]}", file=sys.stderr)

    rounds: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for round_no in range(args.rounds):
        for name in names:
            r = run_speed_worker(name, args.turns)
            rounds[name].append(r)
            shown = {k: round(v, 2) for k, v in r.items()}
            print(f"round {round_no + 1} [{encoder_speed.load_average()}] {name}: {shown}", file=sys.stderr)
    spd: dict[str, dict[str, Any]] = {}
    for name, rs in rounds.items():
        spd[name] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        spd[name]["rounds_b64_t1_cpu_ms"] = [r["b64_t1_cpu_ms"] for r in rs]

    lengths = [len(r) for r in token_ids(turns, SPEED_MAX_LENGTH)]
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "rounds": args.rounds,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "cpus": os.cpu_count(),
        "ort": onnxruntime.__version__,
        "load_before": load_before,
        "load_after": encoder_speed.load_average(),
        "n_verification": len(texts),
        "n_turns": len(turns),
        "tokens_mean": float(np.mean(lengths)),
        "n_calibration": len(calibration_sentences()),
        "autogroup": _autogroup(),
    }
    table = render(fid, spd, meta)
    if args.only is None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
