"""Plain view models of analyses for reports and pages: highlighted transcripts, timelines, batch summaries.

The HTML report and (later) the web pages render these; nothing here knows about HTML escaping
beyond producing text segments.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from warmline.model import (
    Analysis,
    Behaviour,
    CustomerEmotion,
    EmotionalMoment,
    Evidence,
    Role,
    Score,
    ScriptedPhrase,
    SentimentTrajectory,
    TalkMetrics,
    Turn,
)


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a turn's text and the highlights covering it (css classes and hover titles)."""

    text: str
    classes: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnView:
    turn: Turn
    segments: tuple[Segment, ...]
    emotion: CustomerEmotion | None
    behaviours: tuple[Behaviour, ...]
    scripted: tuple[ScriptedPhrase, ...]


@dataclass(frozen=True, slots=True)
class ConversationView:
    analysis: Analysis
    turns: tuple[TurnView, ...]
    score: Score | None
    moments: tuple[EmotionalMoment, ...]
    trajectory: SentimentTrajectory | None
    metrics: TalkMetrics | None
    scripted: tuple[ScriptedPhrase, ...]
    anchor: str

    @property
    def id(self) -> str:
        return self.analysis.conversation.id


def highlight(turn: Turn, spans: Sequence[tuple[Evidence, str, str]]) -> tuple[Segment, ...]:
    """Split a turn's text into segments at every highlight boundary, so overlapping evidence shows."""
    own = [(ev, cls, title) for ev, cls, title in spans if ev.turn_index == turn.index and 0 <= ev.start < ev.end]
    cuts = sorted(
        {
            0,
            len(turn.text),
            *(min(ev.start, len(turn.text)) for ev, _, _ in own),
            *(min(ev.end, len(turn.text)) for ev, _, _ in own),
        }
    )
    segments: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        if a == b:
            continue
        covering = [(cls, title) for ev, cls, title in own if ev.start <= a and b <= ev.end]
        segments.append(
            Segment(turn.text[a:b], tuple(dict.fromkeys(c for c, _ in covering)), tuple(t for _, t in covering))
        )
    return tuple(segments) or (Segment(turn.text),)


def conversation_view(analysis: Analysis) -> ConversationView:
    behaviours = analysis.of_type(Behaviour)
    scripted = analysis.of_type(ScriptedPhrase)
    spans: list[tuple[Evidence, str, str]] = []
    for b in behaviours:
        kind = "good" if b.polarity == "positive" else "bad"
        for ev in b.evidence:
            spans.append((ev, f"hl-{kind}", f"{b.behaviour.replace('_', ' ')} ({b.confidence:.0%}, {b.source})"))
    for s in scripted:
        for ev in s.evidence[:1] if s.scope == "conversation" else s.evidence:
            spans.append((ev, "hl-rote", f"scripted ({s.scope}, ×{s.occurrences}): {s.phrase}"))
    emotions = {e.turn_index: e for e in analysis.of_type(CustomerEmotion)}
    turns = tuple(
        TurnView(
            turn=t,
            segments=highlight(t, spans),
            emotion=emotions.get(t.index) if t.role is Role.CUSTOMER else None,
            behaviours=tuple(b for b in behaviours if b.turn_index == t.index),
            scripted=tuple(s for s in scripted if s.turn_index == t.index),
        )
        for t in analysis.conversation.turns
    )
    return ConversationView(
        analysis=analysis,
        turns=turns,
        score=analysis.first(Score),
        moments=tuple(sorted(analysis.of_type(EmotionalMoment), key=lambda m: m.turn_index or 0)),
        trajectory=analysis.first(SentimentTrajectory),
        metrics=analysis.first(TalkMetrics),
        scripted=tuple(scripted),
        anchor="c-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in analysis.conversation.id),
    )


@dataclass
class AgentSummary:
    agent: str
    conversations: int = 0
    scores: list[float] = field(default_factory=list)
    moments: Counter[str] = field(default_factory=Counter)

    @property
    def mean_score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None


@dataclass(frozen=True, slots=True)
class BatchSummary:
    conversations: int
    mean_score: float | None
    agents: tuple[AgentSummary, ...]
    missed_by_emotion: tuple[tuple[str, int], ...]
    moments: Counter[str]
    scripted_team_phrases: tuple[tuple[str, int], ...]


def batch_summary(analyses: Sequence[Analysis]) -> BatchSummary:
    """Per-agent averages, moment counts and the most-missed moment types across a batch."""
    agents: dict[str, AgentSummary] = {}
    missed: Counter[str] = Counter()
    moments: Counter[str] = Counter()
    team_phrases: dict[str, int] = defaultdict(int)
    scores: list[float] = []
    for a in analyses:
        agent_id = a.conversation.agent_id or "(unknown agent)"
        summary = agents.setdefault(agent_id, AgentSummary(agent_id))
        summary.conversations += 1
        score = a.first(Score)
        if score is not None:
            summary.scores.append(score.score)
            scores.append(score.score)
        for m in a.of_type(EmotionalMoment):
            summary.moments[m.status] += 1
            moments[m.status] += 1
            if m.status in ("missed", "mishandled"):
                missed[m.emotion] += 1
        for s in a.of_type(ScriptedPhrase):
            if s.scope == "team":
                team_phrases[s.phrase] = max(team_phrases[s.phrase], s.occurrences)
    ordered = sorted(agents.values(), key=lambda s: (-(s.mean_score or -1), s.agent))
    return BatchSummary(
        conversations=len(analyses),
        mean_score=round(sum(scores) / len(scores), 1) if scores else None,
        agents=tuple(ordered),
        missed_by_emotion=tuple(missed.most_common()),
        moments=moments,
        scripted_team_phrases=tuple(sorted(team_phrases.items(), key=lambda kv: -kv[1])),
    )


def timeline_points(view: ConversationView, width: int = 640, height: int = 160, pad: int = 24) -> list[dict[str, Any]]:
    """SVG coordinates of the customer's sentiment over the conversation (x by turn order, y by sentiment)."""
    timeline = view.trajectory.timeline if view.trajectory else ()
    n = len(timeline)
    points: list[dict[str, Any]] = []
    for i, p in enumerate(timeline):
        x = pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = pad + (height - 2 * pad) * (1 - (float(p["sentiment"]) + 1) / 2)
        points.append({**p, "x": round(x, 1), "y": round(y, 1)})
    return points
