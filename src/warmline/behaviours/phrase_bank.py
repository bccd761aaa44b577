"""The phrase bank: example phrases, regex cues and hard negatives that find agent behaviours in clauses.

A contact center extends it without code, with a YAML file of the same shape as the shipped
``warmline/data/phrase_bank.yaml`` (see ``docs/phrase-bank.md``). A clause shows a behaviour when one
of the behaviour's patterns hits it, or when its embedding is at least ``threshold`` cosine-similar to
the nearest example phrase; a ``not_if`` pattern that hits the clause vetoes both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import yaml

from warmline.behaviours.catalogue import BEHAVIOURS
from warmline.errors import ConfigError

#: The phrase bank shipped with warmline.
SHIPPED_PATH = Path(str(files("warmline") / "data" / "phrase_bank.yaml"))

#: Confidence of a customer's name or an honorific + surname found in an agent turn.
NAME_CONFIDENCE = 0.95

_FIELDS = frozenset({"threshold", "examples", "patterns", "not_if"})

# Curly apostrophes are mapped to straight ones before matching; one character for one keeps spans valid.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)|[.!?]+")
# Clause boundaries inside a sentence: a contrast or consequence, a semicolon, a dash.
_CLAUSE_BREAK = re.compile(
    r"\s*[;:]\s+|\s+[—–-]\s+|,\s*(?=(?:but|although|though|however|so|because|and then|which means)\b)"
    r"|\s+(?=(?:but|however)\s)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9£$€%']+")


class Encoder(Protocol):
    """What the phrase bank needs from the shared sentence encoder."""

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True, slots=True)
class Clause:
    """A sentence or a clause of an agent turn: ``text`` is ``turn_text[start:end]``."""

    start: int
    end: int
    text: str
    sentence: int


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    """A behaviour the phrase bank found in a turn, with the span that shows it.

    ``how`` is ``"pattern"`` (a regex hit), ``"similarity"`` (nearest example at or above the
    threshold; ``similarity`` holds the cosine) or ``"name"`` (personalisation by the customer's name).
    """

    behaviour: str
    confidence: float
    start: int
    end: int
    text: str
    how: str
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class BehaviourPhrases:
    """Everything the bank holds for one behaviour."""

    behaviour: str
    threshold: float
    examples: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    not_if: tuple[re.Pattern[str], ...] = ()

    def vetoed(self, text: str) -> bool:
        return any(p.search(text) for p in self.not_if)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Maps a similarity to a confidence: ``sigmoid(slope * (similarity - threshold) + intercept)``."""

    slope: float = 12.0
    intercept: float = 0.4
    pattern_confidence: float = 0.9

    def confidence(self, similarity: float, threshold: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.slope * (similarity - threshold) + self.intercept)))


