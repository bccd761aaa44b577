"""What a scorecard item can measure: each measure gives a value in [0, 1] (or n/a), its evidence, and
the explanation a supervisor reads ("2 of 3 emotional moments met")."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from warmline.model import (
    Analysis,
    Behaviour,
    EmotionalMoment,
    Evidence,
    Role,
    ScriptedPhrase,
    SentimentTrajectory,
    TalkMetrics,
)

if TYPE_CHECKING:
    from warmline.scoring.scorecard import Item, Scorecard


@dataclass(frozen=True, slots=True)
class Measured:
    """A measure's result: ``value`` None means the item does not apply to this conversation."""

    value: float | None
    explanation: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What the measures read: the analysis, filtered to behaviours the scorecard trusts."""

    analysis: Analysis
    scorecard: Scorecard
    behaviours: Sequence[Behaviour] = field(default_factory=tuple)

    @classmethod
    def of(cls, analysis: Analysis, scorecard: Scorecard) -> Context:
        trusted = [b for b in analysis.of_type(Behaviour) if b.confidence >= scorecard.min_confidence]
        return cls(analysis, scorecard, tuple(trusted))

    @property
    def agent_turns(self) -> int:
        return len(self.analysis.conversation.agent_turns())


@dataclass(frozen=True, slots=True)
class Measure:
    fn: Callable[[Context, Item], Measured]
    needs_behaviours: bool = False
    description: str = ""


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def moments_met(ctx: Context, item: Item) -> Measured:
    moments = [m for m in ctx.analysis.of_type(EmotionalMoment) if m.status != "open"]
    if not moments:
        return Measured(None, "no emotional moments in this conversation")
    met = [m for m in moments if m.status == "met"]
    missed = sum(1 for m in moments if m.status == "missed")
    mishandled = sum(1 for m in moments if m.status == "mishandled")
    evidence = tuple(ev for m in moments for ev in m.evidence)
    return Measured(
        len(met) / len(moments),
        f"{len(met)} of {len(moments)} emotional moments met ({missed} missed, {mishandled} mishandled)",
        evidence,
    )


def _found(ctx: Context, behaviours: Sequence[str]) -> list[Behaviour]:
    return [b for b in ctx.behaviours if b.behaviour in behaviours]


def behaviour_present(ctx: Context, item: Item) -> Measured:
    if ctx.agent_turns == 0:
        return Measured(None, "no agent turns")
    found = _found(ctx, item.behaviours)
    turns = sorted({b.turn_index for b in found if b.turn_index is not None})
    names = ", ".join(item.behaviours)
    if not turns:
        return Measured(0.0, f"{names} not found in any of {ctx.agent_turns} agent turns")
    where = ", ".join(f"#{t}" for t in turns)
    return Measured(
        1.0, f"{names} found in {len(turns)} agent turn(s): {where}", tuple(ev for b in found for ev in b.evidence)
    )


def behaviour_absent(ctx: Context, item: Item) -> Measured:
    if ctx.agent_turns == 0:
        return Measured(None, "no agent turns")
    found = _found(ctx, item.behaviours)
    names = ", ".join(item.behaviours)
    if not found:
        return Measured(1.0, f"no {names} in {ctx.agent_turns} agent turns")
    value = _clamp(1 - len(found) * item.penalty_each)
    return Measured(
        value,
        f"{len(found)} × {names}: 1 − {len(found)} × {item.penalty_each:g} = {value:.2f}",
        tuple(ev for b in found for ev in b.evidence),
    )


def scripted_absent(ctx: Context, item: Item) -> Measured:
    if ctx.agent_turns == 0:
        return Measured(None, "no agent turns")
    repeats = [s for s in ctx.analysis.of_type(ScriptedPhrase) if s.scope in ("conversation", "agent")]
    if not repeats:
        return Measured(1.0, "no agent statement repeated word for word")
    value = _clamp(1 - len(repeats) * item.penalty_each)
    phrases = "; ".join(sorted({f'"{s.phrase}" ({s.scope}, ×{s.occurrences})' for s in repeats}))
    return Measured(
        value,
        f"{len(repeats)} scripted repeat(s): {phrases}: 1 − {len(repeats)} × {item.penalty_each:g} = {value:.2f}",
        tuple(s.evidence[0] for s in repeats if s.evidence),
    )


def interruptions_absent(ctx: Context, item: Item) -> Measured:
    metrics = ctx.analysis.first(TalkMetrics)
    if metrics is None or metrics.agent_interruptions is None:
        return Measured(None, "no voice timestamps to tell interruptions")
    count = metrics.agent_interruptions
    turns = {t.index: t for t in ctx.analysis.conversation.turns}
    evidence = tuple(
        Evidence.whole_turn(turns[int(str(i["turn_index"]))])
        for i in metrics.interruptions
        if i.get("by") == Role.AGENT.value and int(str(i["turn_index"])) in turns
    )
    if count == 0:
        return Measured(1.0, "the agent never talked over the customer")
    value = _clamp(1 - count * item.penalty_each)
    return Measured(
        value, f"the agent interrupted {count} time(s): 1 − {count} × {item.penalty_each:g} = {value:.2f}", evidence
    )


_FIRST_PERSON = re.compile(r"\b(I|I'm|I'll|I've|I'd|me|my|myself)\b")
_DEFLECTION = re.compile(
    r"\b(the system|the computer|they (?:won't|don't|can't|will not|do not)|it's (?:company )?policy|"
    r"the company|head office|another department|not my (?:department|job|problem))\b",
    re.IGNORECASE,
)


def personal_pronouns(ctx: Context, item: Item) -> Measured:
    agent = ctx.analysis.conversation.agent_turns()
    if not agent:
        return Measured(None, "no agent turns")
    personal = [t for t in agent if _FIRST_PERSON.search(t.text.replace("’", "'"))]
    deflecting = [(t, m) for t in agent for m in _DEFLECTION.finditer(t.text)]
    share = len(personal) / len(agent)
    value = _clamp(share / 0.5 - 0.25 * len(deflecting))
    evidence = tuple(Evidence(t.index, m.start(), m.end(), m.group(0)) for t, m in deflecting)
    return Measured(
        value,
        f"first person in {len(personal)} of {len(agent)} agent turns (target half: {share:.0%} / 50%), "
        f"{len(deflecting)} deflection(s) to 'the system'/'policy' (−0.25 each) = {value:.2f}",
        evidence,
    )


def sentiment_lift(ctx: Context, item: Item) -> Measured:
    trajectory = ctx.analysis.first(SentimentTrajectory)
    if trajectory is None or trajectory.start is None or trajectory.end is None or len(trajectory.timeline) < 2:
        return Measured(None, "fewer than two customer turns to compare")
    change = trajectory.end - trajectory.start
    value = _clamp(0.5 + change / 2)
    return Measured(
        value,
        f"customer sentiment {trajectory.start:+.2f} → {trajectory.end:+.2f} (lowest {trajectory.lowest:+.2f}): "
        f"0.5 + ({change:+.2f}) / 2 = {value:.2f}",
    )


def self_disclosure(ctx: Context, item: Item) -> Measured:
    setting = ctx.scorecard.settings.get("self_disclosure", "neutral")
    if setting == "neutral":
        return Measured(None, "not scored: settings.self_disclosure is neutral")
    present = behaviour_present(ctx, item)
    if present.value is None or setting == "reward":
        return present
    found = present.value == 1.0
    return Measured(
        0.0 if found else 1.0, f"penalised by settings.self_disclosure: {present.explanation}", present.evidence
    )


MEASURES: dict[str, Measure] = {
    "moments_met": Measure(moments_met, description="share of emotional moments the agent met"),
    "behaviour_present": Measure(behaviour_present, True, "1 when any listed behaviour appears, else 0"),
    "behaviour_absent": Measure(behaviour_absent, True, "1 − occurrences × penalty_each"),
    "scripted_absent": Measure(scripted_absent, description="1 − scripted repeats × penalty_each"),
    "interruptions_absent": Measure(interruptions_absent, description="1 − agent interruptions × penalty_each"),
    "personal_pronouns": Measure(personal_pronouns, description="first-person turns against a target of half"),
    "sentiment_lift": Measure(sentiment_lift, description="0.5 + (end − start sentiment) / 2"),
    "self_disclosure": Measure(self_disclosure, True, "scored per settings.self_disclosure"),
}
