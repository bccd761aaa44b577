"""Emotional moments: met, missed, mishandled, open; windows; better responses; live equals batch."""

from __future__ import annotations

from warmline.model import Conversation, EmotionalMoment, Role, Turn
from warmline.pipeline import merge_live
from warmline.scoring.moments import EmotionalMomentsAnalyser

from .helpers import behaviour, emotion


def _convo(*turns: tuple[Role, str]) -> Conversation:
    return Conversation(
        id="m1",
        metadata={"customer_name": "Priya Shah"},
        turns=tuple(Turn(i, role, text) for i, (role, text) in enumerate(turns)),
    )


C, A = Role.CUSTOMER, Role.AGENT


def _moments(convo: Conversation, prior: list, **params: object) -> list[EmotionalMoment]:  # type: ignore[type-arg]
    found = EmotionalMomentsAnalyser(**params).annotate([convo], [prior])[0]  # type: ignore[arg-type]
    return sorted((m for m in found if isinstance(m, EmotionalMoment)), key=lambda m: m.turn_index or 0)


def test_moments_met_when_agent_acknowledges() -> None:
    convo = _convo(
        (C, "I've been charged twice and nobody will help me!"), (A, "That sounds really frustrating. Let me look.")
    )
    (m,) = _moments(
        convo,
        [emotion(0, "frustration"), behaviour(convo, 1, "acknowledge_emotion", "That sounds really frustrating.")],
    )
    assert m.status == "met" and m.turn_index == 0 and m.response_turn_indexes == (1,)
    assert m.behaviours == ("acknowledge_emotion",)
    assert [e.text for e in m.evidence][-1] == "That sounds really frustrating."
    assert m.better_response is None


def test_moments_missed_when_agent_goes_straight_to_process() -> None:
    convo = _convo(
        (C, "I was charged twice for my broadband this month and I'm furious."), (A, "Account number please.")
    )
    (m,) = _moments(convo, [emotion(0, "anger")])
    assert m.status == "missed"
    assert "straight to process" in m.reason
    assert m.evidence[-1].text == "Account number please."
    # the better response names the feeling and reflects the customer's own words back, with their name
    assert m.better_response is not None
    assert "you were charged twice for your broadband this month" in m.better_response


def test_moments_mishandled_beats_met() -> None:
    convo = _convo((C, "My husband died last month."), (A, "Oh you poor thing, I understand how hard this is."))
    prior = [
        emotion(0, "sadness"),
        behaviour(convo, 1, "sympathy_pity", "Oh you poor thing"),
        behaviour(convo, 1, "acknowledge_emotion", "I understand how hard this is."),
    ]
    (m,) = _moments(convo, prior)
    assert m.status == "mishandled" and m.behaviours == ("sympathy_pity",)
    assert "pity" in m.reason and m.better_response


def test_moments_below_threshold_and_positive_open_nothing() -> None:
    convo = _convo((C, "Hi, quick question about my bill."), (A, "Sure."), (C, "Thanks, that's great!"), (A, "Bye."))
    prior = [emotion(0, "confusion", p=0.3), emotion(2, "satisfaction", sentiment=0.8)]
    # negative mass 0.3 + 4 × 0.117 = 0.77: a moment at the default threshold, none at 0.9
    assert [m.turn_index for m in _moments(convo, prior)] == [0]
    assert _moments(convo, prior, threshold=0.9) == []
    assert _moments(convo, [emotion(0, "neutral", p=0.9), emotion(2, "satisfaction", sentiment=0.8)]) == []


def test_moments_consecutive_customer_turns_are_one_moment() -> None:
    convo = _convo((C, "This is ridiculous."), (C, "I'm really worried now."), (A, "I can hear how worrying this is."))
    prior = [
        emotion(0, "frustration", 0.6),
        emotion(1, "anxiety", 0.9),
        behaviour(convo, 2, "acknowledge_emotion", "I can hear how worrying this is."),
    ]
    (m,) = _moments(convo, prior)
    assert m.turn_index == 0 and m.emotion == "anxiety" and m.status == "met"
    assert [e.turn_index for e in m.evidence] == [0, 1, 2]


def test_moments_window_turns_gives_the_agent_a_second_chance() -> None:
    convo = _convo(
        (C, "I'm so frustrated with this."), (A, "One moment."), (A, "Sorry, I can hear how frustrating it is.")
    )
    prior = [emotion(0, "frustration"), behaviour(convo, 2, "acknowledge_emotion", "I can hear how frustrating it is.")]
    assert _moments(convo, prior)[0].status == "missed"
    assert _moments(convo, prior, window_turns=2)[0].status == "met"


def test_moments_unanswered_is_open() -> None:
    convo = _convo((A, "Hello."), (C, "I'm so angry about this!"))
    (m,) = _moments(convo, [emotion(1, "anger")])
    assert m.status == "open" and m.response_turn_indexes == ()


def test_moments_live_revisions_end_where_batch_does() -> None:
    convo = _convo(
        (C, "I'm so angry."), (A, "Account number?"), (C, "I'm scared it's fraud."), (A, "That sounds scary.")
    )
    prior = [
        emotion(0, "anger"),
        emotion(2, "anxiety"),
        behaviour(convo, 3, "acknowledge_emotion", "That sounds scary."),
    ]
    analyser = EmotionalMomentsAnalyser()
    live: list = []  # type: ignore[type-arg]
    for turn in convo.turns:
        turn_prior = [a for a in prior if a.turn_index == turn.index]
        live = merge_live(live, turn_prior)
        live = merge_live(live, analyser.annotate_turn(turn, convo.upto(turn.index), live))
    live_moments = sorted((a for a in live if isinstance(a, EmotionalMoment)), key=lambda m: m.turn_index or 0)
    assert [(m.turn_index, m.status) for m in live_moments] == [(0, "missed"), (2, "met")]
    assert live_moments == _moments(convo, prior)
