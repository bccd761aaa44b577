"""Train, calibrate and evaluate warmline's agent-behaviour heads; write the shipped weights and the results.

One command, from the repository root::

    .venv/bin/python training/train_behaviour_heads.py

It reads EPITOME and ESConv from /work/shared/data (train splits to fit, dev splits to choose the
turn aggregation and the thresholds, and to report), embeds every text with the shipped int8 ONNX
encoder (cached under training/cache/), fits one logistic regression per behaviour with and without
the customer context, calibrates it (Platt, on out-of-fold scores of the train split), and writes

- src/warmline/data/models/behaviour_heads.npz and behaviour_heads.json (the shipped heads),
- training/results/behaviour_heads.json (every figure in docs/models/behaviour_heads.md),

then prints a markdown table of the dev figures beside the baselines (majority class, TF-IDF +
logistic regression, and the EPITOME paper's published figures where they could be sourced).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from behaviour_data import (  # noqa: E402
    EPITOME_FILES,
    Example,
    is_open_question,
    load_epitome,
    load_esconv,
    load_esconv_failed,
    load_handwritten,
    sentence_labels,
)
from embed_cache import embed  # noqa: E402

from warmline.behaviours.heads import (  # noqa: E402
    BEHAVIOURS,
    LEXICAL_BUCKETS,
    BehaviourHeads,
    lexical_counts,
    lexical_vector,
    pair_features,
    split_sentences,
)
from warmline.encoders import get_encoder  # noqa: E402

MODEL_DIR = ROOT / "src" / "warmline" / "data" / "models"
# Hand-written customer-service turns with gold behaviour labels (owned by the agent-behaviour analyser's
# card, docs/models/agent_behaviours.md): read here only to report how the heads transfer to service talk.
CS_DEV = ROOT / "training" / "data" / "agent_behaviours_dev.jsonl"
RESULTS = ROOT / "training" / "results" / "behaviour_heads.json"
COMMAND = ".venv/bin/python training/train_behaviour_heads.py"
SEED = 13
CS = (0.0003, 0.001, 0.003, 0.01)
CONTEXT_SCALES = (0.03, 0.1, 0.3, 1.0)
LEXICAL_CS = (1.0, 4.0)
FOLDS = 3
DIM = 384

# The EPITOME paper's own identification figures (Sharma et al., EMNLP 2020) are quoted here only
# once a source for them has been read; see docs/models/behaviour_heads.md.
EPITOME_PUBLISHED: dict[str, dict[str, float]] = {}


# --- embeddings --------------------------------------------------------------------------------


class Vectors:
    """Text -> embedding lookup over several cached batches."""

    def __init__(self) -> None:
        self._index: dict[str, tuple[int, int]] = {}
        self._blocks: list[np.ndarray] = []

    def add(self, texts: Sequence[str], cache_name: str) -> None:
        unique = sorted({t for t in texts if t not in self._index})
        if not unique:
            return
        block = embed(unique, cache_name)
        b = len(self._blocks)
        self._blocks.append(block)
        for i, t in enumerate(unique):
            self._index[t] = (b, i)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), 384), dtype=np.float32)
        for row, t in enumerate(texts):
            b, i = self._index[t]
            out[row] = self._blocks[b][i]
        return out


def sentence_texts(examples: Sequence[Example]) -> list[str]:
    out = []
    for ex in examples:
        spans = split_sentences(ex.text)
        if len(spans) > 1:
            out.extend(ex.text[s:e] for s, e in spans)
    return out


def build_vectors(sets: dict[str, list[Example]]) -> Vectors:
    vectors = Vectors()
    for name, examples in sets.items():
        turns = [ex.text for ex in examples] + [ex.context for ex in examples if ex.context]
        vectors.add(turns, f"behaviour-{name}-turns")
        vectors.add(sentence_texts(examples), f"behaviour-{name}-sentences")
    return vectors


# --- rows --------------------------------------------------------------------------------------


@dataclass
class Rows:
    """Training or scoring rows for one behaviour: agent vectors, context vectors (or none), labels."""

    agent: np.ndarray  # (n, d)
    context: np.ndarray  # (n, d), zeros where there is none
    has_context: np.ndarray  # (n,) bool
    y: np.ndarray  # (n,) int
    weight: np.ndarray  # (n,) float
    group: np.ndarray  # (n,) str
    is_turn: np.ndarray  # (n,) bool: a whole turn (not a sentence of one)
    texts: list[str]  # the agent text of each row (for the lexical part)


def training_rows(examples: Sequence[Example], behaviour: str, vec: Vectors, sentence_weight: float) -> Rows:
    agent_texts: list[str] = []
    contexts: list[str | None] = []
    y: list[int] = []
    w: list[float] = []
    groups: list[str] = []
    is_turn: list[bool] = []
    for ex in examples:
        if behaviour not in ex.labels:
            continue
        agent_texts.append(ex.text)
        contexts.append(ex.context)
        y.append(ex.labels[behaviour])
        w.append(ex.weight)
        groups.append(ex.group)
        is_turn.append(True)
        labelled = sentence_labels(ex, behaviour) if sentence_weight > 0 else None
        if labelled and len(labelled) > 1:
            for (s, e), label in labelled:
                agent_texts.append(ex.text[s:e])
                contexts.append(ex.context)
                y.append(label)
                w.append(sentence_weight)
                groups.append(ex.group)
                is_turn.append(False)
    return make_rows(agent_texts, contexts, y, w, groups, is_turn, vec)


def make_rows(
    agent_texts: Sequence[str],
    contexts: Sequence[str | None],
    y: Sequence[int],
    w: Sequence[float],
    groups: Sequence[str],
    is_turn: Sequence[bool],
    vec: Vectors,
) -> Rows:
    agent = vec(agent_texts)
    has = np.array([c is not None for c in contexts], dtype=bool)
    context = np.zeros_like(agent)
    if has.any():
        context[has] = vec([c for c in contexts if c is not None])
    return Rows(
        agent,
        context,
        has,
        np.asarray(y, dtype=int),
        np.asarray(w, dtype=float),
        np.asarray(groups),
        np.asarray(is_turn),
        list(agent_texts),
    )


def features(rows: Rows, mask: np.ndarray, use_context: bool) -> np.ndarray:
    if use_context:
        return pair_features(rows.agent[mask], rows.context[mask])
    return rows.agent[mask]


# --- fitting -----------------------------------------------------------------------------------


@dataclass
class Linear:
    """A calibrated linear head in raw-feature space: p = sigmoid(x @ w + b + lex_scale * (lexical @ lex_w)).

    Without a lexical part (``lex_w`` None) it is the embedding-only head, Platt-calibrated.
    """

    w: np.ndarray
    b: float
    c: float  # the regularisation chosen
    scale: float  # the context block's scale chosen (1.0 for the context-free head)
    platt: tuple[float, float]
    oof_logit: np.ndarray  # calibrated out-of-fold logits on the rows it was fitted to
    w_raw: np.ndarray  # before calibration
    b_raw: float
    oof_raw: np.ndarray
    lex_w: np.ndarray | None = None
    lex_scale: float = 0.0
    stack: tuple[float, float, float] | None = None  # embedding weight, lexical weight, bias

    def logit(self, x: np.ndarray, lexical: Any = None) -> np.ndarray:
        out = np.asarray(x @ self.w + self.b, dtype=np.float64)
        if self.lex_w is not None and self.lex_scale:
            out = out + self.lex_scale * np.asarray(lexical @ self.lex_w).ravel()
        return out


def _fit_standardised(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float, scale: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Weighted, class-balanced L2 logistic regression on standardised features, returned in raw-feature space.

    ``scale`` multiplies standardised columns before fitting: a column scaled by s has its weight
    penalised 1/s^2 as hard, which is how the context block is regularised more than the agent block.
    """
    from sklearn.linear_model import LogisticRegression

    mu = x.mean(axis=0)
    sd = x.std(axis=0) + 1e-6
    if scale is not None:
        sd = sd / scale
    # balance the classes by weight, so that C means the same for rare and common behaviours
    pos = (w * (y == 1)).sum()
    neg = (w * (y == 0)).sum()
    sw = w * np.where(y == 1, 0.5 * (pos + neg) / max(pos, 1e-9), 0.5 * (pos + neg) / max(neg, 1e-9))
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-5)
    model.fit((x - mu) / sd, y, sample_weight=sw)
    coef = model.coef_[0] / sd
    bias = float(model.intercept_[0] - (model.coef_[0] * mu / sd).sum())
    return coef.astype(np.float64), bias


