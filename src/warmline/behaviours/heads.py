"""Data-trained heads that score an agent turn's empathic behaviours, sentence by sentence, in context.

Each behaviour is a linear model with two parts, stacked: a logistic regression on the shared sentence
embedding of the agent turn and of the customer turn before it (``[agent, context, agent * context,
cosine]``), and one on hashed word n-grams of the agent text (TF-IDF); a context-free twin scores turns
with no customer turn before them. The stacking weights are fitted on out-of-fold scores, so a head's
output is a calibrated probability; the decision threshold chosen on the dev splits ships beside it. A
turn is scored as a whole and sentence by sentence (same context); the best sentence is the evidence
span. Training: ``training/train_behaviour_heads.py``; model card: ``docs/models/behaviour_heads.md``.

The heads read what the agent *does* in a turn (acknowledges, paraphrases, asks), never how the agent
feels.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from warmline.checksums import file_sha256
from warmline.errors import ModelError

if TYPE_CHECKING:
    from warmline.encoders import SentenceEncoder

FloatArray = npt.NDArray[np.float32]

#: The behaviours the shipped heads score, in the order of the weight rows.
BEHAVIOURS: tuple[str, ...] = (
    "acknowledge_emotion",
    "paraphrase",
    "open_question",
    "reassurance",
    "self_disclosure",
    "suggestion",
    "information",
)

#: The shipped weights; the manifest (``behaviour_heads.json``) sits beside them.
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "models" / "behaviour_heads.npz"

#: A turn is scored in at most this many pieces: longer turns have neighbouring sentences grouped,
#: which bounds the encoder's work on a long e-mail or monologue.
MAX_SENTENCES = 8

#: Hash buckets of the lexical features (word unigrams and bigrams of the agent text).
LEXICAL_BUCKETS = 1 << 16

#: How the turn probability is made from the whole-turn and per-sentence probabilities.
AGGREGATIONS = ("whole", "sentences", "max", "mean")

REBUILD_HINT = "reinstall warmline, or rebuild the heads with `.venv/bin/python training/train_behaviour_heads.py`"


@dataclass(frozen=True, slots=True)
class HeadResult:
    """One behaviour's score for one agent turn.

    ``probability`` is calibrated; the behaviour counts as shown when it reaches ``threshold``.
    ``span`` is the character span ``(start, end)`` of the agent text that scored highest (the
    evidence); ``(0, 0)`` for an empty turn.
    """

    behaviour: str
    probability: float
    threshold: float
    span: tuple[int, int]

    @property
    def detected(self) -> bool:
        return self.probability >= self.threshold


# --- sentences ---------------------------------------------------------------------------------

# A sentence ends at terminal punctuation (with any closing quotes or brackets) before whitespace or
# the end of the text, or at a line break.
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u2019\u201d)\]]*(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "approx", "no", "dept", "acct"}
)
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)\.$")
_HAS_WORD = re.compile(r"\w")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentences: ``(start, end)`` character spans, whitespace trimmed, in order.

    Rule-based and deliberately simple (terminal punctuation or a line break ends a sentence; common
    abbreviations and initials do not), so that it is fast and predictable on chat and transcript
    text. Pieces without a letter or digit (an emoji, "...") join the sentence before them. More
    than ``MAX_SENTENCES`` sentences are grouped into that many runs of neighbours.

    Examples
    --------
    >>> text = "I'm sorry. What happened next?"
    >>> [text[s:e] for s, e in split_sentences(text)]
    ["I'm sorry.", 'What happened next?']
    """
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group() == "." and _is_abbreviation(text[start:end]):
            continue
        pieces.append((start, end))
        start = end
    if start < len(text):
        pieces.append((start, len(text)))

    spans: list[tuple[int, int]] = []
    pending_start: int | None = None  # a wordless piece at the start joins the next sentence
    for s, e in pieces:
        s, e = _trim(text, s, e)
        if s >= e:
            continue
        if not _HAS_WORD.search(text, s, e):
            if spans:
                spans[-1] = (spans[-1][0], e)
            elif pending_start is None:
                pending_start = s
            continue
        if pending_start is not None:
            s, pending_start = pending_start, None
        spans.append((s, e))
    if not spans and pending_start is not None:
        spans.append(_trim(text, pending_start, len(text)))
    return _group(spans, MAX_SENTENCES)


