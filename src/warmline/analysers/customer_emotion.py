"""Customer emotion per customer turn: a small numpy head over the shared sentence embedding.

The head (``data/models/customer_emotion.npz``, described and checksummed by
``customer_emotion.json``) was trained by ``training/train_customer_emotion.py``; see
``docs/models/customer_emotion.md`` for its data, labels, figures and failure modes. Run time needs
numpy only (plus the shared encoder when no embedding is supplied).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from warmline.analysers.base import register
from warmline.checksums import file_sha256
from warmline.errors import ModelError
from warmline.model import Annotation, Conversation, CustomerEmotion, Role, Turn, TurnEmbedding

FloatArray = npt.NDArray[np.float32]

#: The labels, in the order of the head's outputs.
LABELS: tuple[str, ...] = ("neutral", "frustration", "anger", "anxiety", "sadness", "confusion", "satisfaction")
NEGATIVE_LABELS: tuple[str, ...] = ("frustration", "anger", "anxiety", "sadness", "confusion")

_DATA = Path(__file__).resolve().parents[1] / "data"
DEFAULT_MODEL_DIR = _DATA / "models"
LEXICON_PATH = _DATA / "lexicons" / "customer_service.json"
MODEL_NAME = "customer_emotion"
REBUILD_HINT = "reinstall warmline, or rebuild the head with `.venv/bin/python training/train_customer_emotion.py`"


# --- VADER (Hutto & Gilbert 2014, MIT licence), ported so that run time needs no extra package ----------

# The constants, word lists and rules below follow vaderSentiment 3.3.2 exactly (its lexicon files ship
# in data/lexicons/ with its licence), including its quirks, so that ``vader_compound`` reproduces the
# package's compound score; the training script checks the two agree.
_B_INCR, _B_DECR, _C_INCR, _N_SCALAR = 0.293, -0.293, 0.733, -0.74
_VADER_NEGATE = frozenset(
    [
        "aint",
        "arent",
        "cannot",
        "cant",
        "couldnt",
        "darent",
        "didnt",
        "doesnt",
        "ain't",
        "aren't",
        "can't",
        "couldn't",
        "daren't",
        "didn't",
        "doesn't",
        "dont",
        "hadnt",
        "hasnt",
        "havent",
        "isnt",
        "mightnt",
        "mustnt",
        "neither",
        "don't",
        "hadn't",
        "hasn't",
        "haven't",
        "isn't",
        "mightn't",
        "mustn't",
        "neednt",
        "needn't",
        "never",
        "none",
        "nope",
        "nor",
        "not",
        "nothing",
        "nowhere",
        "oughtnt",
        "shant",
        "shouldnt",
        "uhuh",
        "wasnt",
        "werent",
        "oughtn't",
        "shan't",
        "shouldn't",
        "uh-uh",
        "wasn't",
        "weren't",
        "without",
        "wont",
        "wouldnt",
        "won't",
        "wouldn't",
        "rarely",
        "seldom",
        "despite",
    ]
)
_VADER_BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        [
            "absolutely",
            "amazingly",
            "awfully",
            "completely",
            "considerable",
            "considerably",
            "decidedly",
            "deeply",
            "effing",
            "enormous",
            "enormously",
            "entirely",
            "especially",
            "exceptional",
            "exceptionally",
            "extreme",
            "extremely",
            "fabulously",
            "flipping",
            "flippin",
            "frackin",
            "fracking",
            "fricking",
            "frickin",
            "frigging",
            "friggin",
            "fully",
            "fuckin",
            "fucking",
            "fuggin",
            "fugging",
            "greatly",
            "hella",
            "highly",
            "hugely",
            "incredible",
            "incredibly",
            "intensely",
            "major",
            "majorly",
            "more",
            "most",
            "particularly",
            "purely",
            "quite",
            "really",
            "remarkably",
            "so",
            "substantially",
            "thoroughly",
            "total",
            "totally",
            "tremendous",
            "tremendously",
            "uber",
            "unbelievably",
            "unusually",
            "utter",
            "utterly",
            "very",
        ],
        _B_INCR,
    ),
    **dict.fromkeys(
        [
            "almost",
            "barely",
            "hardly",
            "kinda",
            "kindof",
            "kind-of",
            "less",
            "little",
            "marginal",
            "marginally",
            "occasional",
            "occasionally",
            "partly",
            "scarce",
            "scarcely",
            "slight",
            "slightly",
            "somewhat",
            "sorta",
            "sortof",
            "sort-of",
        ],
        _B_DECR,
    ),
    "just enough": _B_DECR,
    "kind of": _B_DECR,
    "sort of": _B_DECR,
}
_VADER_SPECIAL = {
    "the shit": 3.0,
    "the bomb": 3.0,
    "bad ass": 1.5,
    "badass": 1.5,
    "bus stop": 0.0,
    "yeah right": -2.0,
    "kiss of death": -1.5,
    "to die for": 3.0,
    "beating heart": 3.5,
}
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


@dataclass(frozen=True)
class _Vader:
    lexicon: Mapping[str, float]
    emojis: Mapping[str, str]


@cache
def _vader() -> _Vader:
    path = _DATA / "lexicons" / "vader_lexicon.tsv"
    try:
        lexicon = {}
        for line in path.read_text(encoding="utf-8").rstrip("\n").split("\n"):
            if line:
                word, measure = line.strip().split("\t")[0:2]
                lexicon[word] = float(measure)
        path = _DATA / "lexicons" / "vader_emoji.tsv"
        emojis = {}
        for line in path.read_text(encoding="utf-8").rstrip("\n").split("\n"):
            emoji, description = line.strip().split("\t")[0:2]
            emojis[emoji] = description
    except (OSError, ValueError) as exc:
        raise ModelError(f"VADER lexicon cannot be read ({exc}); reinstall warmline", path=path) from None
    return _Vader(lexicon, emojis)


def _vader_negated(word: str) -> bool:
    return word in _VADER_NEGATE or "n't" in word


def _vader_scalar(word: str, valence: float, cap_diff: bool) -> float:
    scalar = 0.0
    lower = word.lower()
    if lower in _VADER_BOOSTERS:
        scalar = _VADER_BOOSTERS[lower]
        if valence < 0:
            scalar *= -1
        if word.isupper() and cap_diff:
            scalar += _C_INCR if valence > 0 else -_C_INCR
    return scalar


def _vader_special_idioms(valence: float, lower: list[str], i: int) -> float:
    # indexes below may be negative near the start, wrapping round as in the original
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in _VADER_SPECIAL:
            valence = _VADER_SPECIAL[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in _VADER_SPECIAL:
            valence = _VADER_SPECIAL[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in _VADER_SPECIAL:
            valence = _VADER_SPECIAL[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in _VADER_BOOSTERS:
            valence = valence + _VADER_BOOSTERS[n_gram]
    return valence


def _vader_negation(valence: float, lower: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _vader_negated(lower[i - 1]):
            valence = valence * _N_SCALAR
    elif start_i == 1:
        if lower[i - 2] == "never" and lower[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _vader_negated(lower[i - 2]):
            valence = valence * _N_SCALAR
    else:
        if (lower[i - 3] == "never" and lower[i - 2] in ("so", "this")) or lower[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _vader_negated(lower[i - 3]):
            valence = valence * _N_SCALAR
    return valence


def _vader_valence(words: list[str], lower: list[str], i: int, cap_diff: bool, lexicon: Mapping[str, float]) -> float:
    item = words[i]
    item_lower = lower[i]
    if item_lower not in lexicon:
        return 0.0
    valence = lexicon[item_lower]
    if item_lower == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
        valence = 0.0
    if (
        (i > 0 and lower[i - 1] == "no")
        or (i > 1 and lower[i - 2] == "no")
        or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[item_lower] * _N_SCALAR
    if item.isupper() and cap_diff:
        valence += _C_INCR if valence > 0 else -_C_INCR
    for start_i in range(3):
        if i > start_i and lower[i - (start_i + 1)] not in lexicon:
            s = _vader_scalar(words[i - (start_i + 1)], valence, cap_diff)
            if start_i == 1 and s != 0:
                s = s * 0.95
            if start_i == 2 and s != 0:
                s = s * 0.9
            valence = valence + s
            valence = _vader_negation(valence, lower, start_i, i)
            if start_i == 2:
                valence = _vader_special_idioms(valence, lower, i)
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * _N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * _N_SCALAR
    return valence


def vader_compound(text: str) -> float:
    """VADER's compound sentiment of ``text`` in [-1, 1], as vaderSentiment 3.3.2 computes it (unrounded).

    Examples
    --------
    >>> round(vader_compound("The book was good."), 4)
    0.4404
    """
    vader = _vader()
    # emojis become their descriptions, as in the original
    parts: list[str] = []
    prev_space = True
    for ch in text:
        if ch in vader.emojis:
            if not prev_space:
                parts.append(" ")
            parts.append(vader.emojis[ch])
            prev_space = False
        else:
            parts.append(ch)
            prev_space = ch == " "
    text = "".join(parts).strip()
    words = []
    for token in text.split():
        stripped = token.strip(_PUNCTUATION)
        words.append(token if len(stripped) <= 2 else stripped)
    caps = sum(1 for w in words if w.isupper())
    cap_diff = 0 < len(words) - caps < len(words)
    lower = [w.lower() for w in words]
    sentiments: list[float] = []
    for i, item in enumerate(lower):
        if item in _VADER_BOOSTERS or (i < len(words) - 1 and item == "kind" and lower[i + 1] == "of"):
            sentiments.append(0.0)
            continue
        sentiments.append(_vader_valence(words, lower, i, cap_diff, vader.lexicon))
    if "but" in lower:
        # the original looks each score up by value (first equal one), so repeated scores are all
        # rescaled at the first position; kept as is, to agree with it
        bi = lower.index("but")
        for sentiment in list(sentiments):
            si = sentiments.index(sentiment)
            if si < bi:
                sentiments[si] = sentiment * 0.5
            elif si > bi:
                sentiments[si] = sentiment * 1.5
    if not sentiments:
        return 0.0
    total = float(sum(sentiments))
    ep = min(text.count("!"), 4) * 0.292
    qm_count = text.count("?")
    qm = 0.0 if qm_count <= 1 else (qm_count * 0.18 if qm_count <= 3 else 0.96)
    if total > 0:
        total += ep + qm
    elif total < 0:
        total -= ep + qm
    return max(-1.0, min(1.0, total / math.sqrt(total * total + 15)))


# --- text clean-up -----------------------------------------------------------------------------

_HANDLE_OR_LINK = re.compile(r"(?<![\w@])@\w+|https?://\S+|www\.\S+")


def clean_text(text: str) -> str:
    """The turn's text without @handles and links, which carry no emotion (support chats on social media).

    Text with neither is returned unchanged, so its shared embedding can be reused as it is.

    Examples
    --------
    >>> clean_text("@AskeBay why do I need to wait?? https://t.co/x1")
    'why do I need to wait??'
    """
    if "@" not in text and "http" not in text and "www." not in text:
        return text
    return " ".join(_HANDLE_OR_LINK.sub(" ", text).split())


# --- lexicon and wording cues ------------------------------------------------------------------

#: Lexicon categories, in the order of their features.
LEXICON_CATEGORIES: tuple[str, ...] = ("frustration", "anger", "anxiety", "sadness", "confusion", "satisfaction")
#: Names of the wording features ``lexicon_features`` returns, in order.
LEXICON_FEATURES: tuple[str, ...] = (
    *(f"lex_{c}" for c in LEXICON_CATEGORIES),
    "caps",
    "exclamations",
    "questions",
    "intensifiers",
    "elongation",
    "vader_compound",
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't")
_WORD = re.compile(r"[A-Za-z]{3,}")
_ELONGATED = re.compile(r"([a-z])\1\1|[!?]{2,}", re.IGNORECASE)


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str]
    category_of: Mapping[str, str]
    single_words: frozenset[str]
    intensifiers: re.Pattern[str]
    negations: frozenset[str]


@cache
def _lexicon() -> _Lexicon:
    try:
        data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
        categories: dict[str, list[str]] = data["categories"]
        intensifiers: list[str] = data["intensifiers"]
        negations: list[str] = data["negations"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"customer-service lexicon cannot be read ({exc}); reinstall warmline", path=LEXICON_PATH
        ) from None
    category_of: dict[str, str] = {}
    for category in LEXICON_CATEGORIES:
        for phrase in categories.get(category, []):
            category_of.setdefault(phrase.lower().translate(_APOSTROPHES), category)
    # longest phrase first, so that at any position the longest listed phrase wins ('not happy' over 'happy')
    phrases = sorted(category_of, key=lambda p: (-len(p), p))
    pattern = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![\w'])")
    boost = re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(w) for w in intensifiers) + r")(?![\w'])")
    return _Lexicon(
        pattern=pattern,
        category_of=category_of,
        single_words=frozenset(p for p in phrases if " " not in p),
        intensifiers=boost,
        negations=frozenset(negations),
    )


def _normalise(text: str) -> str:
    return " ".join(text.lower().translate(_APOSTROPHES).split())


def lexicon_hits(text: str) -> list[tuple[str, str]]:
    """The (category, phrase) pairs of the customer-service lexicon found in ``text``.

    A single-word cue right after a negation ('not worried', "isn't great") is ignored.

    Examples
    --------
    >>> lexicon_hits("This is the third time I've called and I'm not happy")
    [('frustration', 'third time'), ('frustration', 'not happy')]
    """
    lex = _lexicon()
    norm = _normalise(text)
    found: list[tuple[str, str]] = []
    for match in lex.pattern.finditer(norm):
        phrase = match.group(0)
        if phrase in lex.single_words:
            before = _TOKEN.findall(norm[: match.start()])[-2:]
            if any(t in lex.negations or t.endswith("n't") for t in before):
                continue
        found.append((lex.category_of[phrase], phrase))
    return found


def lexicon_features(text: str) -> FloatArray:
    """Wording features of one turn, in the order of ``LEXICON_FEATURES``.

    Lexicon category counts (capped at 2, scaled to [0, 1]), the share of shouted (ALL CAPS) words,
    exclamation and question marks (capped at 3), intensifiers ('really', 'so', capped at 2),
    elongation ('sooo', '!!!'), and VADER's compound sentiment in [-1, 1].
    """
    out = np.zeros(len(LEXICON_FEATURES), dtype=np.float32)
    for category, _ in lexicon_hits(text):
        out[LEXICON_CATEGORIES.index(category)] += 0.5
    np.minimum(out, 1.0, out=out)
    k = len(LEXICON_CATEGORIES)
    words = _WORD.findall(text)
    if words:
        out[k] = sum(1 for w in words if w.isupper()) / len(words)
    out[k + 1] = min(text.count("!"), 3) / 3
    out[k + 2] = min(text.count("?"), 3) / 3
    out[k + 3] = min(len(_lexicon().intensifiers.findall(_normalise(text))), 2) / 2
    out[k + 4] = 1.0 if _ELONGATED.search(text) else 0.0
    out[k + 5] = vader_compound(text)
    return out


def strength(text: str) -> float:
    """How strongly a turn is worded, in [0, 1]: shouting, exclamations, intensifiers, elongation."""
    f = lexicon_features(text)
    k = len(LEXICON_CATEGORIES)
    caps = min(1.0, float(f[k]) * 2.0)  # half the words shouted is as loud as it gets
    return float(min(1.0, 0.35 * caps + 0.25 * f[k + 1] + 0.25 * f[k + 3] + 0.15 * f[k + 4]))


# --- sentiment and intensity -------------------------------------------------------------------

#: How positive or negative each label is; sentiment is the probability-weighted mean of these.
VALENCE: Mapping[str, float] = {
    "neutral": 0.0,
    "frustration": -0.8,
    "anger": -1.0,
    "anxiety": -0.6,
    "sadness": -0.8,
    "confusion": -0.3,
    "satisfaction": 1.0,
}
_VALENCE = np.array([VALENCE[label] for label in LABELS], dtype=np.float64)

INTENSITY_DEFINITION = (
    "(1 - P(neutral)) * (0.7 + 0.3 * strength), strength from shouting, '!', intensifiers, elongation"
)


def sentiment_of(probs: npt.ArrayLike) -> float:
    """Sentiment in [-1, 1]: the probability-weighted valence of the labels."""
    return float(np.clip(np.asarray(probs, dtype=np.float64) @ _VALENCE, -1.0, 1.0))


def intensity_of(probs: npt.ArrayLike, text: str) -> float:
    """Intensity in [0, 1]: how emotional the turn is (1 - P(neutral)), raised by strong wording."""
    p_neutral = float(np.asarray(probs, dtype=np.float64)[LABELS.index("neutral")])
    return float(np.clip((1.0 - p_neutral) * (0.7 + 0.3 * strength(text)), 0.0, 1.0))


# --- the head ----------------------------------------------------------------------------------

#: sklearn's default TF-IDF token pattern, which the head's n-gram vocabulary was built with.
NGRAM_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_NGRAM_TOKEN = re.compile(NGRAM_TOKEN_PATTERN)


def encoder_name() -> dict[str, str]:
    """The identity of the shared encoder whose embeddings the head reads (recorded in the metadata)."""
    from warmline.encoders import get_encoder

    enc = get_encoder()
    return {"name": enc.name, "model_sha256": enc.model_sha256}


class EmotionModel:
    """The customer-emotion head: calibrated probabilities over ``LABELS`` from embedding and wording.

    A multinomial logistic regression over the turn's sentence embedding, the customer-service
    wording features and TF-IDF word uni- and bigrams, divided by a fitted temperature. The weights
    load on first use, after their sha256 is checked against ``customer_emotion.json``.

    Parameters
    ----------
    model_dir
        Folder holding ``customer_emotion.json`` and the ``.npz`` it names; the shipped one by default.

    Examples
    --------
    >>> from warmline.encoders import get_encoder
    >>> texts = ["Thank you so much, that's sorted it"]
    >>> probs = EmotionModel().predict(texts, get_encoder().encode(texts))
    >>> LABELS[int(probs[0].argmax())]
    'satisfaction'
    """

    def __init__(self, *, model_dir: str | Path | None = None) -> None:
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._weights: dict[str, Any] | None = None

    def _dir(self) -> Path:
        return Path(self.model_dir) if self.model_dir is not None else DEFAULT_MODEL_DIR

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._load()["metadata"])

    def _load(self) -> dict[str, Any]:
        if self._weights is not None:
            return self._weights
        with self._lock:
            if self._weights is None:
                self._weights = self._read()
        return self._weights

    def _read(self) -> dict[str, Any]:
        meta_path = self._dir() / f"{MODEL_NAME}.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            npz_path = self._dir() / str(meta["file"])
            expected = str(meta["sha256"])
            labels = tuple(meta["labels"])
            temperature = float(meta["temperature"])
        except FileNotFoundError:
            raise ModelError(f"customer-emotion metadata is missing; {REBUILD_HINT}", path=meta_path) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                f"customer-emotion metadata cannot be read ({exc}); {REBUILD_HINT}", path=meta_path
            ) from None
        if labels != LABELS:
            raise ModelError(
                f"customer-emotion head has labels {labels}, expected {LABELS}; {REBUILD_HINT}", path=meta_path
            )
        if not npz_path.is_file():
            raise ModelError(f"customer-emotion weights are missing; {REBUILD_HINT}", path=npz_path)
        actual = file_sha256(npz_path)
        if actual != expected:
            raise ModelError(
                f"customer-emotion weights are corrupt: sha256 {actual[:12]}… does not match the metadata's "
                f"{expected[:12]}…; {REBUILD_HINT}",
                path=npz_path,
            )
        try:
            with np.load(npz_path, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in ("w_dense", "w_ngram", "bias", "idf", "vocabulary")}
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(
                f"customer-emotion weights cannot be read ({exc}); {REBUILD_HINT}", path=npz_path
            ) from None
        terms = arrays.pop("vocabulary").tobytes().decode("utf-8").split("\n")
        return {
            **arrays,
            "vocabulary": {t: i for i, t in enumerate(terms)},
            "temperature": temperature,
            "metadata": meta,
        }

    def load(self) -> EmotionModel:
        """Load (and verify) the weights now rather than on first use; returns self."""
        self._load()
        return self

    def _ngram_logits(self, text: str, w: Mapping[str, Any]) -> FloatArray:
        vocabulary: dict[str, int] = w["vocabulary"]
        tokens = _NGRAM_TOKEN.findall(text.lower())
        counts: dict[int, int] = {}
        for term in (*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))):
            j = vocabulary.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(len(LABELS), dtype=np.float32)
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        values = tf * w["idf"][idx]
        values /= np.linalg.norm(values)
        return np.asarray(values @ w["w_ngram"][idx], dtype=np.float32)

    def logits(self, texts: Sequence[str], embeddings: npt.ArrayLike) -> FloatArray:
        """Uncalibrated scores, one row per text (before the temperature)."""
        w = self._load()
        emb = np.asarray(embeddings, dtype=np.float32).reshape(len(texts), -1)
        dense = np.hstack([emb, np.stack([lexicon_features(t) for t in texts])]) if texts else emb
        out = dense.astype(np.float64) @ w["w_dense"] + w["bias"]
        for row, text in enumerate(texts):
            out[row] += self._ngram_logits(text, w)
        return np.asarray(out, dtype=np.float32)

    def predict(self, texts: Sequence[str], embeddings: npt.ArrayLike) -> FloatArray:
        """Calibrated probabilities over ``LABELS``, one row per text; rows sum to 1.

        ``embeddings`` are the shared encoder's vectors of the same texts, shape ``(len(texts), 384)``.
        """
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        z = self.logits(texts, embeddings).astype(np.float64) / self._load()["temperature"]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float32)

    def __getstate__(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.model_dir = state["model_dir"]
        self._lock = threading.Lock()
        self._weights = None


_SHARED: EmotionModel | None = None
_SHARED_LOCK = threading.Lock()


def get_model() -> EmotionModel:
    """The process-wide shipped head (created once; the weights load on first use)."""
    global _SHARED
    if _SHARED is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = EmotionModel()
    return _SHARED


# --- results, the classify contract and the analyser ---------------------------------------------


@dataclass(frozen=True, slots=True)
class EmotionResult:
    """One turn's emotion: the top label, calibrated probabilities, sentiment [-1, 1], intensity [0, 1]."""

    label: str
    scores: Mapping[str, float]
    sentiment: float
    intensity: float