@dataclass(slots=True)
class PhraseBank:
    """Example phrases, patterns and hard negatives per behaviour, loaded from YAML.

    Examples
    --------
    >>> bank = PhraseBank.load()
    >>> [m.behaviour for m in bank.match("Calm down, it's policy.")]
    ['dismissive', 'negative_language']
    """

    behaviours: dict[str, BehaviourPhrases]
    calibration: Calibration = field(default_factory=Calibration)
    head_thresholds: dict[str, float] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    _vectors: npt.NDArray[np.float32] | None = field(default=None, repr=False)
    _owners: npt.NDArray[np.int64] | None = field(default=None, repr=False)

    # --- loading --------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None, *, extra_paths: Iterable[str | Path] = ()) -> PhraseBank:
        """Load a phrase bank (``None``: the shipped one) and merge contact-center files on top.

        An extra file adds examples, patterns and ``not_if`` patterns to a behaviour and may replace
        its threshold, calibration values or head thresholds; it cannot remove anything.

        Raises
        ------
        ConfigError
            naming the file, the behaviour and the field: an unknown behaviour id, missing examples,
            a threshold outside [0, 1], a regex that does not compile.
        """
        base = Path(path) if path is not None else SHIPPED_PATH
        behaviours, values, heads = _parse_file(base, overlay=False)
        calibration = Calibration(**values)
        paths = [str(base)]
        for extra in extra_paths:
            more, extra_values, extra_heads = _parse_file(Path(extra), overlay=True)
            paths.append(str(extra))
            calibration = replace(calibration, **extra_values)
            heads.update(extra_heads)
            for bid, entry in more.items():
                behaviours[bid] = _merge(behaviours.get(bid), entry, Path(extra))
        return cls(behaviours=behaviours, calibration=calibration, head_thresholds=heads, paths=tuple(paths))

    # --- matching -------------------------------------------------------------------------------

    @property
    def examples(self) -> list[tuple[str, str]]:
        """Every (behaviour, example phrase) pair, in bank order."""
        return [(bid, ex) for bid, entry in self.behaviours.items() for ex in entry.examples]

    def example_vectors(self, encoder: Encoder) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """The example phrases encoded once (cached on the bank) and the behaviour index of each row."""
        if self._vectors is None or self._owners is None:
            pairs = self.examples
            order = list(self.behaviours)
            if pairs:
                self._vectors = np.asarray(encoder.encode([ex for _, ex in pairs]), dtype=np.float32)
            else:
                self._vectors = np.zeros((0, 0), dtype=np.float32)
            self._owners = np.asarray([order.index(bid) for bid, _ in pairs], dtype=np.int64)
        return self._vectors, self._owners

    def match(
        self,
        text: str,
        clause_vectors: npt.NDArray[np.float32] | None = None,
        *,
        clauses: Sequence[Clause] | None = None,
        customer_names: Sequence[str] = (),
        encoder: Encoder | None = None,
    ) -> list[PhraseMatch]:
        """Every behaviour the bank finds in one agent turn, at most one match per behaviour.

        ``clause_vectors`` are the embeddings of ``clauses`` (default ``split_clauses(text)``), one row
        each; without them only the patterns and rules run (the keyword baseline). ``encoder`` is
        needed with vectors, to encode the examples on first use. A pattern hit beats a similarity hit
        for the same behaviour; among either, the most confident one is kept.
        """
        norm = text.translate(_APOSTROPHES)
        clauses = list(clauses) if clauses is not None else split_clauses(text)
        best: dict[str, PhraseMatch] = {}

        def offer(m: PhraseMatch) -> None:
            held = best.get(m.behaviour)
            rank = (m.how != "similarity", m.confidence)
            if held is None or rank > (held.how != "similarity", held.confidence):
                best[m.behaviour] = m

        for bid, entry in self.behaviours.items():
            for pattern in entry.patterns:
                for hit in pattern.finditer(norm):
                    if hit.end() <= hit.start():
                        continue
                    home = _clause_holding(clauses, hit.start(), hit.end()) or Clause(0, len(text), text, 0)
                    if entry.vetoed(home.text.translate(_APOSTROPHES)):
                        continue
                    conf = self.calibration.pattern_confidence
                    offer(PhraseMatch(bid, conf, hit.start(), hit.end(), text[hit.start() : hit.end()], "pattern"))
        if "personalisation" in self.behaviours:
            for m in find_names(text, customer_names):
                offer(m)
        if clause_vectors is not None and len(clauses) and encoder is not None:
            for m in self._similar(clauses, clause_vectors, encoder):
                offer(m)
        order = list(self.behaviours)
        return sorted(best.values(), key=lambda m: (order.index(m.behaviour), m.start))

    def best_similarities(
        self, clauses: Sequence[Clause], clause_vectors: npt.NDArray[np.float32], encoder: Encoder
    ) -> dict[str, tuple[float, Clause]]:
        """Per behaviour with examples, the most similar eligible clause and its cosine, whatever the threshold.

        A clause is eligible when it has at least two words and no ``not_if`` pattern of the behaviour hits it.
        """
        vectors, owners = self.example_vectors(encoder)
        if vectors.size == 0 or not len(clauses):
            return {}
        sims = np.asarray(clause_vectors, dtype=np.float32) @ vectors.T
        eligible_text = [not _too_short(c.text) for c in clauses]
        found: dict[str, tuple[float, Clause]] = {}
        for b, (bid, entry) in enumerate(self.behaviours.items()):
            columns = owners == b
            if not columns.any():
                continue
            per_clause = sims[:, columns].max(axis=1)
            for c in np.argsort(-per_clause, kind="stable"):
                clause = clauses[int(c)]
                if eligible_text[int(c)] and not entry.vetoed(clause.text.translate(_APOSTROPHES)):
                    found[bid] = (float(per_clause[c]), clause)
                    break
        return found

    def _similar(
        self, clauses: Sequence[Clause], clause_vectors: npt.NDArray[np.float32], encoder: Encoder
    ) -> list[PhraseMatch]:
        found: list[PhraseMatch] = []
        for bid, (sim, clause) in self.best_similarities(clauses, clause_vectors, encoder).items():
            threshold = self.behaviours[bid].threshold
            if sim >= threshold:
                conf = self.calibration.confidence(sim, threshold)
                found.append(PhraseMatch(bid, conf, clause.start, clause.end, clause.text, "similarity", sim))
        return found


