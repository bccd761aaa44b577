"""Embeddings for training scripts, computed once with the shipped encoder and cached under training/cache/.

Usage from another training script (run from the repository root)::

    from embed_cache import embed          # training/ is on sys.path when running training/x.py
    X = embed(texts, "goemotions-train")   # float32 (n, 384), L2-normalised rows

The cache file is ``training/cache/<cache_name>-<sha1>.npy``, where the sha1 covers the texts (in order)
and the encoder model's sha256, so changing either the texts or the encoder misses the cache.
Every head is trained on exactly what the runtime will feed it: ``warmline.encoders.get_encoder()``
with its default settings.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from warmline.encoders import get_encoder

CACHE_DIR = Path(__file__).resolve().parent / "cache"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# bumped when the runtime computes embeddings differently for the same model file (v2: one text per run)
_RUNTIME_VERSION = "2"


def cache_key(texts: Sequence[str]) -> str:
    """sha1 of the texts (length-prefixed, so ["ab"] and ["a", "b"] differ) and the encoder's identity."""
    enc = get_encoder()
    h = hashlib.sha1()
    h.update(f"{enc.name}\0{enc.model_sha256}\0{enc.max_length}\0{_RUNTIME_VERSION}\0".encode())
    for t in texts:
        data = t.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def cache_path(texts: Sequence[str], cache_name: str) -> Path:
    return CACHE_DIR / f"{_SAFE_NAME.sub('_', cache_name)}-{cache_key(texts)}.npy"


def embed(texts: Sequence[str], cache_name: str, *, batch_size: int = 64, verbose: bool = True) -> np.ndarray:
    """Encode ``texts`` with the shared encoder, reading from / writing to the cache.

    Returns a float32 array of shape ``(len(texts), dim)`` in the order of ``texts``.
    """
    texts = list(texts)
    path = cache_path(texts, cache_name)
    if path.exists():
        cached = np.load(path)
        if cached.shape == (len(texts), get_encoder().dim):
            return np.asarray(cached, dtype=np.float32)
    enc = get_encoder()
    if verbose:
        print(f"embed_cache: encoding {len(texts)} texts for {cache_name!r} -> {path.name}", file=sys.stderr)
    chunks: list[np.ndarray] = []
    step = 2048  # progress lines on big sets; the encoder batches within each chunk
    for start in range(0, len(texts), step):
        chunks.append(enc.encode(texts[start : start + step], batch_size=batch_size))
        if verbose and len(texts) > step:
            print(f"embed_cache: {min(start + step, len(texts))}/{len(texts)}", file=sys.stderr)
    vectors = np.concatenate(chunks) if chunks else np.zeros((0, enc.dim), dtype=np.float32)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # write then rename, so a concurrent or interrupted run never leaves a half-written cache file
    fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".npy.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, vectors)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return vectors


if __name__ == "__main__":
    demo = ["My bill is wrong again.", "I'm so sorry about that, let me fix it."]
    print(embed(demo, "demo").shape)
