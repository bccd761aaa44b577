"""Feedback after a role-play: the score and its breakdown, each emotional moment met or missed with a better
response, the behaviours used, and the exact turn where the customer escalated and why.

The session's conversation goes through warmline's scoring analysers (emotional moments, scripted
phrases, sentiment trajectory, the empathy scorecard). Upstream of them, by default, the customer's
emotion is the one the scenario's state machine gave each line (the simulated customer's feelings
are known exactly), and the agent's behaviours are the ones the session's reader found — the same
ones the customer reacted to — so the score and the customer never disagree about what was said.
Either can be re-read by the shipped models instead (``emotions="model"``, ``behaviours="model"``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from warmline.analysers.base import Analyser, create
from warmline.behaviours.catalogue import BEHAVIOURS
from warmline.coach.statements import StatementLibrary, better_response
from warmline.model import (
    Analysis,
    Annotation,
    Behaviour,
    Conversation,
    CustomerEmotion,
    EmotionalMoment,
    Role,
    Score,
    Turn,
)
from warmline.pipeline import Pipeline
from warmline.roleplay.engine import RoleplaySession, TurnEvent
from warmline.roleplay.scenario import EMOTIONS, Scenario

#: The scoring analysers run on every session, after the customer emotions and agent behaviours.
SCORING_ANALYSERS: tuple[str, ...] = (
    "warmline.embedding.v1",
    "warmline.talk_metrics.v1",
    "warmline.emotional_moments.v1",
    "warmline.scripted_phrases.v1",
    "warmline.sentiment_trajectory.v1",
    "warmline.empathy_score.v1",
)

_SENTIMENT = {
    "neutral": 0.0,
    "frustration": -0.5,
    "anger": -0.8,
    "anxiety": -0.5,
    "sadness": -0.6,
    "confusion": -0.3,
    "satisfaction": 0.7,
}
_INTENSITY = {"neutral": 0.2, "satisfaction": 0.6}
_NEGATIVE = ("frustration", "anger", "anxiety", "sadness", "confusion")


# --- upstream annotations from the session ---------------------------------------------------------


class ScenarioEmotions:
    """The customer's emotion per line, as the scenario's state machine set it (``turn.metadata["emotion"]``)."""

    name = "warmline.roleplay_customer_state.v1"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("customer_emotion",)

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        label = turn.metadata.get("emotion") if turn.role is Role.CUSTOMER else None
        if label not in _SENTIMENT:
            return []
        p = 0.8
        rest = (1.0 - p) / (len(EMOTIONS) - 1)
        return [
            CustomerEmotion(
                analyser=self.name,
                turn_index=turn.index,
                label=str(label),
                scores={e: (p if e == label else rest) for e in EMOTIONS},
                sentiment=_SENTIMENT[str(label)],
                intensity=_INTENSITY.get(str(label), 0.8),
            )
        ]

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        return [[a for t in c.turns for a in self.annotate_turn(t, c, ())] for c in conversations]


class SessionBehaviours:
    """The behaviours the session's reader found in each agent turn, replayed for the scoring analysers."""

    name = "warmline.roleplay_behaviours.v1"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("behaviours",)

    def __init__(self, *, behaviours: Sequence[Behaviour] = ()) -> None:
        self.behaviours = behaviours

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        return [b for b in self.behaviours if b.turn_index == turn.index]

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        return [
            [b for b in self.behaviours if b.turn_index is not None and b.turn_index < len(c)] for c in conversations
        ]


def session_pipeline(
    session: RoleplaySession,
    *,
    emotions: Literal["scenario", "model"] = "scenario",
    behaviours: Literal["session", "model"] = "session",
) -> Pipeline:
    """The scoring pipeline for a session (see the module docstring for the two switches)."""
    analysers: list[Analyser] = [create(n) for n in SCORING_ANALYSERS]
    if emotions == "model":
        analysers.insert(1, create("warmline.customer_emotion.v1"))
    else:
        analysers.insert(0, ScenarioEmotions())
    if behaviours == "model":
        analysers.append(create("warmline.agent_behaviours.v1"))
    else:
        analysers.insert(0, SessionBehaviours(behaviours=session.behaviours))
    return Pipeline(analysers)


def analyse_session(session: RoleplaySession, *, pipeline: Pipeline | None = None) -> Analysis:
    """Run the scoring pipeline over the session's conversation."""
    pipe = pipeline if pipeline is not None else session_pipeline(session)
    return pipe.analyse([session.conversation])[0]