# --- clauses ----------------------------------------------------------------------------------


def split_clauses(text: str) -> list[Clause]:
    """Sentences of ``text``, then the clauses of each sentence that has more than one.

    Each clause is stripped of surrounding spaces; ``text[c.start:c.end] == c.text`` always holds.

    Examples
    --------
    >>> [c.text for c in split_clauses("I'm sorry, but that's policy. Anything else?")]
    ["I'm sorry, but that's policy.", "I'm sorry", "but that's policy.", 'Anything else?']
    """
    out: list[Clause] = []
    for s_index, sent in enumerate(_SENTENCE.finditer(text)):
        s_start, s_end = _strip(text, sent.start(), sent.end())
        if s_end <= s_start or not _WORD.search(text[s_start:s_end]):
            continue
        out.append(Clause(s_start, s_end, text[s_start:s_end], s_index))
        pieces: list[tuple[int, int]] = []
        cursor = s_start
        for brk in _CLAUSE_BREAK.finditer(text, s_start, s_end):
            pieces.append((cursor, brk.start()))
            cursor = brk.end()
        pieces.append((cursor, s_end))
        kept = [(a, b) for a, b in (_strip(text, a, b) for a, b in pieces) if b > a and _WORD.search(text[a:b])]
        if len(kept) > 1:
            out.extend(Clause(a, b, text[a:b], s_index) for a, b in kept)
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\r\n,":
        start += 1
    while end > start and text[end - 1] in " \t\r\n,":
        end -= 1
    return start, end


def _too_short(text: str) -> bool:
    # a lone word ("Right.", "Okay") is too little for a similarity to mean anything
    return len(_WORD.findall(text)) < 2


def _clause_holding(clauses: Sequence[Clause], start: int, end: int) -> Clause | None:
    holding = [c for c in clauses if c.start <= start and end <= c.end]
    return min(holding, key=lambda c: c.end - c.start) if holding else None


# --- personalisation by name --------------------------------------------------------------------

