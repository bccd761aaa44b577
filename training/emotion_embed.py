"""Embeddings of the emotion training texts with the shipped int8 ONNX encoder (through training/embed_cache.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from embed_cache import embed


def embed_unique(texts: Sequence[str], cache_name: str) -> tuple[np.ndarray, dict[str, int]]:
    """Embed each distinct text once; returns (vectors, row of each distinct text)."""
    unique = sorted(set(texts))
    return embed(unique, cache_name), {t: i for i, t in enumerate(unique)}


def embed_rows(texts: Sequence[str], cache_name: str) -> np.ndarray:
    """One embedding row per text, in order (duplicates share one encoding)."""
    vectors, index = embed_unique(texts, cache_name)
    return vectors[[index[t] for t in texts]]
