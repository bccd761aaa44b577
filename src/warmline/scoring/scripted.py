"""Rote and scripted phrasing: near-duplicate agent statements repeated in a conversation, across one
agent's conversations, or across a team. Sincerity cannot come from a script.

Statements are compared by the shared sentence embedding (cosine), so "I understand your
frustration" and "I totally understand your frustration" count as the same line.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

import numpy as np

from warmline.analysers.base import register
from warmline.model import Annotation, Behaviour, Conversation, Evidence, Role, ScriptedPhrase, Turn
from warmline.text import sentence_spans

#: Behaviours whose statements must not sound scripted across conversations.
EMPATHY_STATEMENTS = ("acknowledge_emotion", "apology", "reassurance", "appreciation", "paraphrase", "ownership")

_CACHE_SIZE = 20_000
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_cache_lock = Lock()


def _encode(sentences: Sequence[str]) -> np.ndarray:
    """Sentence embeddings through the shared encoder, with a process-wide LRU cache (live sessions
    compare each new statement against the earlier ones again and again)."""
    from warmline.encoders import get_encoder

    missing = [s for s in dict.fromkeys(sentences) if s not in _cache]
    if missing:
        vectors = get_encoder().encode(missing)
        with _cache_lock:
            for s, v in zip(missing, vectors, strict=True):
                _cache[s] = v
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    with _cache_lock:
        rows = []
        for s in sentences:
            if s in _cache:
                _cache.move_to_end(s)
                rows.append(_cache[s])
            else:  # evicted by a concurrent session between the two steps: encode again
                rows.append(get_encoder().encode([s])[0])
    return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class _Statement:
    turn_index: int
    start: int
    end: int
    text: str
    empathic: bool

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.turn_index, self.start, self.end, self.text)


@register("warmline.scripted_phrases.v1")
class ScriptedPhrasesAnalyser:
    """Flags agent statements repeated near word for word.

    Parameters
    ----------
    similarity:
        cosine at or above which two statements are the same line.
    min_words:
        shorter statements ("One moment.") are never counted.
    min_repeats:
        occurrences in one conversation that make a statement scripted.
    agent_min_conversations, team_min_agents:
        an empathy statement an agent uses in this many of their conversations (in the batch), or
        that this many agents of a team use, is reported at those scopes.
    """

    name = "warmline.scripted_phrases.v1"
    requires: tuple[str, ...] = ("embedding", "behaviours")
    assigns: tuple[str, ...] = ("scripted_phrases",)

    def __init__(
        self,
        *,
        similarity: float = 0.85,
        min_words: int = 4,
        min_repeats: int = 2,
        agent_min_conversations: int = 3,
        team_min_agents: int = 3,
    ) -> None:
        self.similarity = similarity
        self.min_words = min_words
        self.min_repeats = min_repeats
        self.agent_min_conversations = agent_min_conversations
        self.team_min_agents = team_min_agents

    # --- entry points ---------------------------------------------------------------------------

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        statements = [self._statements(c.turns, found) for c, found in zip(conversations, prior, strict=True)]
        flat = [s.text for stmts in statements for s in stmts]
        vectors = _encode(flat)
        out: list[list[Annotation]] = []
        offset = 0
        per_convo_vectors: list[np.ndarray] = []
        for stmts in statements:
            vecs = vectors[offset : offset + len(stmts)]
            per_convo_vectors.append(vecs)
            offset += len(stmts)
            out.append(list(self._within(stmts, vecs)))
        for i, extra in self._across(conversations, statements, per_convo_vectors).items():
            out[i].extend(extra)
        return out

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        if turn.role is not Role.AGENT:
            return []
        stmts = self._statements((*history.turns, turn), prior)
        found = list(self._within(stmts, _encode([s.text for s in stmts])))
        return [a for a in found if a.turn_index == turn.index]

    # --- detection ------------------------------------------------------------------------------

    def _statements(self, turns: Sequence[Turn], found: Sequence[Annotation]) -> list[_Statement]:
        empathic_spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for ann in found:
            if isinstance(ann, Behaviour) and ann.behaviour in EMPATHY_STATEMENTS:
                for ev in ann.evidence:
                    empathic_spans[ev.turn_index].append((ev.start, ev.end))
        out: list[_Statement] = []
        for turn in turns:
            if turn.role is not Role.AGENT:
                continue
            for start, end in sentence_spans(turn.text):
                text = turn.text[start:end]
                if len(text.split()) < self.min_words:
                    continue
                empathic = any(s < end and start < e for s, e in empathic_spans.get(turn.index, []))
                out.append(_Statement(turn.index, start, end, text, empathic))
        return out

    def _within(self, stmts: Sequence[_Statement], vectors: np.ndarray) -> list[ScriptedPhrase]:
        """A repeat at each turn where a statement recurs, counting the occurrences so far."""
        found: list[ScriptedPhrase] = []
        if len(stmts) < 2:
            return found
        sims = vectors @ vectors.T
        for j in range(len(stmts)):
            earlier = [
                i
                for i in range(j)
                if stmts[i].turn_index != stmts[j].turn_index
                and (sims[i, j] >= self.similarity or _same(stmts[i].text, stmts[j].text))
            ]
            if len(earlier) + 1 < self.min_repeats:
                continue
            first = stmts[earlier[0]]
            found.append(
                ScriptedPhrase(
                    analyser=self.name,
                    turn_index=stmts[j].turn_index,
                    phrase=first.text,
                    scope="conversation",
                    occurrences=len(earlier) + 1,
                    similarity=round(float(min(sims[i, j] for i in earlier)), 4),
                    evidence=(stmts[j].evidence, *(stmts[i].evidence for i in earlier)),
                )
            )
        return found

    def _across(
        self,
        conversations: Sequence[Conversation],
        statements: Sequence[Sequence[_Statement]],
        vectors: Sequence[np.ndarray],
    ) -> dict[int, list[Annotation]]:
        """Empathy statements an agent reuses across their conversations, or a team shares."""
        pool: list[tuple[int, _Statement, np.ndarray]] = [
            (ci, s, v)
            for ci, (stmts, vecs) in enumerate(zip(statements, vectors, strict=True))
            for s, v in zip(stmts, vecs, strict=True)
            if s.empathic
        ]
        out: dict[int, list[Annotation]] = defaultdict(list)
        if len(pool) < 2:
            return out
        matrix = np.vstack([v for _, _, v in pool])
        sims = matrix @ matrix.T
        clusters: list[list[int]] = []
        assigned: set[int] = set()
        for i in range(len(pool)):
            if i in assigned:
                continue
            members = [j for j in range(i, len(pool)) if j not in assigned and sims[i, j] >= self.similarity]
            assigned.update(members)
            clusters.append(members)
        for members in clusters:
            convo_ids = sorted({pool[j][0] for j in members})
            if len(convo_ids) < 2:
                continue
            phrase = pool[members[0]][1].text
            by_agent: dict[str | None, set[int]] = defaultdict(set)
            by_team: dict[str | None, set[str]] = defaultdict(set)
            for ci in convo_ids:
                convo = conversations[ci]
                by_agent[convo.agent_id].add(ci)
                if convo.agent_id:
                    by_team[convo.team].add(convo.agent_id)
            for agent, cis in by_agent.items():
                if agent is None or len(cis) < self.agent_min_conversations:
                    continue
                for ci in sorted(cis):
                    out[ci].append(self._scoped(phrase, "agent", len(cis), members, pool, ci))
            for team, agents in by_team.items():
                if len(agents) < self.team_min_agents:
                    continue
                for ci in convo_ids:
                    if conversations[ci].team == team:
                        out[ci].append(self._scoped(phrase, "team", len(agents), members, pool, ci))
        return out

    def _scoped(
        self, phrase: str, scope: str, count: int, members: list[int], pool: list[tuple[int, _Statement, Any]], ci: int
    ) -> ScriptedPhrase:
        return ScriptedPhrase(
            analyser=self.name,
            turn_index=None,
            phrase=phrase,
            scope=scope,
            occurrences=count,
            similarity=self.similarity,
            evidence=tuple(pool[j][1].evidence for j in members if pool[j][0] == ci),
        )


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join("".join(ch for ch in s.lower() if ch.isalnum() or ch.isspace()).split())

    return norm(a) == norm(b)