_NAME = r"([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?: [A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)?)"
_GIVEN_NAME = [
    re.compile(r"\b[Mm]y name(?:'s| is) " + _NAME),
    re.compile(r"\b(?:[Tt]his|[Ii]t) is " + _NAME + r"(?= here| speaking| calling|[,.!]|$)"),
    re.compile(r"\b(?:I'm|I am) " + _NAME + r"(?= here| speaking| calling|,| from|$)"),
    re.compile(r"\b[Nn]ame(?:'s| is) " + _NAME),
    re.compile(r"\b[Ii]t's " + _NAME + r"(?= here| speaking| calling|[,.!]|$)"),
]
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.? [A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b")
# Capitalised words that follow "this is" / "I'm" without being names.
_NOT_NAMES_TEXT = (
    "I A An The My Our Your This That It Not So Very Really Just Still Also Absolutely Totally Completely "
    "Sorry Fine Okay Ok Good Great Calling Here Ridiculous Unacceptable Urgent Important Annoying Frustrating "
    "Happy Sad Angry Upset Confused Worried Done Ready Trying Afraid Sure Glad Back Now Again Today Tomorrow "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Christmas Easter Customer Service Support Billing Sales"
)
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


def names_in(text: str) -> list[str]:
    """Names a customer gives for themselves ("my name is Ana Ruiz", "this is Dev"), full and first.

    Examples
    --------
    >>> names_in("Hi, this is Maria Lopez, I'm calling about my bill")
    ['Maria Lopez', 'Maria']
    """
    found: list[str] = []
    norm = text.translate(_APOSTROPHES)
    for pattern in _GIVEN_NAME:
        for m in pattern.finditer(norm):
            found.extend(_name_forms(m.group(1)))
    return list(dict.fromkeys(found))


def _name_forms(name: str) -> list[str]:
    parts = [p for p in name.split() if p not in _NOT_NAMES]
    if not parts:
        return []
    # full name and first name; a bare surname is left to the honorific rule ("Mrs Green", not "Green tariff")
    forms = [" ".join(parts), parts[0]] if len(parts) > 1 else parts
    return [f for f in forms if len(f) > 1]


def customer_names(metadata: Mapping[str, Any], customer_texts: Iterable[str]) -> list[str]:
    """The customer's names: ``metadata["customer_name"]`` and names they gave in their own turns."""
    found: list[str] = []
    given = metadata.get("customer_name")
    if isinstance(given, str) and given.strip():
        found.extend(_name_forms(" ".join(given.split())) or [given.strip()])
    for text in customer_texts:
        found.extend(names_in(text))
    return list(dict.fromkeys(found))


def find_names(text: str, names: Sequence[str]) -> list[PhraseMatch]:
    """Personalisation by name: a known customer name, or an honorific with a surname, in an agent turn."""
    out: list[PhraseMatch] = []
    for name in sorted(set(names), key=len, reverse=True):
        m = re.search(r"(?<![\w'])" + re.escape(name) + r"(?![\w'])", text)
        if m:
            out.append(PhraseMatch("personalisation", NAME_CONFIDENCE, m.start(), m.end(), m.group(0), "name"))
            break
    m = _HONORIFIC.search(text)
    if m and not out:
        out.append(PhraseMatch("personalisation", NAME_CONFIDENCE, m.start(), m.end(), m.group(0), "name"))
    return out


# --- YAML -------------------------------------------------------------------------------------


def _parse_file(path: Path, *, overlay: bool) -> tuple[dict[str, BehaviourPhrases], dict[str, float], dict[str, float]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("phrase bank file not found", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("phrase bank is not UTF-8 text", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=path, line=line) from None
    if not isinstance(raw, Mapping):
        raise ConfigError("a phrase bank must be a mapping with a 'behaviours' key", path=path)
    unknown_top = set(raw) - {"version", "calibration", "head_thresholds", "behaviours"}
    if unknown_top:
        raise ConfigError(
            f"unknown key(s) {', '.join(sorted(map(str, unknown_top)))}; "
            "expected version, calibration, head_thresholds, behaviours",
            path=path,
            field=str(sorted(map(str, unknown_top))[0]),
        )
    calibration = _parse_calibration(raw.get("calibration"), path) if "calibration" in raw else {}
    heads = _parse_head_thresholds(raw.get("head_thresholds"), path) if "head_thresholds" in raw else {}
    entries = raw.get("behaviours", {} if overlay else None)
    if not isinstance(entries, Mapping) or (not entries and not overlay):
        raise ConfigError(
            "'behaviours' must be a mapping of behaviour id to its phrases", path=path, field="behaviours"
        )
    out: dict[str, BehaviourPhrases] = {}
    for bid, entry in entries.items():
        out[str(bid)] = _parse_entry(str(bid), entry, path, overlay=overlay)
    return out, calibration, heads


def _parse_head_thresholds(raw: Any, path: Path) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise ConfigError(
            "head_thresholds must be a mapping of behaviour id to probability", path=path, field="head_thresholds"
        )
    out: dict[str, float] = {}
    for bid, value in raw.items():
        where = f"head_thresholds.{bid}"
        spec = BEHAVIOURS.get(str(bid))
        if spec is None or spec.source.value not in ("model", "both"):
            heads = ", ".join(b.id for b in BEHAVIOURS.values() if b.source.value in ("model", "both"))
            raise ConfigError(f"{bid!r} is not scored by the heads; they score {heads}", path=path, field=where)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{value!r} is not a number", path=path, field=where)
        if not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"{value} is outside [0, 1]", path=path, field=where)
        out[str(bid)] = float(value)
    return out


def _parse_calibration(raw: Any, path: Path) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise ConfigError("calibration must be a mapping", path=path, field="calibration")
    values: dict[str, float] = {}
    for key in ("slope", "intercept", "pattern_confidence"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{value!r} is not a number", path=path, field=f"calibration.{key}")
            values[key] = float(value)
    if not 0.0 <= values.get("pattern_confidence", 0.9) <= 1.0:
        raise ConfigError("must be within [0, 1]", path=path, field="calibration.pattern_confidence")
    return values


def _parse_entry(bid: str, entry: Any, path: Path, *, overlay: bool) -> BehaviourPhrases:
    where = f"behaviours.{bid}"
    if bid not in BEHAVIOURS:
        raise ConfigError(f"unknown behaviour {bid!r}; known: {', '.join(BEHAVIOURS)}", path=path, field=where)
    if not isinstance(entry, Mapping):
        raise ConfigError("must be a mapping with examples, patterns, not_if, threshold", path=path, field=where)
    unknown = set(map(str, entry)) - _FIELDS
    if unknown:
        first = sorted(unknown)[0]
        raise ConfigError(
            f"unknown field; expected one of {', '.join(sorted(_FIELDS))}", path=path, field=f"{where}.{first}"
        )
    if overlay and not entry:
        raise ConfigError("adds nothing: give examples, patterns, not_if or threshold", path=path, field=where)
    threshold = entry.get("threshold", math.nan if overlay else None)
    if threshold is None:
        raise ConfigError("missing threshold (a cosine similarity in [0, 1])", path=path, field=f"{where}.threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ConfigError(f"{threshold!r} is not a number", path=path, field=f"{where}.threshold")
    if not math.isnan(threshold) and not 0.0 <= float(threshold) <= 1.0:
        raise ConfigError(f"{threshold} is outside [0, 1]", path=path, field=f"{where}.threshold")
    if not overlay and "examples" not in entry:
        raise ConfigError("missing examples (a list of phrases)", path=path, field=f"{where}.examples")
    examples = _strings(entry.get("examples", []), path, f"{where}.examples")
    patterns = tuple(
        _compile(p, path, f"{where}.patterns[{i}]")
        for i, p in enumerate(_strings(entry.get("patterns", []), path, f"{where}.patterns"))
    )
    not_if = tuple(
        _compile(p, path, f"{where}.not_if[{i}]")
        for i, p in enumerate(_strings(entry.get("not_if", []), path, f"{where}.not_if"))
    )
    if not overlay and not examples and not patterns:
        raise ConfigError("no examples and no patterns: give at least one", path=path, field=f"{where}.examples")
    return BehaviourPhrases(bid, float(threshold), tuple(examples), patterns, not_if)


def _strings(value: Any, path: Path, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError("must be a list of strings", path=path, field=where)
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{item!r} is not a non-empty string", path=path, field=f"{where}[{i}]")
        out.append(item.strip())
    return out


def _compile(pattern: str, path: Path, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"invalid regular expression {pattern!r}: {exc}", path=path, field=where) from None


def _merge(base: BehaviourPhrases | None, extra: BehaviourPhrases, path: Path) -> BehaviourPhrases:
    if base is None:
        if math.isnan(extra.threshold):
            raise ConfigError(
                "a behaviour new to the bank needs a threshold",
                path=path,
                field=f"behaviours.{extra.behaviour}.threshold",
            )
        return extra
    return BehaviourPhrases(
        base.behaviour,
        base.threshold if math.isnan(extra.threshold) else extra.threshold,
        base.examples + tuple(e for e in extra.examples if e not in base.examples),
        base.patterns + extra.patterns,
        base.not_if + extra.not_if,
    )


@lru_cache(maxsize=1)
def shipped_bank() -> PhraseBank:
    """The shipped phrase bank, loaded once per process (its example embeddings are cached on it)."""
    return PhraseBank.load()