def _is_abbreviation(piece: str) -> bool:
    found = _WORD_BEFORE.search(piece)
    if found is None:
        return False
    word = found.group(1).lower()
    # single letters are initials ("J. Smith", "U.S."), and so are dotted runs of them
    return word in _ABBREVIATIONS or len(word.replace(".", "")) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _group(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    if len(spans) <= limit:
        return spans
    edges = np.linspace(0, len(spans), limit + 1).round().astype(int)
    return [(spans[a][0], spans[b - 1][1]) for a, b in itertools.pairwise(edges) if b > a]


# --- features ----------------------------------------------------------------------------------


def pair_features(agent: FloatArray, context: FloatArray) -> FloatArray:
    """Features of (agent text, customer turn before it): ``[a, c, a * c, cos(a, c)]``.

    Both inputs are L2-normalised embedding rows of the same shape ``(n, dim)``; the result is
    ``(n, 3 * dim + 1)``. The elementwise product and the cosine are what let a head see that an
    agent sentence restates what the customer said, which no view of the agent text alone can.
    """
    product = agent * context
    cosine = product.sum(axis=1, keepdims=True)
    return np.concatenate([agent, context, product, cosine], axis=1).astype(np.float32, copy=False)


_TOKEN = re.compile(r"[a-z0-9']+")


def lexical_counts(text: str) -> dict[int, int]:
    """Hashed counts of the lowercase word unigrams and bigrams of a text: ``{bucket: count}``.

    CRC-32 of the UTF-8 n-gram, modulo ``LEXICAL_BUCKETS``: stable across processes and platforms
    (unlike ``hash()``), so training and run time agree.
    """
    words = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    counts: dict[int, int] = {}
    for gram in itertools.chain(words, (f"{a} {b}" for a, b in itertools.pairwise(words))):
        bucket = zlib.crc32(gram.encode("utf-8")) & (LEXICAL_BUCKETS - 1)
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def lexical_vector(text: str, idf: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The sparse TF-IDF vector of a text (sublinear tf, L2-normalised): bucket indices and values."""
    counts = lexical_counts(text)
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
    values = tf * idf[index]
    norm = float(np.linalg.norm(values))
    return index, (values / norm if norm > 0 else values).astype(np.float32, copy=False)


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0))), dtype=np.float32)


# --- the heads ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Loaded:
    behaviours: tuple[str, ...]
    context_weight: FloatArray  # (B, 3 * dim + 1)
    context_bias: FloatArray  # (B,)
    plain_weight: FloatArray  # (B, dim)
    plain_bias: FloatArray  # (B,)
    context_threshold: FloatArray  # (B,)
    plain_threshold: FloatArray  # (B,)
    aggregation: tuple[str, ...]  # one of AGGREGATIONS per behaviour
    lexical_weight: FloatArray  # (B, LEXICAL_BUCKETS)
    lexical_idf: FloatArray  # (LEXICAL_BUCKETS,)
    lexical_scale_context: FloatArray  # (B,): the lexical logit's weight in the context heads
    lexical_scale_plain: FloatArray  # (B,): ... and in the context-free heads
    encoder_name: str
    dim: int


class BehaviourHeads:
    """Scores agent turns for the data-trained empathic behaviours, with an evidence span each.

    The constructor only stores ``model_path``; the weights load (and are checked against the
    sha256 in ``behaviour_heads.json``) on first use. Sentence embeddings come from the shared
    encoder (``warmline.encoders.get_encoder``), all texts of a call in one batch.

    Parameters
    ----------
    model_path
        The ``.npz`` weights, with their ``.json`` manifest beside them; the shipped heads by default.

    Examples
    --------
    >>> heads = get_heads()
    >>> [scores] = heads.predict(["So you were billed twice this month?"], ["I got charged twice!"])
    >>> {r.behaviour for r in scores} == set(heads.behaviours)
    True
    """

    def __init__(self, *, model_path: Path | None = None) -> None:
        self.model_path = model_path
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None

    @property
    def behaviours(self) -> tuple[str, ...]:
        return self._load().behaviours

    @property
    def manifest_path(self) -> Path:
        return self._path().with_suffix(".json")

    def _path(self) -> Path:
        return Path(self.model_path) if self.model_path is not None else DEFAULT_MODEL_PATH

    # --- loading ----------------------------------------------------------------------------

    def _load(self) -> _Loaded:
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._lock:
            if self._loaded is None:
                self._loaded = self._read()
            return self._loaded

    def _read(self) -> _Loaded:
        path, manifest_path = self._path(), self.manifest_path
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"behaviour heads manifest is missing; {REBUILD_HINT}", path=manifest_path) from None
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"behaviour heads manifest cannot be read ({exc}); {REBUILD_HINT}", path=manifest_path
            ) from None
        if not path.is_file():
            raise ModelError(f"behaviour heads weights are missing; {REBUILD_HINT}", path=path)
        expected = manifest.get("sha256") if isinstance(manifest, dict) else None
        actual = file_sha256(path)
        if actual != expected:
            raise ModelError(
                f"behaviour heads weights are corrupt: sha256 {actual[:12]}… does not match the manifest's "
                f"{str(expected)[:12]}…; {REBUILD_HINT}",
                path=path,
            )
        try:
            return self._parse(manifest, np.load(path, allow_pickle=False))
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelError(f"behaviour heads files do not fit together ({exc}); {REBUILD_HINT}", path=path) from None

    @staticmethod
    def _parse(manifest: dict[str, Any], arrays: Any) -> _Loaded:
        behaviours = tuple(str(b) for b in manifest["behaviours"])
        dim = int(manifest["dim"])
        n = len(behaviours)
        context_weight = np.asarray(arrays["context_weight"], dtype=np.float32)
        plain_weight = np.asarray(arrays["plain_weight"], dtype=np.float32)
        context_bias = np.asarray(arrays["context_bias"], dtype=np.float32)
        plain_bias = np.asarray(arrays["plain_bias"], dtype=np.float32)
        if context_weight.shape != (n, 3 * dim + 1) or plain_weight.shape != (n, dim):
            raise ValueError(f"weights {context_weight.shape}/{plain_weight.shape} for {n} behaviours of dim {dim}")
        if context_bias.shape != (n,) or plain_bias.shape != (n,):
            raise ValueError("one bias per behaviour expected")
        lexical_weight = np.asarray(arrays["lexical_weight"], dtype=np.float32)
        lexical_idf = np.asarray(arrays["lexical_idf"], dtype=np.float32)
        scales = {k: np.asarray(arrays[f"lexical_scale_{k}"], dtype=np.float32) for k in ("context", "plain")}
        if lexical_weight.shape != (n, LEXICAL_BUCKETS) or lexical_idf.shape != (LEXICAL_BUCKETS,):
            raise ValueError(f"lexical weights {lexical_weight.shape} for {n} behaviours and {LEXICAL_BUCKETS} buckets")
        if any(v.shape != (n,) for v in scales.values()):
            raise ValueError("one lexical scale per behaviour expected")
        thresholds = manifest["thresholds"]
        aggregation = tuple(str(manifest["aggregation"][b]) for b in behaviours)
        unknown = set(aggregation) - set(AGGREGATIONS)
        if unknown:
            raise ValueError(f"unknown aggregation {sorted(unknown)}")
        return _Loaded(
            behaviours=behaviours,
            context_weight=context_weight,
            context_bias=context_bias,
            plain_weight=plain_weight,
            plain_bias=plain_bias,
            context_threshold=np.array([thresholds[b]["context"] for b in behaviours], dtype=np.float32),
            plain_threshold=np.array([thresholds[b]["plain"] for b in behaviours], dtype=np.float32),
            aggregation=aggregation,
            lexical_weight=lexical_weight,
            lexical_idf=lexical_idf,
            lexical_scale_context=scales["context"],
            lexical_scale_plain=scales["plain"],
            encoder_name=str(manifest["encoder"]),
            dim=dim,
        )

    def load(self) -> BehaviourHeads:
        """Load (and verify) the weights now rather than on first use; returns self."""
        self._load()
        return self

    # --- scoring ----------------------------------------------------------------------------

    def predict(
        self,
        agent_texts: Sequence[str],
        contexts: Sequence[str | None],
        *,
        agent_embeddings: FloatArray | None = None,
        context_embeddings: FloatArray | None = None,
        score_sentences: bool = True,
    ) -> list[list[HeadResult]]:
        """Score each agent turn for every behaviour, in the order of ``behaviours``.

        Parameters
        ----------
        agent_texts
            The agent turns.
        contexts
            For each agent turn, the customer turn before it, or ``None`` where there is none (the
            context-free heads score it then).
        agent_embeddings, context_embeddings
            Whole-turn embeddings the caller already has (``(n, dim)``, L2-normalised), so that
            they are not computed twice; rows for ``None`` contexts are ignored.
        score_sentences
            Encode and score each sentence of a multi-sentence turn (the default). ``False`` is the
            lean mode for live use: no sentence is encoded, every head scores the whole turn, and the
            evidence span is the sentence whose own words (the n-gram part) score highest.

        Returns
        -------
        list of list of HeadResult
            One list per agent turn, one result per behaviour.
        """
        if isinstance(agent_texts, str) or isinstance(contexts, str):
            raise TypeError("predict() takes sequences of texts, not one string; wrap it in a list")
        n = len(agent_texts)
        if len(contexts) != n:
            raise ValueError(f"{n} agent texts but {len(contexts)} contexts")
        model = self._load()
        for name, given in (("agent_embeddings", agent_embeddings), ("context_embeddings", context_embeddings)):
            if given is not None and np.shape(given) != (n, model.dim):
                raise ValueError(f"{name} has shape {np.shape(given)}, expected {(n, model.dim)}")
        if n == 0:
            return []

        sentences = [split_sentences(t) for t in agent_texts]
        needs_whole = any(a != "sentences" for a in model.aggregation)
        has_context = [c is not None and c.strip() != "" for c in contexts]

        # Everything to encode goes in one batch: whole turns, sentences of multi-sentence turns, contexts.
        wanted: dict[str, int] = {}

        def want(text: str) -> int:
            return wanted.setdefault(text, len(wanted))

        whole_rows: list[int | None] = [None] * n
        sentence_rows: list[list[int]] = [[] for _ in range(n)]
        context_rows: list[int | None] = [None] * n
        for i, text in enumerate(agent_texts):
            spans = sentences[i]
            if not spans:
                continue
            if len(spans) > 1 and score_sentences:
                sentence_rows[i] = [want(text[s:e]) for s, e in spans]
            if agent_embeddings is None and (needs_whole or len(spans) == 1 or not score_sentences):
                whole_rows[i] = want(text)
            if has_context[i] and context_embeddings is None:
                context_rows[i] = want(str(contexts[i]))
        encoded = self._encode(list(wanted), model)

        out: list[list[HeadResult]] = []
        for i in range(n):
            spans = sentences[i]
            if not spans:
                out.append(
                    [
                        HeadResult(b, 0.0, float(t), (0, 0))
                        for b, t in zip(model.behaviours, self._thresholds(model, has_context[i]), strict=True)
                    ]
                )
                continue
            if agent_embeddings is not None:
                whole = np.asarray(agent_embeddings[i], dtype=np.float32)
            else:
                row = whole_rows[i]
                whole = encoded[row] if row is not None else encoded[sentence_rows[i][0]]
            if len(spans) == 1:
                pieces = whole[None, :]
            elif score_sentences:
                pieces = encoded[sentence_rows[i]]
            else:  # lean mode: sentences differ only in their n-gram part
                pieces = np.broadcast_to(whole, (len(spans), whole.shape[0]))
            rows = np.vstack([whole[None, :], pieces])  # row 0: the whole turn, then each sentence
            texts = [agent_texts[i]] + ([agent_texts[i][s:e] for s, e in spans] if len(spans) > 1 else [])
            lexical = self._lexical_logits(texts, model)
            if has_context[i]:
                row = context_rows[i]
                ctx = encoded[row] if row is not None else np.asarray(context_embeddings[i], dtype=np.float32)  # type: ignore[index]
                feats = pair_features(rows, np.broadcast_to(ctx, rows.shape))
                logits = feats @ model.context_weight.T + model.context_bias + lexical * model.lexical_scale_context
            else:
                logits = rows @ model.plain_weight.T + model.plain_bias + lexical * model.lexical_scale_plain
            probs = _sigmoid(logits)
            thresholds = self._thresholds(model, has_context[i])
            results: list[HeadResult] = []
            for b, behaviour in enumerate(model.behaviours):
                whole_p, sentence_p = probs[0, b], probs[1:, b]
                best = int(np.argmax(sentence_p))
                how = model.aggregation[b] if score_sentences else "whole"
                p = _aggregate(how, float(whole_p), float(sentence_p[best]))
                results.append(HeadResult(behaviour, p, float(thresholds[b]), spans[best]))
            out.append(results)
        return out

    @staticmethod
    def _lexical_logits(texts: Sequence[str], model: _Loaded) -> FloatArray:
        out = np.empty((len(texts), len(model.behaviours)), dtype=np.float32)
        for row, text in enumerate(texts):
            index, values = lexical_vector(text, model.lexical_idf)
            out[row] = model.lexical_weight[:, index] @ values
        return out

    @staticmethod
    def _thresholds(model: _Loaded, has_context: bool) -> FloatArray:
        return model.context_threshold if has_context else model.plain_threshold

    @staticmethod
    def _encode(texts: list[str], model: _Loaded) -> FloatArray:
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        encoder = _encoder()
        if encoder.name != model.encoder_name or encoder.dim != model.dim:
            raise ModelError(
                f"behaviour heads were trained on encoder {model.encoder_name!r} ({model.dim} dims) but the "
                f"installed encoder is {encoder.name!r} ({encoder.dim} dims); {REBUILD_HINT}"
            )
        return encoder.encode(texts)

    # --- pickling ---------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"model_path": self.model_path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"BehaviourHeads(model_path={self.model_path!r})"


def _aggregate(how: str, whole: float, best_sentence: float) -> float:
    if how == "whole":
        return whole
    if how == "sentences":
        return best_sentence
    if how == "max":
        return max(whole, best_sentence)
    return 0.5 * (whole + best_sentence)


def _encoder() -> SentenceEncoder:
    from warmline.encoders import get_encoder

    return get_encoder()


_SHARED: BehaviourHeads | None = None
_SHARED_LOCK = threading.Lock()


def get_heads() -> BehaviourHeads:
    """The process-wide shared heads (created once, thread-safe; the weights load on first use)."""
    global _SHARED
    if _SHARED is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = BehaviourHeads()
    return _SHARED