def _average_precision(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, score)) if 0 < y.sum() < len(y) else float("nan")


def fit_head(
    x: np.ndarray,
    rows: Rows,
    mask: np.ndarray,
    log: Callable[[str], None],
    *,
    cs: Sequence[float],
    context_scales: Sequence[float] = (1.0,),
    agent_dims: int | None = None,
) -> Linear:
    """Choose C (and the context block's scale) by grouped cross-validation, then Platt-calibrate.

    The criterion is out-of-fold average precision on whole turns. Columns from ``agent_dims`` on
    (the context block) are scaled by each of ``context_scales`` in turn.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    y, w, groups, is_turn = rows.y[mask], rows.weight[mask], rows.group[mask], rows.is_turn[mask]
    folds = list(GroupKFold(n_splits=FOLDS).split(x, y, groups))
    best: tuple[float, float, float, np.ndarray] | None = None
    for c in cs:
        for s in context_scales:
            scale = None
            if agent_dims is not None:
                scale = np.ones(x.shape[1])
                scale[agent_dims:] = s
            oof = np.zeros(len(y))
            for tr, te in folds:
                coef, bias = _fit_standardised(x[tr], y[tr], w[tr], c, scale)
                oof[te] = x[te] @ coef + bias
            ap = _average_precision(y[is_turn], oof[is_turn])
            log(f"    C={c:g} context scale={s:g}: out-of-fold average precision {ap:.4f}")
            if best is None or ap > best[0]:
                best = (ap, c, s, oof)
    assert best is not None
    _, c, s, oof = best
    platt = LogisticRegression(C=1e4, max_iter=1000)
    platt.fit(oof[:, None], y)
    a, b0 = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    scale = None
    if agent_dims is not None:
        scale = np.ones(x.shape[1])
        scale[agent_dims:] = s
    coef, bias = _fit_standardised(x, y, w, c, scale)
    return Linear(
        w=a * coef,
        b=a * bias + b0,
        c=c,
        scale=s,
        platt=(a, b0),
        oof_logit=a * oof + b0,
        w_raw=coef,
        b_raw=bias,
        oof_raw=oof,
    )


class Lexicon:
    """The lexical features of warmline's runtime (hashed word n-grams, TF-IDF) as sparse matrices."""

    def __init__(self, texts: Sequence[str]) -> None:
        df = np.zeros(LEXICAL_BUCKETS)
        unique = set(texts)
        for t in unique:
            df[list(lexical_counts(t))] += 1
        # smoothed idf, as scikit-learn's TfidfVectorizer computes it
        self.idf = (np.log((1 + len(unique)) / (1 + df)) + 1).astype(np.float32)
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        indptr, indices, values = [0], [], []
        for t in texts:
            got = self._cache.get(t)
            if got is None:
                got = self._cache[t] = lexical_vector(t, self.idf)
            indices.append(got[0])
            values.append(got[1])
            indptr.append(indptr[-1] + len(got[0]))
        data = np.concatenate(values) if indptr[-1] else np.zeros(0)
        index = np.concatenate(indices) if indptr[-1] else np.zeros(0, dtype=np.int64)
        return csr_matrix((data.astype(np.float64), index, np.array(indptr)), shape=(len(texts), LEXICAL_BUCKETS))


