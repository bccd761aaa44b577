"""Feedback after a role-play: the escalation turn and why, moments met or missed with better responses,
the score with its breakdown, behaviours used — as text for the terminal and a dict for the web."""

from __future__ import annotations

import json

import pytest

from warmline.model import ScriptedPhrase
from warmline.roleplay.engine import RoleplaySession
from warmline.roleplay.feedback import analyse_session, build_feedback, session_pipeline
from warmline.roleplay.scenario import get_scenario

from .helpers import GOOD, PhraseReader, fast_pipeline, play

BILLING = get_scenario("billing-double-charge")
POOR_BILLING = ("Calm down.", "It's policy.", "You should have checked your statement.")


def _played(lines: tuple[str, ...] | list[str], scenario_id: str = "billing-double-charge") -> RoleplaySession:
    session = RoleplaySession(get_scenario(scenario_id), seed=3, reader=PhraseReader())
    play(session, lines)
    return session


def _feedback(session: RoleplaySession):  # type: ignore[no-untyped-def]
    return build_feedback(session, pipeline=fast_pipeline(session))


def test_feedback_names_the_escalation_turn_and_why() -> None:
    fb = _feedback(_played(POOR_BILLING))
    assert fb.ending == "escalation_to_supervisor"
    assert fb.turning_point is not None and fb.turning_point.turn == 3
    assert fb.turning_point.sentence == (
        "turn 3: you said 'You should have' (blame); Dana's patience fell from 3 to 1 and "
        "Dana asked for a supervisor after being angry for 3 lines in a row"
    )
    # the first misstep is reported too, with what to say instead
    first = fb.escalations[0]
    assert first.turn == 1 and first.sentence == (
        "turn 1: you said 'Calm down' (dismissive); Dana's patience fell from 6 to 4 and "
        "Dana went from frustrated to angry"
    )
    assert first.better_response and "charged twice for your broadband" in first.better_response
    assert fb.outcome == "Dana asked for a supervisor at turn 3"


def test_feedback_hang_up_names_the_turn() -> None:
    fb = _feedback(_played(["Hold on, hold on, calm down.", "You should have read your bill."]))
    assert fb.turning_point is not None and fb.turning_point.turn == 2
    assert fb.turning_point.sentence == (
        "turn 2: you said 'You should have' (blame); Dana's patience fell from 2 to 0 and Dana hung up"
    )
    assert "interrupting" in fb.anti_patterns and fb.anti_patterns["interrupting"] == [1]


def test_feedback_good_session_scores_higher_with_moments_met() -> None:
    good = _feedback(_played(GOOD))
    poor = _feedback(_played(POOR_BILLING))
    assert good.turning_point is None and good.escalations == ()
    assert good.ending == "resolved_satisfied"
    assert good.score is not None and poor.score is not None and good.score > poor.score
    assert poor.score == 0.0 and "auto-fail" in poor.score_formula  # blaming the customer is an auto-fail
    assert next(m.status for m in good.moments) == "met"
    assert good.behaviours["ownership"] == [3] and good.behaviours["open_question"] == [2]
    sections = {s["section"] for s in good.sections}
    assert {"connect", "own", "conduct"} <= sections
    assert all("formula" in item and "evidence" not in item for item in good.items)


def test_feedback_misses_carry_a_better_response() -> None:
    fb = _feedback(_played(["Can I take the account number?", "Calm down.", "You should have checked."]))
    statuses = [m.status for m in fb.moments]
    assert "missed" in statuses and "mishandled" in statuses
    for m in fb.moments:
        if m.status in ("missed", "mishandled"):
            assert m.better_response and "you were charged twice" in m.better_response
            assert m.agent_text and m.turn is not None
        else:
            assert m.better_response is None
    missed = next(m for m in fb.moments if m.status == "missed")
    assert missed.turn == 1 and missed.agent_text == "Can I take the account number?"


def test_feedback_lists_behaviours_and_anti_patterns_by_turn() -> None:
    fb = _feedback(_played(["I'm sorry, it's a pro rata thing.", "Calm down.", "You should have checked."]))
    assert fb.behaviours["apology"] == [1]
    assert fb.anti_patterns["jargon"] == [1]
    assert fb.anti_patterns["dismissive"] == [2] and fb.anti_patterns["blame"] == [3]


def test_feedback_renders_text_and_dict() -> None:
    fb = _feedback(_played(POOR_BILLING))
    text = fb.render_text(width=100)
    assert "Where the call turned" in text
    assert "turn 3: you said 'You should have' (blame)" in text
    assert "Score: 0 / 100" in text and "Emotional moments:" in text and "Try instead:" in text
    assert "\x1b[" not in text  # plain text: no colour codes
    data = json.loads(json.dumps(fb.to_dict()))
    assert data["turning_point"]["turn"] == 3 and data["ending"] == "escalation_to_supervisor"
    assert data["events"][0]["signals"][0]["id"] == "dismissive"
    assert len(data["moments"]) == len(fb.moments)


def test_feedback_agent_ending_the_call() -> None:
    session = _played(GOOD[:1])
    session.finish()
    fb = _feedback(session)
    assert fb.ending == "resolved_unhappy" and fb.ended_by == "agent"
    assert fb.outcome.startswith("you ended the call after 1 turns")


def test_feedback_unfinished_session() -> None:
    session = _played(GOOD[:1])
    fb = _feedback(session)
    assert fb.ending is None and "stopped before an ending" in fb.outcome


@pytest.mark.slow
def test_feedback_default_pipeline_scores_scripted_phrases() -> None:
    session = _played(
        [
            "I can hear how upsetting this is for you.",
            "I can hear how upsetting this is for you.",
            "I'll make sure it's refunded today and you'll get an email within 24 hours.",
        ]
    )
    assert "warmline.roleplay_customer_state.v1" in session_pipeline(session).names
    analysis = analyse_session(session)
    assert any(isinstance(a, ScriptedPhrase) for a in analysis.annotations)
    fb = build_feedback(session, analysis=analysis)
    rote = next(i for i in fb.items if i["item"] == "no_rote_phrases")
    assert rote["result"] != "pass"  # the same empathy line twice word for word
    assert fb.score is not None
