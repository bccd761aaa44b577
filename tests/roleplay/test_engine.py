"""The simulated customer: every ending reachable, good agents resolve, poor ones lose the customer,
replays are deterministic per seed, and the event log says which behaviour moved the customer."""

from __future__ import annotations

import itertools

import pytest

from warmline.coach.statements import StatementLibrary
from warmline.model import Role
from warmline.roleplay.engine import LineRequest, RoleplaySession
from warmline.roleplay.scenario import BAD_ENDINGS, Scenario, get_scenario, shipped_scenarios

from .helpers import GOOD, POOR, FakeClock, PhraseReader, play

BILLING = get_scenario("billing-double-charge")


def _session(scenario: Scenario = BILLING, seed: int = 1, **kwargs: object) -> RoleplaySession:
    return RoleplaySession(scenario, seed=seed, reader=PhraseReader(), **kwargs)  # type: ignore[arg-type]


def test_engine_reaches_resolved_satisfied() -> None:
    s = _session()
    play(s, GOOD)
    assert s.ended is not None and s.ended.kind == "resolved_satisfied"
    assert s.state == "reassured" and s.trust >= 7
    assert s.events[-1].ended_by == "customer"
    assert s.conversation.turns[-1].text in BILLING.ending("resolved_satisfied").lines


def test_engine_reaches_escalation_to_supervisor() -> None:
    s = _session()
    play(s, ["Calm down.", "It's policy.", "You should have checked your statement."])
    assert s.ended is not None and s.ended.kind == "escalation_to_supervisor"
    last = s.events[-1]
    assert last.turn == 3 and last.turns_in_state == 3 and last.state_after == "angry"
    assert "Dana had been angry for 3 lines and asked for a supervisor" in last.why


def test_engine_reaches_hang_up_when_patience_runs_out() -> None:
    s = _session()
    play(s, ["Hold on, hold on, calm down.", "You should have read your bill."])
    assert s.ended is not None and s.ended.kind == "hang_up"
    assert s.patience == 0
    first = s.events[0]
    assert {sig.id for sig in first.signals} == {"dismissive", "interrupting"}
    assert first.patience_before == 6 and first.patience_after == 2
    assert "Dana's patience ran out (2 → 0) and Dana hung up" in s.events[-1].why


def test_engine_reaches_resolved_unhappy() -> None:
    s = _session()
    play(
        s,
        [
            "Calm down.",
            "I'll make sure it's refunded and you'll get an email within 24 hours.",
            "Thanks for waiting.",
        ],
    )
    assert s.ended is not None and s.ended.kind == "resolved_unhappy"
    assert s.state == "frustrated"  # ownership without acknowledgement took her from angry to frustrated only


def test_engine_agent_ends_the_call() -> None:
    s = _session()
    s.opening()
    s.respond("Let me look into that.")
    reply = s.finish()
    assert reply.ended is not None and reply.ended.kind == "resolved_unhappy"
    assert s.events[-1].ended_by == "agent" and s.events[-1].agent_turn_index is None
    with pytest.raises(RuntimeError, match="has ended"):
        s.respond("Hello?")


def test_engine_ends_at_max_turns() -> None:
    s = _session()
    s.opening()
    reply = None
    for _ in range(BILLING.max_turns):
        reply = s.respond("Thanks for your patience.")  # appreciation: moves nothing, costs nothing
        if reply.ended:
            break
    assert reply is not None and reply.ended is not None and reply.ended.kind == "resolved_unhappy"
    assert s.agent_turns == BILLING.max_turns and s.events[-1].ended_by == "max_turns"


@pytest.mark.parametrize("scenario", shipped_scenarios(), ids=lambda s: s.id)
def test_engine_good_agent_resolves_every_scenario(scenario: Scenario) -> None:
    s = _session(scenario, seed=7)
    play(s, GOOD)
    assert s.ended is not None and s.ended.kind == "resolved_satisfied", [e.why for e in s.events]


@pytest.mark.parametrize("scenario", shipped_scenarios(), ids=lambda s: s.id)
def test_engine_poor_agent_loses_every_customer(scenario: Scenario) -> None:
    s = _session(scenario, seed=7)
    play(s, POOR)
    assert s.ended is not None and s.ended.kind in BAD_ENDINGS, [e.why for e in s.events]
    assert any(e.escalated for e in s.events)


def test_engine_why_names_the_words_the_behaviour_and_the_effect() -> None:
    s = _session()
    s.opening()
    reply = s.respond("Calm down, it will be fine.")
    assert reply.state == "angry"
    assert reply.why == "you said 'Calm down' (dismissive) — patience −2, trust −1; Dana went from frustrated to angry"
    event = s.events[0]
    assert event.trigger == "dismissive" and event.state_before == "frustrated" and event.escalated


def test_engine_misstep_outweighs_empathy_in_the_same_turn() -> None:
    s = _session()
    s.opening()
    reply = s.respond("I can hear this is annoying, but you should have checked your statement.")
    assert reply.state == "angry" and s.events[0].trigger == "blame"
    # both still move the meters: +1 patience (acknowledgement) −2 (blame)
    assert s.patience == 6 + 1 - 2


def test_engine_open_question_draws_out_the_next_fact() -> None:
    s = _session()
    s.opening()
    reply = s.respond("Tell me more about it.")
    assert reply.text.startswith(BILLING.facts[0].answer)
    assert s.revealed_facts == (BILLING.facts[0].key,)
    assert "Dana told you about the amount" in reply.why