def _results(probs: FloatArray, texts: Sequence[str]) -> list[EmotionResult]:
    out: list[EmotionResult] = []
    for row, text in zip(probs, texts, strict=True):
        p = row.astype(np.float64)
        out.append(
            EmotionResult(
                label=LABELS[int(p.argmax())],
                scores={label: float(v) for label, v in zip(LABELS, p, strict=True)},
                sentiment=sentiment_of(p),
                intensity=intensity_of(p, text),
            )
        )
    return out


def classify_emotion(
    texts: Sequence[str], contexts: Sequence[str | None] | None = None, *, model: EmotionModel | None = None
) -> list[EmotionResult]:
    """The customer's emotion in each text (the ``warmline classify --task emotion`` contract).

    ``contexts`` (the previous customer turn of each text, or ``None``) is accepted for the contract;
    the v1 head does not read it, because previous-turn context did not help on MELD dev (see the
    model card).

    Examples
    --------
    >>> [r] = classify_emotion(["I'm really worried someone has been using my card"], [None])
    >>> r.label
    'anxiety'
    """
    if contexts is not None and len(contexts) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
    if len(texts) == 0:
        return []
    from warmline.encoders import get_encoder

    head = model or get_model()
    cleaned = [clean_text(t) for t in texts]
    return _results(head.predict(cleaned, get_encoder().encode(cleaned)), cleaned)


