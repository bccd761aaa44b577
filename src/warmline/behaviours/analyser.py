"""The combined agent-behaviour analyser: data-trained heads plus the phrase bank, each detection with evidence.

warmline reads what an agent turn *does* (acknowledges, takes ownership, blames), never how the agent
feels. For every agent turn the heads score their behaviours in the context of the customer turn
before it, the phrase bank matches its examples, patterns and rules clause by clause, and one
``Behaviour`` annotation per detected behaviour carries the span of the turn that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from warmline.analysers.base import register
from warmline.behaviours.catalogue import BEHAVIOURS
from warmline.behaviours.phrase_bank import (
    PhraseBank,
    PhraseMatch,
    customer_names,
    names_in,
    shipped_bank,
    split_clauses,
)
from warmline.model import Annotation, Behaviour, Conversation, Evidence, Role, Turn, TurnEmbedding

FloatArray = npt.NDArray[np.float32]

#: The source recorded when the heads and the phrase bank both found a behaviour in a turn.
BOTH_SOURCES = "model+phrase_bank"


@dataclass(frozen=True, slots=True)
class AgentTurnInput:
    """One agent turn to classify, with what the analyser knows around it."""

    turn_index: int
    text: str
    context: str | None = None
    names: tuple[str, ...] = ()
    vector: FloatArray | None = None
    context_vector: FloatArray | None = None


@dataclass(frozen=True, slots=True)
class Detection:
    """A behaviour found in one agent turn: ``spans`` are ``(start, end)`` in the turn text, best first."""

    behaviour: str
    confidence: float
    source: str
    spans: tuple[tuple[int, int], ...]


def detect(
    turns: Sequence[AgentTurnInput],
    *,
    bank: PhraseBank | None = None,
    use_heads: bool = True,
    use_similarity: bool = True,
) -> list[list[Detection]]:
    """Find the behaviours in a batch of agent turns; every clause of every turn is encoded in one call.

    Parameters
    ----------
    turns
        The agent turns, each with its context (the customer turn before it) and known customer names.
    bank
        The phrase bank; the shipped one by default.
    use_heads, use_similarity
        Switch off the data-trained heads or the phrase bank's example similarity (with both off only
        the patterns and rules run: the keyword baseline of ``training/eval_agent_behaviours.py``).

    Returns
    -------
    list of list of Detection
        Per turn, one detection per behaviour, in catalogue order.
    """
    bank = bank if bank is not None else shipped_bank()
    clauses = [split_clauses(t.text) for t in turns]
    clause_vectors: list[FloatArray | None] = [None] * len(turns)
    encoder = None
    if use_similarity and any(clauses):
        encoder = _encoder()
        unique: dict[str, int] = {}
        for found in clauses:
            for c in found:
                unique.setdefault(c.text, len(unique))
        encoded = encoder.encode(list(unique))
        clause_vectors = [encoded[[unique[c.text] for c in found]] if found else None for found in clauses]

    head_results = _heads(turns, bank.head_thresholds) if use_heads else [[] for _ in turns]
    out: list[list[Detection]] = []
    for t, found, vectors, heads in zip(turns, clauses, clause_vectors, head_results, strict=True):
        matches = bank.match(t.text, vectors, clauses=found, customer_names=t.names, encoder=encoder)
        out.append(_combine(matches, heads))
    return out


def _heads(
    turns: Sequence[AgentTurnInput], thresholds: Mapping[str, float]
) -> list[list[tuple[str, float, tuple[int, int]]]]:
    """Head detections per turn; ``thresholds`` (the bank's ``head_thresholds``) replace the heads' own."""
    from warmline.behaviours.heads import get_heads

    heads = get_heads()
    texts = [t.text for t in turns]
    contexts = [t.context if t.context and t.context.strip() else None for t in turns]
    agent_vectors = None
    if turns and all(t.vector is not None for t in turns):
        agent_vectors = np.stack([np.asarray(t.vector, dtype=np.float32) for t in turns])
    context_vectors = None
    with_context = [t for t, c in zip(turns, contexts, strict=True) if c is not None]
    if with_context and all(t.context_vector is not None for t in with_context):
        dim = len(with_context[0].context_vector)  # type: ignore[arg-type]
        context_vectors = np.stack(
            [
                np.asarray(t.context_vector, dtype=np.float32) if c is not None else np.zeros(dim, dtype=np.float32)
                for t, c in zip(turns, contexts, strict=True)
            ]
        )
    results = heads.predict(texts, contexts, agent_embeddings=agent_vectors, context_embeddings=context_vectors)
    return [
        [
            (r.behaviour, float(r.probability), r.span)
            for r in per_turn
            if r.probability >= thresholds.get(r.behaviour, r.threshold)
        ]
        for per_turn in results
    ]


def _combine(matches: Sequence[PhraseMatch], heads: Sequence[tuple[str, float, tuple[int, int]]]) -> list[Detection]:
    found: dict[str, Detection] = {}
    for m in matches:
        found[m.behaviour] = Detection(m.behaviour, m.confidence, "phrase_bank", ((m.start, m.end),))
    for behaviour, probability, span in heads:
        spans = (span,) if span[1] > span[0] else ()
        held = found.get(behaviour)
        if held is None:
            found[behaviour] = Detection(behaviour, probability, "model", spans)
            continue
        # both fired: keep the more confident one's span first and note both sources
        if probability > held.confidence:
            merged = spans + tuple(s for s in held.spans if s not in spans)
            found[behaviour] = Detection(behaviour, probability, BOTH_SOURCES, merged)
        else:
            merged = held.spans + tuple(s for s in spans if s not in held.spans)
            found[behaviour] = Detection(behaviour, held.confidence, BOTH_SOURCES, merged)
    order = list(BEHAVIOURS)
    return sorted(found.values(), key=lambda d: order.index(d.behaviour) if d.behaviour in order else len(order))


def _encoder() -> Any:
    from warmline.encoders import get_encoder

    return get_encoder()


def _vector_of(prior: Sequence[Annotation], turn_index: int) -> FloatArray | None:
    """The shared embedding of a turn from earlier analysers, when it came from the shared encoder."""
    for a in prior:
        if isinstance(a, TurnEmbedding) and a.turn_index == turn_index and a.vector:
            if a.model and a.model != _encoder().name:
                return None
            return np.asarray(a.vector, dtype=np.float32)
    return None


def _context_turn(turns: Sequence[Turn], before: int) -> Turn | None:
    for turn in reversed(turns):
        if turn.index < before and turn.role is Role.CUSTOMER:
            return turn
    return None


@register("warmline.agent_behaviours.v1")
class AgentBehaviours:
    """Finds empathic behaviours and anti-patterns in every agent turn, each with its evidence span.

    Combines the data-trained heads (acknowledge emotion, paraphrase, open question, reassurance,
    self-disclosure, suggestion, information) with the phrase bank (ownership, appreciation, apology,
    next steps, understanding and closure checks, personalisation and the anti-patterns). When both
    find a behaviour in a turn, the more confident detection is kept and ``source`` is
    ``"model+phrase_bank"``.

    Parameters
    ----------
    phrase_banks
        A contact center's own phrase bank files, merged on top of the shipped one.
    use_heads
        Run the data-trained heads (needs their shipped weights).

    Examples
    --------
    >>> from warmline.model import Conversation, Role, Turn
    >>> convo = Conversation(id="c1", turns=(Turn(0, Role.CUSTOMER, "I was charged twice!"),
    ...                                      Turn(1, Role.AGENT, "Calm down, it's policy.")))
    >>> sorted(b.behaviour for b in AgentBehaviours().annotate([convo], [[]])[0])   # doctest: +SKIP
    ['dismissive', 'negative_language']
    """

    name = "warmline.agent_behaviours.v1"
    requires: tuple[str, ...] = ("embedding",)
    assigns: tuple[str, ...] = ("behaviours",)

    def __init__(self, *, phrase_banks: Sequence[str | Path] = (), use_heads: bool = True) -> None:
        self.phrase_banks = phrase_banks
        self.use_heads = use_heads

    @property
    def bank(self) -> PhraseBank:
        if not self.phrase_banks:
            return shipped_bank()
        cached: PhraseBank | None = self.__dict__.get("_bank")
        if cached is None:
            cached = PhraseBank.load(extra_paths=self.phrase_banks)
            self.__dict__["_bank"] = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        return {"phrase_banks": tuple(self.phrase_banks), "use_heads": self.use_heads}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        if turn.role is not Role.AGENT:
            return []
        item = self._input(turn, history, prior)
        [found] = detect([item], bank=self.bank, use_heads=self.use_heads)
        return self._annotations(item, found)

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        items: list[tuple[int, AgentTurnInput]] = []
        for c, (convo, convo_prior) in enumerate(zip(conversations, prior, strict=True)):
            for turn in convo.turns:
                if turn.role is Role.AGENT:
                    items.append((c, self._input(turn, convo.upto(turn.index), convo_prior)))
        found = detect([i for _, i in items], bank=self.bank, use_heads=self.use_heads) if items else []
        out: list[list[Annotation]] = [[] for _ in conversations]
        for (c, item), detections in zip(items, found, strict=True):
            out[c].extend(self._annotations(item, detections))
        return out

    def _input(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> AgentTurnInput:
        context = _context_turn(history.turns, turn.index)
        names = customer_names(
            history.metadata, [t.text for t in history.turns if t.role is Role.CUSTOMER and t.index < turn.index]
        )
        return AgentTurnInput(
            turn_index=turn.index,
            text=turn.text,
            context=context.text if context is not None else None,
            names=tuple(names),
            vector=_vector_of(prior, turn.index),
            context_vector=_vector_of(prior, context.index) if context is not None else None,
        )

    def _annotations(self, item: AgentTurnInput, found: Sequence[Detection]) -> list[Annotation]:
        out: list[Annotation] = []
        for d in found:
            spec = BEHAVIOURS[d.behaviour]
            evidence = tuple(Evidence(item.turn_index, s, e, item.text[s:e]) for s, e in d.spans)
            out.append(
                Behaviour(
                    analyser=self.name,
                    turn_index=item.turn_index,
                    behaviour=d.behaviour,
                    confidence=round(min(1.0, max(0.0, d.confidence)), 4),
                    polarity=spec.polarity.value,
                    evidence=evidence,
                    source=d.source,
                )
            )
        return out


def classify_behaviours(texts: Sequence[str], contexts: Sequence[str | None]) -> list[list[dict[str, Any]]]:
    """Behaviours in standalone agent turns, for ``warmline classify --task behaviours``.

    Each ``contexts[i]`` is the customer turn before ``texts[i]`` (or ``None``); a name the customer
    gave there ("this is Ana") counts for personalisation.

    Examples
    --------
    >>> classify_behaviours(["That's not my department."], [None])[0][0]["id"]   # doctest: +SKIP
    'negative_language'
    """
    if len(texts) != len(contexts):
        raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
    items = [
        AgentTurnInput(i, text, context, tuple(names_in(context)) if context else ())
        for i, (text, context) in enumerate(zip(texts, contexts, strict=True))
    ]
    found = detect(items) if items else []
    return [
        [
            {
                "id": d.behaviour,
                "confidence": round(min(1.0, max(0.0, d.confidence)), 4),
                "evidence": [{"start": s, "end": e, "text": item.text[s:e]} for s, e in d.spans],
            }
            for d in detections
        ]
        for item, detections in zip(items, found, strict=True)
    ]


__all__ = ["AgentBehaviours", "AgentTurnInput", "Detection", "classify_behaviours", "detect"]
