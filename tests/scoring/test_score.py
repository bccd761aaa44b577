"""The empathy score: points with formulas and evidence, n/a items, auto-fail, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.model import Analysis, Channel, Conversation, Role, Score, TalkMetrics, Turn
from warmline.scoring.moments import EmotionalMomentsAnalyser
from warmline.scoring.score import score_analysis
from warmline.scoring.scorecard import Scorecard
from warmline.scoring.trajectory import SentimentTrajectoryAnalyser

from .helpers import behaviour, emotion

CONVO = Conversation(
    id="s1",
    channel=Channel.CHAT,
    turns=(
        Turn(0, Role.CUSTOMER, "I was charged twice and I'm really annoyed."),
        Turn(1, Role.AGENT, "That sounds really frustrating. So you were billed twice this month?"),
        Turn(2, Role.CUSTOMER, "Yes, exactly."),
        Turn(3, Role.AGENT, "I'll make sure the refund goes through today. Have we covered everything?"),
        Turn(4, Role.CUSTOMER, "Yes, thank you so much!"),
    ),
)


def _analysis(*extra: object, convo: Conversation = CONVO) -> Analysis:
    base = [
        emotion(0, "frustration", sentiment=-0.7),
        emotion(2, "neutral", sentiment=0.0),
        emotion(4, "satisfaction", sentiment=0.8),
        behaviour(convo, 1, "acknowledge_emotion", "That sounds really frustrating."),
        behaviour(convo, 1, "paraphrase", "So you were billed twice this month?"),
        behaviour(convo, 3, "ownership", "I'll make sure the refund goes through today."),
        behaviour(convo, 3, "closure_check", "Have we covered everything?"),
        *extra,
    ]
    moments = EmotionalMomentsAnalyser().annotate([convo], [base])[0]
    trajectory = SentimentTrajectoryAnalyser().annotate([convo], [base])[0]
    return Analysis(convo, tuple([*base, *moments, *trajectory]))  # type: ignore[list-item]


def _item(score: Score, item_id: str) -> dict:  # type: ignore[type-arg]
    return next(dict(i) for i in score.items if i["item"] == item_id)


def test_score_every_item_has_formula_and_evidence() -> None:
    score = score_analysis(_analysis(), Scorecard.load())
    assert 0 <= score.score <= 100
    feelings = _item(score, "acknowledge_feelings")
    assert feelings["result"] == "pass" and feelings["earned"] == 20.0
    assert "1 of 1 emotional moments met" in feelings["formula"]
    assert any(ev.text == "That sounds really frustrating." for ev in feelings["evidence"])
    closure = _item(score, "closure_check")
    assert closure["result"] == "pass" and "#3" in closure["formula"]
    open_q = _item(score, "open_questions")
    assert (
        open_q["result"] == "fail"
        and open_q["earned"] == 0
        and "not found in any of 2 agent turns" in open_q["formula"]
    )
    for item in score.items:
        assert item["formula"]


def test_score_total_is_earned_over_applicable() -> None:
    score = score_analysis(_analysis(), Scorecard.load())
    applicable = [i for i in score.items if i["result"] != "n/a"]
    assert score.max_points == sum(i["weight"] for i in applicable)
    assert score.earned_points == pytest.approx(sum(i["earned"] for i in applicable))
    assert score.score == round(100 * score.earned_points / score.max_points, 1)
    assert f"{score.score:g}" in score.formula
    # chat has no voice timestamps: interruptions are n/a, not a free pass or a penalty
    assert _item(score, "no_interrupting")["result"] == "n/a"
    assert _item(score, "personal_experience")["result"] == "n/a"  # self_disclosure setting is neutral


def test_score_anti_patterns_cost_points_and_blame_auto_fails() -> None:
    convo = Conversation(
        id="s2",
        turns=(
            Turn(0, Role.CUSTOMER, "I was charged twice and I'm really annoyed."),
            Turn(1, Role.AGENT, "Calm down. You should have read the terms."),
        ),
    )
    dismissive = behaviour(convo, 1, "dismissive", "Calm down.")
    blame = behaviour(convo, 1, "blame", "You should have read the terms.")
    base = [emotion(0, "frustration"), dismissive]
    moments = EmotionalMomentsAnalyser().annotate([convo], [base])[0]
    without_blame = score_analysis(Analysis(convo, tuple([*base, *moments])), Scorecard.load())
    assert _item(without_blame, "no_dismissal")["result"] == "fail"
    assert _item(without_blame, "acknowledge_feelings")["formula"].startswith("0 of 1 emotional moments met")
    assert without_blame.score > 0
    failed = score_analysis(Analysis(convo, tuple([*base, blame, *moments])), Scorecard.load())
    assert failed.score == 0 and failed.auto_failed == ("no_blame",)
    assert "auto-fail" in failed.formula


def test_score_low_confidence_behaviours_are_not_counted() -> None:
    weak = behaviour(CONVO, 1, "open_question", "So you were billed twice this month?", confidence=0.3)
    assert _item(score_analysis(_analysis(weak), Scorecard.load()), "open_questions")["result"] == "fail"


def test_score_interruptions_from_talk_metrics() -> None:
    metrics = TalkMetrics(
        "t",
        None,
        agent_interruptions=2,
        customer_interruptions=0,
        interruptions=({"turn_index": 1, "by": "agent"}, {"turn_index": 3, "by": "agent"}),
    )
    item = _item(score_analysis(_analysis(metrics), Scorecard.load()), "no_interrupting")
    assert item["value"] == 0.0 and item["result"] == "fail" and len(item["evidence"]) == 2


def test_score_self_disclosure_setting(tmp_path: Path) -> None:
    shared = behaviour(CONVO, 3, "self_disclosure", "I'll make sure the refund goes through today.")
    text = (Path(__file__).parents[2] / "src/warmline/data/scorecards/default.yaml").read_text()
    for setting, expected in (("reward", "pass"), ("penalise", "fail")):
        path = tmp_path / f"{setting}.yaml"
        path.write_text(text.replace("self_disclosure: neutral", f"self_disclosure: {setting}"), encoding="utf-8")
        item = _item(score_analysis(_analysis(shared), Scorecard.load(path)), "personal_experience")
        assert item["result"] == expected, setting


def test_score_round_trips_through_json() -> None:
    analysis = _analysis()
    score = score_analysis(analysis, Scorecard.load())
    back = Analysis.from_dict(Analysis(CONVO, (score,)).to_dict())
    assert back.annotations == (score,)
