"""The conversation's empathy score: a scorecard applied to everything the analysers found, with the
formula and evidence of every point so that no agent is judged by a number they cannot inspect."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from warmline.analysers.base import register
from warmline.model import Analysis, Annotation, Conversation, Score, Turn
from warmline.scoring.measures import MEASURES, Context
from warmline.scoring.scorecard import Scorecard


def score_analysis(analysis: Analysis, scorecard: Scorecard, *, analyser: str = "warmline.empathy_score.v1") -> Score:
    """Apply a scorecard to an analysis.

    ``score = 100 × earned points / points of the items that apply``, or 0 when an auto-fail item
    fails. Each item records its value, points, result, formula and evidence.
    """
    ctx = Context.of(analysis, scorecard)
    items: list[dict[str, Any]] = []
    earned_total = 0.0
    possible = 0.0
    auto_failed: list[str] = []
    sections: dict[str, dict[str, Any]] = {
        s.id: {"section": s.id, "name": s.name, "earned": 0.0, "possible": 0.0} for s in scorecard.sections
    }
    for item in scorecard.items:
        measured = MEASURES[item.measure].fn(ctx, item)
        if measured.value is None:
            result, earned, formula = "n/a", 0.0, f"n/a: {measured.explanation} (left out of the total)"
        elif item.kind == "pass_fail":
            passed = measured.value >= item.pass_at
            result = "pass" if passed else "fail"
            earned = item.weight if passed else 0.0
            formula = f"{measured.explanation} → {result}: {earned:g} of {item.weight:g}"
        else:
            earned = round(item.weight * measured.value, 2)
            result = "pass" if measured.value >= 0.999 else ("fail" if measured.value <= 0.001 else "partial")
            formula = f"{measured.explanation} → {measured.value:.2f} × {item.weight:g} = {earned:g}"
        if measured.value is not None:
            possible += item.weight
            earned_total += earned
            sections[item.section]["earned"] += earned
            sections[item.section]["possible"] += item.weight
            if item.auto_fail and result == "fail":
                auto_failed.append(item.id)
        items.append(
            {
                "section": item.section,
                "item": item.id,
                "name": item.name,
                "kind": item.kind,
                "measure": item.measure,
                "weight": item.weight,
                "value": None if measured.value is None else round(measured.value, 4),
                "earned": earned,
                "result": result,
                "auto_fail": item.auto_fail,
                "formula": formula,
                "evidence": measured.evidence,
            }
        )
    raw = 100.0 * earned_total / possible if possible else 0.0
    score = 0.0 if auto_failed else round(raw, 1)
    if auto_failed:
        formula = f"auto-fail: {', '.join(auto_failed)} failed, so the score is 0 (before auto-fail: {raw:.1f})"
    elif possible:
        formula = f"score = 100 × {earned_total:g} earned / {possible:g} possible (n/a items left out) = {score:g}"
    else:
        formula = "no scorecard item applies to this conversation"
    return Score(
        analyser=analyser,
        turn_index=None,
        scorecard=scorecard.id,
        scorecard_version=scorecard.version,
        score=score,
        max_points=round(possible, 2),
        earned_points=round(earned_total, 2),
        sections=tuple(
            {**s, "earned": round(s["earned"], 2), "possible": round(s["possible"], 2)} for s in sections.values()
        ),
        items=tuple(items),
        auto_failed=tuple(auto_failed),
        formula=formula,
    )


@register("warmline.empathy_score.v1")
class EmpathyScoreAnalyser:
    """Scores each conversation against a QA scorecard (the shipped default unless one is given).

    Parameters
    ----------
    scorecard:
        path of a scorecard YAML file; ``None`` uses warmline's default empathy scorecard.
    """

    name = "warmline.empathy_score.v1"
    requires: tuple[str, ...] = ("behaviours", "moments", "talk_metrics", "scripted_phrases", "sentiment_trajectory")
    assigns: tuple[str, ...] = ("score",)

    def __init__(self, *, scorecard: str | Path | None = None) -> None:
        self.scorecard = scorecard

    def _card(self) -> Scorecard:
        return Scorecard.load(Path(self.scorecard) if self.scorecard is not None else None)

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        card = self._card()
        return [
            [score_analysis(Analysis(c, tuple(found)), card, analyser=self.name)]
            for c, found in zip(conversations, prior, strict=True)
        ]

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        # the running score of the call so far; live sessions keep the latest
        convo = history.with_turn(turn)
        return [score_analysis(Analysis(convo, tuple(prior)), self._card(), analyser=self.name)]