def test_engine_question_with_a_keyword_draws_out_that_fact() -> None:
    s = _session()
    s.opening()
    reply = s.respond("Is it making you go overdrawn with your bank?")
    overdraft = next(f for f in BILLING.facts if f.key == "overdraft")
    assert reply.text.startswith(overdraft.answer) and s.revealed_facts == ("overdraft",)
    # a statement with the same word is not a question: nothing is told
    s2 = _session()
    s2.opening()
    assert s2.respond("Your bank will sort it.").text not in {f.answer for f in BILLING.facts}
    assert s2.revealed_facts == ()


def test_engine_jargon_confuses_and_costs_patience() -> None:
    s = _session()
    s.opening()
    reply = s.respond("It's a pro rata adjustment from the billing cycle.")
    assert reply.state == "confused"
    jargon = next(sig for sig in s.events[0].signals if sig.id == "jargon")
    assert jargon.evidence == "pro rata', 'billing cycle" and jargon.patience == -1
    assert "you said 'pro rata', 'billing cycle' (jargon) — patience −1" in reply.why


def test_engine_interrupting_is_recognised_but_a_hold_request_is_not() -> None:
    s = _session()
    s.opening()
    s.respond("Let me stop you there.")
    assert [sig.id for sig in s.events[0].signals] == ["interrupting"]
    s2 = _session()
    s2.opening()
    s2.respond("Could you hold on a moment while I check?")
    assert not any(sig.id == "interrupting" for sig in s2.events[0].signals)


def test_engine_no_progress_costs_patience() -> None:
    s = _session()
    s.opening()
    reply = s.respond("Can I take the postcode on the account?")
    assert [sig.id for sig in s.events[0].signals] == ["no_progress"]
    assert s.patience == 5 and "answered how Dana felt or moved the issue on" in reply.why


def test_engine_same_seed_same_session() -> None:
    lines = ["Thanks for calling.", "Calm down.", "I can hear you're upset.", "Thanks for your patience."]
    first = play(_session(seed=42), lines)
    again = play(_session(seed=42), lines)
    assert first == again


def test_engine_seeds_vary_the_lines() -> None:
    lines = ["Thanks for calling.", "Thanks for your patience.", "Thanks for waiting."]
    plays = {tuple(play(_session(seed=seed), lines)) for seed in range(8)}
    assert len(plays) >= 4
    openings = {p[0] for p in plays}
    assert len(openings) >= 2


def test_engine_never_repeats_a_line_twice_in_a_row() -> None:
    for seed in range(5):
        s = _session(seed=seed)
        said = play(s, ["Thanks for your patience."] * BILLING.max_turns)
        assert all(a != b for a, b in itertools.pairwise(said)), said
        assert len(said) == BILLING.max_turns + 1


def test_engine_keeps_the_conversation_with_clock_timestamps() -> None:
    clock = FakeClock(start=100.0, step=4.0)
    s = _session(clock=clock)
    play(s, GOOD)
    turns = s.conversation.turns
    assert [t.role for t in turns[:3]] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    assert [t.index for t in turns] == list(range(len(turns)))
    starts = [t.start for t in turns]
    assert starts[0] == 0.0 and starts == sorted(starts) and starts[1] == 4.0
    assert turns[0].metadata["state"] == "frustrated" and turns[2].metadata["emotion"] == "neutral"
    assert s.conversation.metadata["customer_name"] == "Dana Reyes"
    # the behaviours the reader found are pinned to the agent turns of the session
    assert {b.turn_index for b in s.behaviours} == {1, 3, 5}
    assert s.to_dict()["events"][0]["state_after"] == "calm"


def test_engine_reader_sees_the_history_before_the_agent_turn() -> None:
    reader = PhraseReader()
    s = RoleplaySession(BILLING, seed=1, reader=reader)
    play(s, GOOD[:2])
    assert reader.calls == [(GOOD[0], 1), (GOOD[1], 3)]


def test_engine_ignores_unsure_behaviours() -> None:
    s = RoleplaySession(BILLING, seed=1, reader=PhraseReader(confidence=0.3))
    s.opening()
    s.respond("Calm down.")
    assert s.state == "frustrated" and [sig.id for sig in s.events[0].signals] == ["no_progress"]


def test_engine_blank_turn_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        _session().respond("   ")


def test_engine_hint_fits_the_customer_state() -> None:
    s = _session()
    s.opening()
    hint = s.hint()  # frustrated, not yet acknowledged: name the feeling and reflect her point
    assert "charged twice for your broadband" in hint
    play(s, GOOD[:1])
    assert s.state == "calm"
    # calm now: the hint offers ownership and the next steps
    library = StatementLibrary.load()
    commitments = [line.replace("{name}", "Dana") for line in library.lines("commitment")]
    steps = library.lines("next_steps")
    assert any(s.hint() == f"{c} {n}" for c in commitments for n in steps), s.hint()


class _BrokenVoice:
    def phrase(self, request: LineRequest) -> str:
        raise TimeoutError("too slow")


class _EchoVoice:
    def __init__(self) -> None:
        self.requests: list[LineRequest] = []

    def phrase(self, request: LineRequest) -> str:
        self.requests.append(request)
        return f"[{request.state.name}] {request.scripted}"


def test_engine_voice_phrases_the_line_the_engine_chose() -> None:
    voice = _EchoVoice()
    s = _session(voice=voice)
    opening = s.opening()
    reply = s.respond("Calm down.")
    assert opening.startswith("[frustrated] ") and reply.text.startswith("[angry] ")
    assert voice.requests[1].state.name == "angry" and voice.requests[1].conversation.turns[-1].text == "Calm down."
    # the voice changes the words, never the state machine
    plain = _session()
    plain.opening()
    assert plain.respond("Calm down.").state == reply.state


def test_engine_voice_failure_falls_back_to_the_script() -> None:
    scripted = _session()
    broken = _session(voice=_BrokenVoice())
    assert play(broken, GOOD) == play(scripted, GOOD)
    assert broken.events[0].voice_error == "TimeoutError: too slow"