@register("warmline.customer_emotion.v1")
class CustomerEmotionAnalyser:
    """The customer's emotion in every customer turn, from the shared turn embedding.

    Reads each turn's ``TurnEmbedding`` from ``prior`` (produced by ``warmline.embedding.v1``) and
    encodes a turn itself only where none is there, or where the turn holds @handles or links: the
    head reads the text without them (``clean_text``). Agent, bot and system turns get nothing.

    Parameters
    ----------
    model_dir
        Folder holding another ``customer_emotion.json`` and its weights; the shipped head by default.

    Examples
    --------
    >>> from warmline.model import Conversation, Role, Turn
    >>> convo = Conversation(id="c1", turns=(Turn(0, Role.CUSTOMER, "Thanks, that's sorted it!"),))
    >>> [emotion] = CustomerEmotionAnalyser().annotate([convo], [[]])[0]
    >>> emotion.label
    'satisfaction'
    """

    name = "warmline.customer_emotion.v1"
    requires: tuple[str, ...] = ("embedding",)
    assigns: tuple[str, ...] = ("customer_emotion",)

    def __init__(self, *, model_dir: str | Path | None = None) -> None:
        self.model_dir = model_dir

    @property
    def model(self) -> EmotionModel:
        if self.model_dir is None:
            return get_model()
        cached: EmotionModel | None = self.__dict__.get("_model")
        if cached is None:
            cached = EmotionModel(model_dir=self.model_dir)
            self.__dict__["_model"] = cached
        return cached

    @staticmethod
    def _embeddings(turns: Sequence[Turn], texts: Sequence[str], found: Sequence[TurnEmbedding | None]) -> FloatArray:
        from warmline.encoders import get_encoder

        encoder = get_encoder()
        out = np.zeros((len(turns), encoder.dim), dtype=np.float32)
        missing: list[int] = []
        for row, (turn, text, emb) in enumerate(zip(turns, texts, found, strict=True)):
            # the shared vector is of the raw text; one from another encoder would mean nothing to this head
            if text == turn.text and emb is not None and emb.model == encoder.name and len(emb.vector) == encoder.dim:
                out[row] = emb.vector
            else:
                missing.append(row)
        if missing:
            out[missing] = encoder.encode([texts[i] for i in missing])
        return out

    def _annotations(self, turns: Sequence[Turn], found: Sequence[TurnEmbedding | None]) -> list[CustomerEmotion]:
        if not turns:
            return []
        texts = [clean_text(t.text) for t in turns]
        results = _results(self.model.predict(texts, self._embeddings(turns, texts, found)), texts)
        return [
            CustomerEmotion(
                analyser=self.name,
                turn_index=turn.index,
                label=r.label,
                scores=dict(r.scores),
                sentiment=r.sentiment,
                intensity=r.intensity,
            )
            for turn, r in zip(turns, results, strict=True)
        ]

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        if turn.role is not Role.CUSTOMER:
            return []
        emb = next((a for a in prior if isinstance(a, TurnEmbedding) and a.turn_index == turn.index), None)
        return list(self._annotations([turn], [emb]))

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        turns: list[Turn] = []
        found: list[TurnEmbedding | None] = []
        owner: list[int] = []
        for position, (convo, convo_prior) in enumerate(zip(conversations, prior, strict=True)):
            by_turn = {a.turn_index: a for a in convo_prior if isinstance(a, TurnEmbedding)}
            for turn in convo.customer_turns():
                turns.append(turn)
                found.append(by_turn.get(turn.index))
                owner.append(position)
        out: list[list[Annotation]] = [[] for _ in conversations]
        for position, annotation in zip(owner, self._annotations(turns, found), strict=True):
            out[position].append(annotation)
        return out