def fit_lexical(
    lexicon: Lexicon, rows: Rows, log: Callable[[str], None]
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """The lexical part: class-balanced L2 logistic regression on TF-IDF n-grams; returns w, b, OOF logits, C."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    x = lexicon(rows.texts)
    y, w = rows.y, rows.weight
    pos, neg = (w * (y == 1)).sum(), (w * (y == 0)).sum()
    sw = w * np.where(y == 1, 0.5 * (pos + neg) / max(pos, 1e-9), 0.5 * (pos + neg) / max(neg, 1e-9))
    folds = list(GroupKFold(n_splits=FOLDS).split(x, y, rows.group))
    best: tuple[float, float, np.ndarray] | None = None
    for c in LEXICAL_CS:
        oof = np.zeros(len(y))
        for tr, te in folds:
            model = LogisticRegression(C=c, max_iter=3000, tol=1e-5).fit(x[tr], y[tr], sample_weight=sw[tr])
            oof[te] = model.decision_function(x[te])
        ap = _average_precision(y[rows.is_turn], oof[rows.is_turn])
        log(f"    lexical C={c:g}: out-of-fold average precision {ap:.4f}")
        if best is None or ap > best[0]:
            best = (ap, c, oof)
    assert best is not None
    _, c, oof = best
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-5).fit(x, y, sample_weight=sw)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0]), oof, c


def stack(
    emb: Linear, lex_w: np.ndarray, lex_b: float, lex_oof: np.ndarray, y: np.ndarray, log: Callable[[str], None]
) -> Linear:
    """Combine the embedding and lexical parts by a logistic regression on their out-of-fold logits.

    The combination is itself the calibration (it is fitted unweighted, on the train distribution),
    and it folds into one linear model: embedding weights times a, lexical weights times b.
    """
    from sklearn.linear_model import LogisticRegression

    z = np.c_[emb.oof_raw, lex_oof]
    model = LogisticRegression(C=1e4, max_iter=1000).fit(z, y)
    a, b = (float(v) for v in model.coef_[0])
    g = float(model.intercept_[0])
    log(f"    stacked: {a:.3f} x embedding + {b:.3f} x lexical + {g:.3f}")
    return Linear(
        w=a * emb.w_raw,
        b=a * emb.b_raw + b * lex_b + g,
        c=emb.c,
        scale=emb.scale,
        platt=emb.platt,
        oof_logit=a * emb.oof_raw + b * lex_oof + g,
        w_raw=emb.w_raw,
        b_raw=emb.b_raw,
        oof_raw=emb.oof_raw,
        lex_w=lex_w,
        lex_scale=b,
        stack=(a, b, g),
    )


# --- metrics -----------------------------------------------------------------------------------


def binary_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    p0 = tn / (tn + fn) if tn + fn else 0.0
    r0 = tn / (tn + fp) if tn + fp else 0.0
    f0 = 2 * p0 * r0 / (p0 + r0) if p0 + r0 else 0.0
    return {
        "n": len(y),
        "positives": int(y.sum()),
        "accuracy": (tp + tn) / len(y),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "macro_f1": (f1 + f0) / 2,
    }


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if 0 < y.sum() < len(y) else float("nan")


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold that maximises F1 of the positive class (midpoint between neighbouring scores)."""
    candidates = np.unique(np.round(p, 4))
    best_t, best_f = 0.5, -1.0
    for t in candidates:
        f = binary_metrics(y, (p >= t).astype(int))["f1"]
        if f > best_f:
            best_t, best_f = float(t), f
    return best_t


def crossfit_predictions(y: np.ndarray, p: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Predictions with the threshold chosen on the other half of dev (halves by group), for each half.

    An estimate of the dev figures free of the optimism of choosing the threshold on the rows scored.
    """
    half = np.array([int(hashlib.sha1(g.encode()).hexdigest(), 16) % 2 for g in groups])
    pred = np.zeros(len(y), dtype=int)
    for h in (0, 1):
        t = best_threshold(y[half != h], p[half != h])
        pred[half == h] = (p[half == h] >= t).astype(int)
    return pred


# --- scoring dev turns the way the runtime does --------------------------------------------------


@dataclass
class TurnScores:
    """Per dev turn: whole-turn probability and best-sentence probability (and its span)."""

    whole: np.ndarray
    best_sentence: np.ndarray
    best_span: list[tuple[int, int]]
    n_sentences: np.ndarray

    def aggregate(self, how: str) -> np.ndarray:
        if how == "whole":
            return self.whole
        if how == "sentences":
            return self.best_sentence
        if how == "max":
            return np.maximum(self.whole, self.best_sentence)
        return 0.5 * (self.whole + self.best_sentence)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def score_turns(
    examples: Sequence[Example],
    head: dict[str, Linear],
    vec: Vectors,
    *,
    use_context: bool = True,
    embedding_only: bool = False,
) -> TurnScores:
    """Score turns as the runtime does: the context head where there is a context, else the context-free one."""
    whole, best, spans, counts = [], [], [], []
    suffix = "_embedding" if embedding_only else ""
    for ex in examples:
        sents = split_sentences(ex.text)
        texts = [ex.text] + ([ex.text[s:e] for s, e in sents] if len(sents) > 1 else [])
        a = vec(texts)
        name = ("context" if use_context and ex.context else "plain") + suffix
        model = head[name]
        lexical = LEXICON(texts) if model.lex_w is not None else None
        if name.startswith("context"):
            c = np.broadcast_to(vec([ex.context or ""]), a.shape)
            p = sigmoid(model.logit(pair_features(a, c), lexical))
        else:
            p = sigmoid(model.logit(a, lexical))
        whole.append(p[0])
        if len(sents) > 1:
            k = int(np.argmax(p[1:]))
            best.append(p[1 + k])
            spans.append(sents[k])
        else:
            best.append(p[0])
            spans.append(sents[0] if sents else (0, 0))
        counts.append(len(sents))
    return TurnScores(np.array(whole), np.array(best), spans, np.array(counts))


# --- baselines ---------------------------------------------------------------------------------


def tfidf_baseline(train: Sequence[Example], dev: Sequence[Example], behaviour: str) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [ex for ex in train if behaviour in ex.labels]
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
    x = vectoriser.fit_transform([ex.text for ex in rows])
    y = np.array([ex.labels[behaviour] for ex in rows])
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000)
    model.fit(x, y)
    return np.asarray(model.predict_proba(vectoriser.transform([ex.text for ex in dev]))[:, 1])


#: The lexicon of the run (score_turns needs it wherever a head has a lexical part).
LEXICON: Any = None


# --- the run -----------------------------------------------------------------------------------


def dev_sets(behaviour: str, epitome_dev: list[Example], esconv_dev: list[Example]) -> dict[str, list[Example]]:
    out = {}
    if behaviour in EPITOME_FILES:
        out["epitome_dev"] = [ex for ex in epitome_dev if behaviour in ex.labels]
    esconv = [ex for ex in esconv_dev if behaviour in ex.labels]
    if esconv:
        out["esconv_valid"] = esconv
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-failed", action="store_true", help="also train on ESConv's failed dialogues")
    parser.add_argument("--no-handwritten", action="store_true", help="leave out the hand-written examples")
    parser.add_argument(
        "--no-ack-reflection",
        action="store_true",
        help="train acknowledge_emotion on EPITOME only (not on ESConv's reflection of feelings)",
    )
    parser.add_argument("--no-lexical", action="store_true", help="embedding features only (no n-gram part)")
    parser.add_argument("--sentence-weight", type=float, default=0.5, help="weight of EPITOME sentence rows")
    parser.add_argument("--no-write", action="store_true", help="evaluate only; do not write the shipped model")
    parser.add_argument("--only", nargs="*", default=None, help="train these behaviours only (implies --no-write)")
    args = parser.parse_args(argv)
    random.seed(SEED)
    np.random.seed(SEED)
    started = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - started:6.0f}s] {msg}", file=sys.stderr, flush=True)

    epitome_train = list(load_epitome("train"))
    epitome_dev = list(load_epitome("dev"))
    esconv_train = list(load_esconv("train"))
    esconv_dev = list(load_esconv("valid"))
    failed = list(load_esconv_failed()) if args.with_failed else []
    if args.no_ack_reflection:
        for ex in esconv_train + failed:
            ex.labels.pop("acknowledge_emotion", None)
    handwritten = [] if args.no_handwritten else list(load_handwritten())
    train = epitome_train + esconv_train + failed + handwritten
    log(
        f"train: {len(epitome_train)} EPITOME rows, {len(esconv_train)} ESConv turns, {len(failed)} failed, "
        f"{len(handwritten)} hand-written; dev: {len(epitome_dev)} EPITOME, {len(esconv_dev)} ESConv"
    )

    vec = build_vectors(
        {
            "epitome": epitome_train + epitome_dev,
            "esconv": esconv_train + esconv_dev,
            **({"esconv-failed": failed} if failed else {}),
            **({"handwritten": handwritten} if handwritten else {}),
        }
    )
    log("embeddings ready")

    global LEXICON
    lexicon = None if args.no_lexical else Lexicon([ex.text for ex in train])
    LEXICON = lexicon
    lexical_c: dict[str, float] = {}
    heads: dict[str, dict[str, Linear]] = {}
    report: dict[str, Any] = {"behaviours": {}}
    aggregation: dict[str, str] = {}
    thresholds: dict[str, dict[str, float]] = {}
    if args.only:
        args.no_write = True
    for behaviour in args.only or BEHAVIOURS:
        log(f"{behaviour}")
        rows = training_rows(train, behaviour, vec, args.sentence_weight)
        every = np.ones(len(rows.y), dtype=bool)
        log(f"  {len(rows.y)} rows ({int(rows.is_turn.sum())} turns), {int(rows.y[rows.is_turn].sum())} positive turns")
        log("  without context")
        plain = fit_head(features(rows, every, False), rows, every, log, cs=CS)
        log("  with context (agent block at the same C)")
        with_ctx = fit_head(
            features(rows, rows.has_context, True),
            rows,
            rows.has_context,
            log,
            cs=(plain.c,),
            context_scales=CONTEXT_SCALES,
            agent_dims=DIM,
        )
        heads[behaviour] = {"context_embedding": with_ctx, "plain_embedding": plain}
        if lexicon is not None:
            log("  lexical")
            lex_w, lex_b, lex_oof, lex_c = fit_lexical(lexicon, rows, log)
            heads[behaviour]["context"] = stack(
                with_ctx, lex_w, lex_b, lex_oof[rows.has_context], rows.y[rows.has_context], log
            )
            heads[behaviour]["plain"] = stack(plain, lex_w, lex_b, lex_oof, rows.y, log)
            lexical_c[behaviour] = lex_c
        else:
            heads[behaviour]["context"], heads[behaviour]["plain"] = with_ctx, plain
        report["behaviours"][behaviour] = evaluate(
            behaviour, heads[behaviour], rows, train, epitome_dev, esconv_dev, vec, aggregation, thresholds
        )
        log(f"  aggregation {aggregation[behaviour]}, thresholds {thresholds[behaviour]}")

    if args.only:
        report["customer_service_transfer"] = customer_service_transfer(heads, aggregation, thresholds, vec)
        print(json.dumps(report, indent=1))
        return 0
    report["open_vs_closed"] = open_vs_closed(
        heads["open_question"], esconv_dev, vec, thresholds["open_question"], aggregation["open_question"]
    )
    report["acknowledge_emotion_level2"] = level_two(
        heads["acknowledge_emotion"], train, epitome_dev, vec, aggregation["acknowledge_emotion"]
    )
    report["evidence"] = evidence_overlap(heads, epitome_dev, vec)
    report["config"] = {
        "with_failed": args.with_failed,
        "ack_reflection": not args.no_ack_reflection,
        "handwritten": len(handwritten),
        "sentence_weight": args.sentence_weight,
        "lexical": not args.no_lexical,
        "lexical_cs": LEXICAL_CS,
        "cs": CS,
        "context_scales": CONTEXT_SCALES,
        "folds": FOLDS,
        "seed": SEED,
        "encoder": get_encoder().name,
        "encoder_sha256": get_encoder().model_sha256,
    }
    report["epitome_published"] = EPITOME_PUBLISHED
    report["command"] = COMMAND

    report["customer_service_transfer"] = customer_service_transfer(heads, aggregation, thresholds, vec)
    if not args.no_write:
        write_model(heads, aggregation, thresholds, report, lexicon, lexical_c)
        sample = [ex for ex in esconv_dev[:150] + epitome_dev[:150]]
        report["runtime_consistency"] = runtime_consistency(heads, aggregation, sample, vec)
        log(f"runtime consistency: {report['runtime_consistency']}")
        report["latency"] = latency(esconv_dev)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    print(markdown(report))
    return 0


def evaluate(
    behaviour: str,
    head: dict[str, Linear],
    rows: Rows,
    train: Sequence[Example],
    epitome_dev: list[Example],
    esconv_dev: list[Example],
    vec: Vectors,
    aggregation: dict[str, str],
    thresholds: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Dev figures for one behaviour; fills in its aggregation and thresholds (chosen on pooled dev)."""
    sets = dev_sets(behaviour, epitome_dev, esconv_dev)
    pooled = [ex for exs in sets.values() for ex in exs]
    y = np.array([ex.labels[behaviour] for ex in pooled])
    has_ctx = np.array([bool(ex.context) for ex in pooled])
    ctx_scores = score_turns(pooled, head, vec)  # as shipped: the context-free head where there is no context
    plain_scores = score_turns(pooled, head, vec, use_context=False)

    # aggregation: the one with the best pooled-dev average precision, scored as shipped
    ap = {}
    for how in ("whole", "sentences", "max", "mean"):
        p = np.where(has_ctx, ctx_scores.aggregate(how), plain_scores.aggregate(how))
        ap[how] = _average_precision(y, p)
    how = max(ap, key=lambda k: ap[k])
    aggregation[behaviour] = how
    p_ctx, p_plain = ctx_scores.aggregate(how), plain_scores.aggregate(how)
    t_ctx = best_threshold(y[has_ctx], p_ctx[has_ctx])
    t_plain = best_threshold(y, p_plain)
    thresholds[behaviour] = {"context": t_ctx, "plain": t_plain}
    shipped_p = np.where(has_ctx, p_ctx, p_plain)
    shipped_pred = np.where(has_ctx, p_ctx >= t_ctx, p_plain >= t_plain).astype(int)
    # ablation: the embedding part alone (Platt-calibrated), thresholds chosen the same way
    e_ctx = score_turns(pooled, head, vec, embedding_only=True).aggregate(how)
    e_plain = score_turns(pooled, head, vec, use_context=False, embedding_only=True).aggregate(how)
    te_ctx, te_plain = best_threshold(y[has_ctx], e_ctx[has_ctx]), best_threshold(y, e_plain)
    emb_p = np.where(has_ctx, e_ctx, e_plain)
    emb_pred = np.where(has_ctx, e_ctx >= te_ctx, e_plain >= te_plain).astype(int)

    out: dict[str, Any] = {
        "aggregation": how,
        "aggregation_average_precision": ap,
        "thresholds": thresholds[behaviour],
        "c": {"context": head["context"].c, "plain": head["plain"].c},
        "context_scale": head["context"].scale,
        "platt": {"context": head["context"].platt, "plain": head["plain"].platt},
        "stack": {"context": head["context"].stack, "plain": head["plain"].stack},
        "train_rows": len(rows.y),
        "train_turns": int(rows.is_turn.sum()),
        "train_positive_turns": int(rows.y[rows.is_turn].sum()),
        "dev": {},
    }
    offset = 0
    for name, exs in sets.items():
        sl = slice(offset, offset + len(exs))
        offset += len(exs)
        ys = y[sl]
        tfidf = tfidf_baseline(train, exs, behaviour)
        t_tfidf = best_threshold(ys, tfidf)
        majority = int(ys.mean() >= 0.5)
        groups = [ex.group for ex in exs]
        out["dev"][name] = {
            "warmline": {**binary_metrics(ys, shipped_pred[sl]), "roc_auc": roc_auc(ys, shipped_p[sl])},
            "embedding_only": {**binary_metrics(ys, emb_pred[sl]), "roc_auc": roc_auc(ys, emb_p[sl])},
            "warmline_crossfit_threshold": binary_metrics(ys, crossfit_predictions(ys, shipped_p[sl], groups)),
            "warmline_whole_turn_only": {
                **binary_metrics(
                    ys,
                    np.where(has_ctx[sl], ctx_scores.whole[sl] >= t_ctx, plain_scores.whole[sl] >= t_plain).astype(int),
                ),
                "roc_auc": roc_auc(ys, np.where(has_ctx[sl], ctx_scores.whole[sl], plain_scores.whole[sl])),
            },
            "without_context": {
                **binary_metrics(ys, (p_plain[sl] >= t_plain).astype(int)),
                "roc_auc": roc_auc(ys, p_plain[sl]),
            },
            "majority": binary_metrics(ys, np.full(len(ys), majority)),
            "tfidf_logreg": {
                **binary_metrics(ys, (tfidf >= t_tfidf).astype(int)),
                "roc_auc": roc_auc(ys, tfidf),
                "threshold": t_tfidf,
            },
            "turns_without_context": int((~has_ctx[sl]).sum()),
        }
    return out


def open_vs_closed(
    head: dict[str, Linear], esconv_dev: list[Example], vec: Vectors, t: dict[str, float], how: str
) -> dict[str, Any]:
    """How the open_question head separates ESConv's open questions from its closed ones (dev)."""
    questions = [ex for ex in esconv_dev if ex.is_question and ex.context]
    scores = score_turns(questions, head, vec).aggregate(how)
    is_open = np.array([is_open_question(ex.text) for ex in questions])
    any_question = [ex for ex in esconv_dev if ex.context]
    y_any = np.array([int(ex.is_question) for ex in any_question])
    p_any = score_turns(any_question, head, vec).aggregate(how)
    return {
        "questions": len(questions),
        "open": int(is_open.sum()),
        "mean_probability_open": float(scores[is_open].mean()),
        "mean_probability_closed": float(scores[~is_open].mean()),
        "detected_rate_open": float((scores[is_open] >= t["context"]).mean()),
        "detected_rate_closed": float((scores[~is_open] >= t["context"]).mean()),
        "roc_auc_open_vs_closed": roc_auc(is_open.astype(int), scores),
        "roc_auc_any_question_label": roc_auc(y_any, p_any),
    }


def level_two(
    head: dict[str, Linear], train: Sequence[Example], epitome_dev: list[Example], vec: Vectors, how: str
) -> dict[str, Any]:
    """EPITOME emotional reactions level 2 (strong) vs 0-1, from the acknowledge_emotion probability.

    The threshold for "strong" is chosen on the train split (in-sample scores of the final head),
    not on dev.
    """
    train = [ex for ex in train if "acknowledge_emotion" in ex.labels and ex.level is not None and ex.context]
    dev = [ex for ex in epitome_dev if "acknowledge_emotion" in ex.labels and ex.context]
    p_train = score_turns(train, head, vec).aggregate(how)
    p_dev = score_turns(dev, head, vec).aggregate(how)
    y_train = np.array([int(ex.level == 2) for ex in train])
    y_dev = np.array([int(ex.level == 2) for ex in dev])
    t = best_threshold(y_train, p_train)
    return {
        "dev_n": len(dev),
        "dev_level2": int(y_dev.sum()),
        "threshold_from_train": t,
        "dev": {**binary_metrics(y_dev, (p_dev >= t).astype(int)), "roc_auc": roc_auc(y_dev, p_dev)},
        "majority": binary_metrics(y_dev, np.zeros(len(y_dev), dtype=int)),
    }


def evidence_overlap(heads: dict[str, dict[str, Linear]], epitome_dev: list[Example], vec: Vectors) -> dict[str, Any]:
    """How often the evidence sentence overlaps an EPITOME rationale (dev, positive multi-sentence turns)."""
    out: dict[str, Any] = {}
    for behaviour in EPITOME_FILES:
        cases = []
        for ex in epitome_dev:
            if ex.labels.get(behaviour) != 1 or not ex.context:
                continue
            labelled = sentence_labels(ex, behaviour)
            if labelled and len(labelled) > 1 and any(lab for _, lab in labelled):
                cases.append((ex, labelled))
        if not cases:
            continue
        scores = score_turns([ex for ex, _ in cases], heads[behaviour], vec)
        hits = lean = first = expected = 0.0
        lex_w = heads[behaviour]["context"].lex_w
        for (ex, labelled), span in zip(cases, scores.best_span, strict=True):
            by_span = dict(labelled)
            hits += by_span.get(span, 0)
            if lex_w is not None:  # lean mode: the sentence whose n-grams score highest
                sentence_logits = np.asarray(LEXICON([ex.text[s:e] for (s, e), _ in labelled]) @ lex_w).ravel()
                lean += labelled[int(np.argmax(sentence_logits))][1]
            first += labelled[0][1]
            expected += sum(lab for _, lab in labelled) / len(labelled)
        n = len(cases)
        out[behaviour] = {
            "turns": n,
            "evidence_in_rationale": hits / n,
            "evidence_in_rationale_lean_mode": lean / n,
            "first_sentence_in_rationale": first / n,
            "random_sentence_in_rationale": expected / n,
            "mean_sentences": float(np.mean([len(lab) for _, lab in cases])),
        }
    return out


def cs_split_of(row_id: str) -> str:
    """The half of the customer-service dev set a row belongs to (as training/eval_agent_behaviours.py splits it)."""
    return "tune" if int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 2 == 0 else "report"


def customer_service_transfer(
    heads: dict[str, dict[str, Linear]],
    aggregation: dict[str, str],
    thresholds: dict[str, dict[str, float]],
    vec: Vectors,
) -> dict[str, Any]:
    """The heads on hand-written customer-service turns (nothing here was tuned on them)."""
    if not CS_DEV.is_file():
        return {}
    rows = [json.loads(line) for line in CS_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = [
        Example(text=r["text"], context=r.get("context") or None, source="cs_dev", split="dev", group=r["id"])
        for r in rows
    ]
    vec.add([ex.text for ex in examples] + [ex.context for ex in examples if ex.context], "behaviour-csdev-turns")
    vec.add(sentence_texts(examples), "behaviour-csdev-sentences")
    has_ctx = np.array([bool(ex.context) for ex in examples])
    halves = np.array([cs_split_of(r["id"]) for r in rows])
    out: dict[str, Any] = {"rows": len(rows), "file": str(CS_DEV.relative_to(ROOT)), "behaviours": {}}
    for behaviour, head in heads.items():
        y = np.array([int(behaviour in r["labels"]) for r in rows])
        p = score_turns(examples, head, vec).aggregate(aggregation[behaviour])
        t = np.where(has_ctx, thresholds[behaviour]["context"], thresholds[behaviour]["plain"])
        pred = (p >= t).astype(int)
        out["behaviours"][behaviour] = {
            half: {**binary_metrics(y[m], pred[m]), "roc_auc": roc_auc(y[m], p[m])}
            for half, m in (("report", halves == "report"), ("all", np.ones(len(y), dtype=bool)))
        }
    return out


def runtime_consistency(
    heads: dict[str, dict[str, Linear]], aggregation: dict[str, str], examples: Sequence[Example], vec: Vectors
) -> dict[str, Any]:
    """Score dev turns with the shipped files through warmline's runtime and compare with this script's scores."""
    runtime = BehaviourHeads().load()
    results = runtime.predict([ex.text for ex in examples], [ex.context for ex in examples])
    worst = 0.0
    span_mismatch = 0
    for b, behaviour in enumerate(BEHAVIOURS):
        scores = score_turns(examples, heads[behaviour], vec)
        p = scores.aggregate(aggregation[behaviour])
        got = np.array([r[b].probability for r in results])
        worst = max(worst, float(np.abs(got - p).max()))
        span_mismatch += sum(r[b].span != span for r, span in zip(results, scores.best_span, strict=True))
    return {"turns": len(examples), "max_abs_probability_difference": worst, "span_mismatches": span_mismatch}


# --- output ------------------------------------------------------------------------------------


def write_model(
    heads: dict[str, dict[str, Linear]],
    aggregation: dict[str, str],
    thresholds: dict[str, dict[str, float]],
    report: dict[str, Any],
    lexicon: Lexicon | None,
    lexical_c: dict[str, float],
) -> None:
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    npz = MODEL_DIR / "behaviour_heads.npz"
    arrays = {
        "context_weight": np.stack([heads[b]["context"].w for b in BEHAVIOURS]).astype(np.float32),
        "context_bias": np.array([heads[b]["context"].b for b in BEHAVIOURS], dtype=np.float32),
        "plain_weight": np.stack([heads[b]["plain"].w for b in BEHAVIOURS]).astype(np.float32),
        "plain_bias": np.array([heads[b]["plain"].b for b in BEHAVIOURS], dtype=np.float32),
        "lexical_weight": np.stack(
            [
                heads[b]["context"].lex_w if heads[b]["context"].lex_w is not None else np.zeros(LEXICAL_BUCKETS)
                for b in BEHAVIOURS
            ]
        ).astype(np.float32),
        "lexical_idf": (lexicon.idf if lexicon is not None else np.ones(LEXICAL_BUCKETS)).astype(np.float32),
        "lexical_scale_context": np.array([heads[b]["context"].lex_scale for b in BEHAVIOURS], dtype=np.float32),
        "lexical_scale_plain": np.array([heads[b]["plain"].lex_scale for b in BEHAVIOURS], dtype=np.float32),
    }
    with npz.open("wb") as f:
        np.savez(f, **arrays)  # uncompressed, so the bytes (and the sha256) depend only on the arrays
    sha = hashlib.sha256(npz.read_bytes()).hexdigest()
    encoder = get_encoder()
    manifest = {
        "name": "warmline.behaviour_heads.v1",
        "behaviours": list(BEHAVIOURS),
        "weights": npz.name,
        "sha256": sha,
        "bytes": npz.stat().st_size,
        "encoder": encoder.name,
        "encoder_sha256": encoder.model_sha256,
        "dim": encoder.dim,
        "features": {
            "context": "[agent, context, agent * context, cosine(agent, context)] (3 * dim + 1)",
            "plain": "[agent] (dim), used when there is no customer turn before the agent turn",
            "lexical": "TF-IDF of the agent text's lowercase word unigrams and bigrams, hashed by CRC-32 into "
            f"{LEXICAL_BUCKETS} buckets (sublinear tf, smoothed idf, L2 norm); its logit is scaled by "
            "lexical_scale_context or lexical_scale_plain",
        },
        "probability": "sigmoid(features @ weight.T + bias + lexical_scale * (lexical @ lexical_weight.T)); the "
        "stacking (which is also the calibration) is folded into weight, bias and lexical_scale",
        "stacking": {b: {k: heads[b][k].stack for k in ("context", "plain")} for b in BEHAVIOURS},
        "lexical_c": lexical_c,
        "aggregation": aggregation,
        "aggregation_meaning": {
            "whole": "the whole-turn probability",
            "sentences": "the best sentence's probability",
            "max": "the larger of the whole-turn and the best sentence's probability",
            "mean": "the mean of the whole-turn and the best sentence's probability",
        },
        "thresholds": thresholds,
        "calibration": {b: {k: heads[b][k].platt for k in ("context", "plain")} for b in BEHAVIOURS},
        "regularisation_c": {b: {k: heads[b][k].c for k in ("context", "plain")} for b in BEHAVIOURS},
        "context_block_scale": {b: heads[b]["context"].scale for b in BEHAVIOURS},
        "training": {
            "data": "EPITOME (Reddit; academic-use terms) and ESConv (CC BY-NC 4.0) train splits; "
            "see docs/models/behaviour_heads.md",
            "config": report.get("config", {}),
            "command": COMMAND,
        },
    }
    (MODEL_DIR / "behaviour_heads.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def latency(esconv_dev: list[Example], n: int = 300) -> dict[str, Any]:
    """Per-turn latency at batch 1 of the shipped heads with the shipped encoder (ms)."""
    heads = BehaviourHeads().load()
    encoder = get_encoder().load()
    turns = [ex for ex in esconv_dev if ex.context][:n]
    heads.predict([turns[0].text], [turns[0].context])  # warm-up
    precomputed, lean, scratch, encode_one = [], [], [], []
    for ex in turns:
        t0 = time.perf_counter()
        a = encoder.encode([ex.text])
        encode_one.append(time.perf_counter() - t0)
        c = encoder.encode([ex.context or ""])
        t0 = time.perf_counter()
        heads.predict([ex.text], [ex.context], agent_embeddings=a, context_embeddings=c)
        precomputed.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        heads.predict([ex.text], [ex.context], agent_embeddings=a, context_embeddings=c, score_sentences=False)
        lean.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        heads.predict([ex.text], [ex.context])
        scratch.append(time.perf_counter() - t0)
    multi = float(np.mean([len(split_sentences(ex.text)) > 1 for ex in turns]))

    def summary(xs: list[float]) -> dict[str, float]:
        ms = np.array(xs) * 1000
        return {
            "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)),
            "mean_ms": float(ms.mean()),
        }

    return {
        "turns": len(turns),
        "multi_sentence_share": multi,
        "with_turn_and_context_embeddings": summary(precomputed),
        "with_turn_and_context_embeddings_lean_mode": summary(lean),
        "encoder_one_turn": summary(encode_one),
        "load_average_1min": os.getloadavg()[0],
        "from_text": summary(scratch),
        "cpu_count": os.cpu_count(),
        "note": "ESConv valid supporter turns with context, batch 1; 'with_turn_and_context_embeddings' is the "
        "pipeline case (the shared turn embeddings exist), so only sentences of multi-sentence turns are encoded",
    }


def _fmt(x: float) -> str:
    return f"{x:.3f}" if isinstance(x, float) and x == x else "–"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| behaviour | dev set | n (pos) | model | accuracy | precision | recall | F1 | macro-F1 | ROC-AUC |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for behaviour, rep in report["behaviours"].items():
        for dev_name, d in rep["dev"].items():
            w = d["warmline"]
            for label, key in (
                ("warmline (shipped)", "warmline"),
                ("warmline, threshold cross-fitted on dev halves", "warmline_crossfit_threshold"),
                ("warmline, whole turn only (lean mode)", "warmline_whole_turn_only"),
                ("warmline, embedding part only", "embedding_only"),
                ("warmline, no context", "without_context"),
                ("TF-IDF + LR", "tfidf_logreg"),
                ("majority class", "majority"),
            ):
                m = d[key]
                lines.append(
                    f"| {behaviour} | {dev_name} | {w['n']} ({w['positives']}) | {label} | {_fmt(m['accuracy'])} | "
                    f"{_fmt(m['precision'])} | {_fmt(m['recall'])} | {_fmt(m['f1'])} | {_fmt(m['macro_f1'])} | "
                    f"{_fmt(m.get('roc_auc', float('nan')))} |"
                )
            if dev_name == "epitome_dev" and behaviour in EPITOME_PUBLISHED:
                pub = EPITOME_PUBLISHED[behaviour]
                lines.append(
                    f"| {behaviour} | EPITOME test (paper) | – | RoBERTa bi-encoder (published) | "
                    f"{_fmt(pub['accuracy'])} | – | – | – | {_fmt(pub['macro_f1'])} | – |"
                )
    lines.append("")
    lines.append("| behaviour | aggregation | threshold (context) | threshold (no context) |")
    lines.append("|---|---|---|---|")
    for behaviour, rep in report["behaviours"].items():
        t = rep["thresholds"]
        lines.append(f"| {behaviour} | {rep['aggregation']} | {t['context']:.3f} | {t['plain']:.3f} |")
    ovc = report["open_vs_closed"]
    lines.append("")
    lines.append(
        f"open vs closed questions (ESConv valid 'Question' turns, {ovc['questions']}, {ovc['open']} open): mean p "
        f"{ovc['mean_probability_open']:.3f} open vs {ovc['mean_probability_closed']:.3f} closed; detected "
        f"{ovc['detected_rate_open']:.1%} vs {ovc['detected_rate_closed']:.1%}; "
        f"ROC-AUC {ovc['roc_auc_open_vs_closed']:.3f}"
    )
    l2 = report["acknowledge_emotion_level2"]
    lines.append(
        f"acknowledge_emotion strong (level 2) vs rest, EPITOME dev ({l2['dev_level2']}/{l2['dev_n']}): "
        f"F1 {l2['dev']['f1']:.3f}, macro-F1 {l2['dev']['macro_f1']:.3f}, ROC-AUC {l2['dev']['roc_auc']:.3f} "
        f"(threshold {l2['threshold_from_train']:.3f} from train)"
    )
    for behaviour, ev in report["evidence"].items():
        lines.append(
            f"evidence {behaviour}: best sentence inside the rationale {ev['evidence_in_rationale']:.1%} "
            f"of {ev['turns']} "
            f"multi-sentence positive dev turns (first sentence {ev['first_sentence_in_rationale']:.1%}, random "
            f"{ev['random_sentence_in_rationale']:.1%})"
        )
    cs = report.get("customer_service_transfer") or {}
    if cs:
        lines.append("")
        lines.append(
            f"Customer-service transfer ({cs['file']}, hand-written; never trained or thresholded on, but it "
            "informed one design choice, see docs/models/behaviour_heads.md):"
        )
        lines.append("")
        lines.append("| behaviour | half | n (pos) | precision | recall | F1 | ROC-AUC |")
        lines.append("|---|---|---|---|---|---|---|")
        for behaviour, halves in cs["behaviours"].items():
            for half, m in halves.items():
                lines.append(
                    f"| {behaviour} | {half} | {m['n']} ({m['positives']}) | {_fmt(m['precision'])} | "
                    f"{_fmt(m['recall'])} | {_fmt(m['f1'])} | {_fmt(m['roc_auc'])} |"
                )
    if "latency" in report:
        lat = report["latency"]
        lines.append("")

        def ms(key: str) -> str:
            return f"p50 {lat[key]['p50_ms']:.2f} ms, p95 {lat[key]['p95_ms']:.2f} ms"

        lines.append(
            f"latency per turn, batch 1 ({lat['turns']} turns, {lat['multi_sentence_share']:.0%} multi-sentence, "
            f"load average {lat['load_average_1min']:.1f} on {lat['cpu_count']} CPUs): turn/context embeddings given "
            f"{ms('with_turn_and_context_embeddings')}; lean mode {ms('with_turn_and_context_embeddings_lean_mode')}; "
            f"from text {ms('from_text')}; the encoder alone on one turn {ms('encoder_one_turn')}"
        )
        for behaviour, ev in report["evidence"].items():
            lines.append(f"evidence {behaviour} in lean mode: {ev['evidence_in_rationale_lean_mode']:.1%}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