# --- the feedback ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MomentFeedback:
    """One emotional moment: what the customer said, how the agent answered, and a better answer if missed."""

    turn: int | None
    customer_text: str
    emotion: str
    status: str
    reason: str
    agent_text: str | None
    better_response: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "customer_text": self.customer_text,
            "emotion": self.emotion,
            "status": self.status,
            "reason": self.reason,
            "agent_text": self.agent_text,
            "better_response": self.better_response,
        }


@dataclass(frozen=True, slots=True)
class EscalationFeedback:
    """A turn where the customer got worse: what the agent said, what it did, and what to say instead."""

    turn: int
    agent_text: str
    sentence: str
    state_before: str
    state_after: str
    patience_before: int
    patience_after: int
    ending: str | None
    better_response: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "agent_text": self.agent_text,
            "sentence": self.sentence,
            "state_before": self.state_before,
            "state_after": self.state_after,
            "patience": [self.patience_before, self.patience_after],
            "ending": self.ending,
            "better_response": self.better_response,
        }


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the agent reads after a role-play. ``render_text()`` for the terminal, ``to_dict()`` for the web.

    ``turning_point`` is the exact turn where the customer escalated: the turn that ended the call
    badly, or else the first turn where a misstep made the customer worse.
    """

    scenario_id: str
    scenario_title: str
    customer: str
    seed: int
    ending: str | None
    ended_by: str | None
    outcome: str
    turns: int
    score: float | None
    score_formula: str
    sections: tuple[dict[str, Any], ...]
    items: tuple[dict[str, Any], ...]
    moments: tuple[MomentFeedback, ...]
    behaviours: dict[str, list[int]]
    anti_patterns: dict[str, list[int]]
    escalations: tuple[EscalationFeedback, ...]
    turning_point: EscalationFeedback | None
    events: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": {"id": self.scenario_id, "title": self.scenario_title},
            "customer": self.customer,
            "seed": self.seed,
            "ending": self.ending,
            "ended_by": self.ended_by,
            "outcome": self.outcome,
            "turns": self.turns,
            "score": self.score,
            "score_formula": self.score_formula,
            "sections": [dict(s) for s in self.sections],
            "items": [dict(i) for i in self.items],
            "moments": [m.to_dict() for m in self.moments],
            "behaviours": {k: list(v) for k, v in self.behaviours.items()},
            "anti_patterns": {k: list(v) for k, v in self.anti_patterns.items()},
            "escalations": [e.to_dict() for e in self.escalations],
            "turning_point": self.turning_point.to_dict() if self.turning_point is not None else None,
            "events": [dict(e) for e in self.events],
        }

    def render_text(self, width: int = 100) -> str:
        """The feedback as plain text (no colour codes, no box drawing), wrapped to ``width``."""
        out: list[str] = []

        def para(text: str, indent: str = "", after: str | None = None) -> None:
            out.append(
                textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=after or indent + "  ")
            )

        out.append(f"Feedback: {self.scenario_title} ({self.scenario_id}, seed {self.seed})")
        out.append("=" * min(width, len(out[0])))
        para(f"Outcome: {self.outcome}.")
        out.append("")
        out.append("Where the call turned")
        if self.turning_point is None:
            para(f"{self.customer} never escalated. Well done.", "  ")
        else:
            para(self.turning_point.sentence, "  ")
            if self.turning_point.better_response:
                para(f'Try instead: "{self.turning_point.better_response}"', "    ")
            earlier = [e for e in self.escalations if e is not self.turning_point]
            for e in earlier:
                para(("Earlier, " if e.turn < self.turning_point.turn else "Later, ") + e.sentence, "  ")
                if e.better_response:
                    para(f'Try instead: "{e.better_response}"', "    ")
        out.append("")
        if self.score is None:
            out.append("Score: not available")
        else:
            out.append(f"Score: {self.score:g} / 100")
            para(self.score_formula, "  ")
            for s in self.sections:
                if s.get("possible"):
                    out.append(f"  {s['name']}: {s['earned']:g} of {s['possible']:g}")
            for item in self.items:
                if item.get("result") == "n/a":
                    continue
                mark = {"pass": "+", "fail": "-", "partial": "~"}.get(str(item.get("result")), " ")
                para(f"{mark} {item['name']}: {item['earned']:g} of {item['weight']:g}", "    ", "        ")
        out.append("")
        met = sum(1 for m in self.moments if m.status == "met")
        out.append(f"Emotional moments: {met} of {len(self.moments)} met")
        for m in self.moments:
            where = f"turn {m.turn}" if m.turn is not None else "unanswered"
            para(f'{where}: {self.customer} ({m.emotion}): "{m.customer_text}"', "  ")
            if m.agent_text:
                para(f'you said: "{m.agent_text}"', "    ")
            para(f"{m.status}: {m.reason}", "    ")
            if m.better_response:
                para(f'Better: "{m.better_response}"', "    ")
        out.append("")
        out.append("Behaviours you used")
        if self.behaviours:
            for b, turns in self.behaviours.items():
                out.append(f"  {b.replace('_', ' ')}: turn {', '.join(str(t) for t in turns)}")
        else:
            out.append("  none recognised")
        if self.anti_patterns:
            out.append("To avoid next time")
            for b, turns in self.anti_patterns.items():
                out.append(f"  {b.replace('_', ' ')}: turn {', '.join(str(t) for t in turns)}")
        return "\n".join(out) + "\n"


def build_feedback(
    session: RoleplaySession,
    *,
    pipeline: Pipeline | None = None,
    analysis: Analysis | None = None,
    statements: StatementLibrary | None = None,
) -> Feedback:
    """Score the session and explain it.

    Parameters
    ----------
    session
        A role-play, usually ended.
    pipeline
        The scoring pipeline; ``session_pipeline(session)`` by default.
    analysis
        An analysis of the session's conversation already made (skips the pipeline).
    statements
        The statement library for better responses; the shipped one by default.

    Examples
    --------
    >>> feedback = build_feedback(session)            # doctest: +SKIP
    >>> print(feedback.turning_point.sentence)        # doctest: +SKIP
    turn 3: you said 'it's policy' (negative language); Dana's patience fell from 1 to 0 and Dana hung up
    """
    if analysis is None:
        analysis = analyse_session(session, pipeline=pipeline)
    library = statements or StatementLibrary.load()
    scenario = session.scenario
    name = scenario.persona.short_name
    turn_of = {e.agent_turn_index: e.turn for e in session.events if e.agent_turn_index is not None}

    score = analysis.first(Score)
    moments = tuple(_moment(m, session, turn_of, library) for m in _sorted_moments(analysis) if m.status != "open")
    positive: dict[str, list[int]] = {}
    negative: dict[str, list[int]] = {}
    for b in sorted(analysis.of_type(Behaviour), key=lambda b: b.turn_index or 0):
        if b.turn_index not in turn_of:
            continue
        spec = BEHAVIOURS.get(b.behaviour)
        polarity = spec.polarity.value if spec is not None else b.polarity
        target = negative if polarity == "negative" else positive
        turns = target.setdefault(b.behaviour, [])
        if turn_of[b.turn_index] not in turns:
            turns.append(turn_of[b.turn_index])
    for e in session.events:  # jargon and interrupting are the engine's, not the analysers'
        for s in e.signals:
            if s.id in ("jargon", "interrupting"):
                turns = negative.setdefault(s.id, [])
                if e.turn not in turns:
                    turns.append(e.turn)

    escalations = tuple(_escalation(e, session, library) for e in session.events if e.escalated)
    final = session.events[-1] if session.events else None
    bad_end = final is not None and final.ending in ("hang_up", "escalation_to_supervisor")
    turning = escalations[-1] if bad_end and escalations else (escalations[0] if escalations else None)
    return Feedback(
        scenario_id=scenario.id,
        scenario_title=scenario.title,
        customer=name,
        seed=session.seed,
        ending=session.ended.kind if session.ended is not None else None,
        ended_by=final.ended_by if final is not None else None,
        outcome=_outcome(session, final),
        turns=session.agent_turns,
        score=score.score if score is not None else None,
        score_formula=score.formula if score is not None else "",
        sections=tuple(dict(s) for s in score.sections) if score is not None else (),
        items=tuple(
            {k: v for k, v in dict(i).items() if k != "evidence"} for i in (score.items if score is not None else ())
        ),
        moments=moments,
        behaviours=positive,
        anti_patterns=negative,
        escalations=escalations,
        turning_point=turning,
        events=tuple(e.to_dict() for e in session.events),
    )


def escalation_sentence(event: TurnEvent, scenario: Scenario) -> str:
    """One line on why the customer got worse at this turn.

    ``turn 5: you said 'it's policy' (negative language); Dana's patience fell from 1 to 0 and Dana hung up``
    """
    name = scenario.persona.short_name
    missteps = [s for s in event.signals if s.negative]
    if event.agent_turn_index is None:
        head = "you ended the call"
    elif missteps:
        head = "you said " + " and ".join(f"'{s.evidence}' ({s.label})" for s in missteps)
    else:
        text = event.agent_text if len(event.agent_text) <= 60 else event.agent_text[:59].rstrip() + "…"
        head = f"your reply '{text}' did nothing to ease how {name} felt"
    what: list[str] = []
    if event.patience_after < event.patience_before:
        what.append(f"{name}'s patience fell from {event.patience_before} to {event.patience_after}")
    if event.state_after != event.state_before:
        what.append(f"{name} went from {event.state_before} to {event.state_after}")
    if event.ending == "escalation_to_supervisor":
        ending = scenario.ending("escalation_to_supervisor")
        if ending.when.turns_in_state:
            feeling = " or ".join(ending.when.states)
            run = f"{event.turns_in_state} lines in a row"
            what.append(f"{name} asked for a supervisor after being {feeling} for {run}")
        else:
            what.append(f"{name} asked for a supervisor")
    elif event.ending == "hang_up":
        what.append(f"{name} hung up")
    if not what:
        what.append(f"{name} stayed {event.state_after}")
    joined = what[0] if len(what) == 1 else ", ".join(what[:-1]) + " and " + what[-1]
    return f"turn {event.turn}: {head}; {joined}"


# --- helpers -----------------------------------------------------------------------------------------


def _sorted_moments(analysis: Analysis) -> list[EmotionalMoment]:
    return sorted(analysis.of_type(EmotionalMoment), key=lambda m: m.turn_index or 0)


def _better(session: RoleplaySession, library: StatementLibrary, emotion: str, turn: int) -> str | None:
    """Name the feeling, then reflect the customer's point (the scenario's ``issue``, in their words)."""
    name = session.scenario.persona.short_name
    return (
        better_response(
            library,
            emotion=emotion if emotion in _NEGATIVE else "default",
            customer_text=session.scenario.customer_point,
            name=name,
            seed=f"{session.seed}:{turn}",
        )
        or None
    )


def _moment(
    m: EmotionalMoment, session: RoleplaySession, turn_of: dict[int, int], library: StatementLibrary
) -> MomentFeedback:
    convo = session.conversation
    customer = next((t.text for t in convo.turns if t.index == m.turn_index), "")
    answered = [i for i in m.response_turn_indexes if i in turn_of]
    agent_text = next((t.text for t in convo.turns if answered and t.index == answered[0]), None)
    missed = m.status in ("missed", "mishandled")
    return MomentFeedback(
        turn=turn_of[answered[0]] if answered else None,
        customer_text=customer,
        emotion=m.emotion,
        status=m.status,
        reason=m.reason,
        agent_text=agent_text,
        better_response=_better(session, library, m.emotion, m.turn_index or 0) if missed else None,
    )


def _escalation(event: TurnEvent, session: RoleplaySession, library: StatementLibrary) -> EscalationFeedback:
    scenario = session.scenario
    before = scenario.states[event.state_before]
    better = _better(session, library, before.emotion, event.customer_turn_index)
    return EscalationFeedback(
        turn=event.turn,
        agent_text=event.agent_text,
        sentence=escalation_sentence(event, scenario),
        state_before=event.state_before,
        state_after=event.state_after,
        patience_before=event.patience_before,
        patience_after=event.patience_after,
        ending=event.ending,
        better_response=better,
    )


def _outcome(session: RoleplaySession, final: TurnEvent | None) -> str:
    name = session.scenario.persona.short_name
    if session.ended is None:
        return f"the role-play stopped before an ending; {name} was {session.state}"
    outcome = session.ended.outcome(name)
    turn = final.turn if final is not None else 0
    if final is not None and final.ended_by == "agent":
        return f"you ended the call after {turn} turns, so {outcome}"
    if final is not None and final.ended_by == "max_turns":
        return f"the call ran to {turn} turns without a resolution, so {outcome}"
    return f"{outcome} at turn {turn}"
