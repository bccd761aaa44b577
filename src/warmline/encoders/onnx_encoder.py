"""The shared sentence encoder: all-MiniLM-L6-v2 quantised to int8 ONNX, run with onnxruntime on CPU."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from warmline.checksums import file_sha256
from warmline.errors import ModelError

#: Where the shipped encoder files live (the model, its tokenizer and the ``encoder.json`` manifest).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models"
MANIFEST_NAME = "encoder.json"
REBUILD_HINT = "reinstall warmline, or rebuild the encoder with `.venv/bin/python training/build_encoder.py`"

FloatArray = npt.NDArray[np.float32]


class SentenceEncoder:
    """Encodes texts into L2-normalised 384-dimensional sentence embeddings.

    The constructor only stores its arguments; the model loads on the first ``encode`` (after
    checking every file against the sha256 in the manifest). Instances pickle without the
    onnxruntime session, which is reloaded lazily on the other side (Spark workers).

    Parameters
    ----------
    model_dir
        Folder holding ``encoder.json`` and the files it names; the shipped model by default.
    max_length
        Tokens per text, after which a text is truncated (the model was trained on up to 256;
        128 covers nearly every contact-center turn and is faster on the rare long ones).
    threads
        onnxruntime intra-op threads per text; 1 by default. Two threads cost about 60% more CPU per
        turn than one, shave under 1 ms off one turn's latency when a core is free and add to it on a
        busy machine (``benchmarks/encoder_speed.py``); ``workers`` is the better use of a second core.
    workers
        How many texts of one ``encode`` call run at the same time, each through the model on its own
        (with ``threads`` onnxruntime threads): 2 by default (1 on a one-CPU machine). It changes no
        vector, only how many cores a large call can use: on two free cores, two workers encoded about
        530 turns/s against 250 for one, at the same CPU time per turn
        (``benchmarks/encoder_variants.py``). Raise it on a machine with more free cores.

    Examples
    --------
    >>> enc = get_encoder()
    >>> vectors = enc.encode(["My bill is wrong again.", "I'm sorry about that."])
    >>> vectors.shape
    (2, 384)
    """

    def __init__(
        self,
        *,
        model_dir: str | Path | None = None,
        max_length: int = 128,
        threads: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.model_dir = model_dir
        self.max_length = max_length
        self.threads = threads
        self.workers = workers
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._manifest: dict[str, Any] | None = None

    # --- identity ---------------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        """The parsed ``encoder.json`` (read, not verified; verification happens on load)."""
        if self._manifest is None:
            self._manifest = self._read_manifest()
        return self._manifest

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", "all-MiniLM-L6-v2-int8"))

    @property
    def dim(self) -> int:
        return int(self.manifest.get("dim", 384))

    @property
    def model_sha256(self) -> str:
        """The sha256 of the model file as the manifest records it (keys caches of embeddings)."""
        return str(self.manifest["files"]["model"]["sha256"])

    # --- loading ----------------------------------------------------------------------------

    def _dir(self) -> Path:
        return Path(self.model_dir) if self.model_dir is not None else DEFAULT_MODEL_DIR

    def _read_manifest(self) -> dict[str, Any]:
        path = self._dir() / MANIFEST_NAME
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"encoder manifest is missing; {REBUILD_HINT}", path=path) from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"encoder manifest cannot be read ({exc}); {REBUILD_HINT}", path=path) from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict) or not all(
            isinstance(files.get(k), dict) and "name" in files[k] and "sha256" in files[k]
            for k in ("model", "tokenizer")
        ):
            raise ModelError(f"encoder manifest lacks files.model / files.tokenizer; {REBUILD_HINT}", path=path)
        manifest: dict[str, Any] = data
        return manifest

    def _verified_path(self, key: str) -> Path:
        entry = self.manifest["files"][key]
        path = self._dir() / str(entry["name"])
        if not path.is_file():
            raise ModelError(f"encoder {key} file is missing; {REBUILD_HINT}", path=path)
        actual = file_sha256(path)
        if actual != entry["sha256"]:
            raise ModelError(
                f"encoder {key} file is corrupt: sha256 {actual[:12]}… does not match the manifest's "
                f"{str(entry['sha256'])[:12]}…; {REBUILD_HINT}",
                path=path,
            )
        return path

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model_path = self._verified_path("model")
            tokenizer_path = self._verified_path("tokenizer")
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
            tokenizer.enable_truncation(max_length=self.max_length)
            tokenizer.no_padding()  # padded per batch below, to the longest text in the batch
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads or 1
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            try:
                session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own untyped errors on bad files
                raise ModelError(f"encoder model cannot be loaded ({exc}); {REBUILD_HINT}", path=model_path) from None
            self._tokenizer = tokenizer
            self._session = session

    def load(self) -> SentenceEncoder:
        """Load (and verify) the model now rather than on the first ``encode``; returns self."""
        if self._session is None:
            self._load()
        return self

    # --- encoding ---------------------------------------------------------------------------

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> FloatArray:
        """Embed texts: one L2-normalised float32 row of length ``dim`` per text, in input order.

        A text's embedding does not depend on the other texts in the call: the int8 model quantises
        its activations with one scale per input tensor, so texts sharing a tensor would change each
        other's embeddings (cosine down to 0.946). Each text therefore runs on its own, unpadded, up to
        ``workers`` texts at a time; ``batch_size`` only bounds how many texts are tokenised at once.
        An empty string is allowed (it embeds the special tokens alone); an empty sequence gives shape
        ``(0, dim)``.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string; wrap it in a list")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 0:
            return out
        if self._session is None:
            self._load()
        step = max(1, batch_size)
        workers = min(self._workers(), len(texts))
        # a pool per call rather than one kept on the instance: nothing to break when a process forks
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="warmline-encoder") if workers > 1 else None
        try:
            for start in range(0, len(texts), step):
                ids = [e.ids for e in self._tokenizer.encode_batch(list(texts[start : start + step]))]
                if pool is None:
                    for offset, token_ids in enumerate(ids):
                        out[start + offset] = self._run_one(token_ids)
                else:  # onnxruntime releases the GIL while it runs, so texts really run side by side
                    out[start : start + len(ids)] = np.stack(list(pool.map(self._run_one, ids)))
        finally:
            if pool is not None:
                pool.shutdown()
        return out

    def _workers(self) -> int:
        if self.workers is not None:
            return max(1, self.workers)
        return min(2, os.cpu_count() or 1)

    def _run_one(self, token_ids: Sequence[int]) -> FloatArray:
        ids = np.asarray(token_ids, dtype=np.int64)[None, :]
        # no padding, so the attention mask is all ones and mean pooling is a plain mean
        (hidden,) = self._session.run(
            None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        )
        pooled = hidden[0].mean(axis=0)
        return np.asarray(pooled / max(float(np.linalg.norm(pooled)), 1e-12), dtype=np.float32)

    # --- pickling ---------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {
            "model_dir": self.model_dir,
            "max_length": self.max_length,
            "threads": self.threads,
            "workers": self.workers,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.model_dir = state["model_dir"]
        self.max_length = state["max_length"]
        self.threads = state["threads"]
        self.workers = state.get("workers")
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None
        self._manifest = None

    def __repr__(self) -> str:
        return (
            f"SentenceEncoder(model_dir={self.model_dir!r}, max_length={self.max_length}, threads={self.threads}, "
            f"workers={self.workers})"
        )


_SHARED: SentenceEncoder | None = None
_SHARED_LOCK = threading.Lock()


def get_encoder() -> SentenceEncoder:
    """The process-wide shared encoder (created once, thread-safe; the model loads on first use)."""
    global _SHARED
    if _SHARED is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = SentenceEncoder()
    return _SHARED
