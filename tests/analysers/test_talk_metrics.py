"""Talk metrics: talk time, dead air, overtalk, who interrupted whom, response times."""

from __future__ import annotations

from warmline.analysers.talk_metrics import TalkMetricsAnalyser
from warmline.model import Channel, Conversation, Role, TalkMetrics, Turn


def _metrics(convo: Conversation, **params: float) -> TalkMetrics:
    (found,) = TalkMetricsAnalyser(**params).annotate([convo], [[]])[0]  # type: ignore[arg-type]
    assert isinstance(found, TalkMetrics)
    return found


def test_talk_metrics_voice_talk_time_and_ratio(voice_call: Conversation) -> None:
    m = _metrics(voice_call)
    # agent intervals 0-3.5, 8-10, 12.5-14.5, 24.5-27.5 = 10.5 s; customer 4-9, 10.5-12, 26-26.5 = 7.0 s
    assert m.agent_talk_time == 10.5
    assert m.customer_talk_time == 7.0
    assert m.talk_ratio == round(10.5 / 17.5, 4)
    assert m.duration == 27.5


def test_talk_metrics_dead_air_over_threshold(voice_call: Conversation) -> None:
    m = _metrics(voice_call)
    assert m.silences == ({"start": 14.5, "end": 24.5, "seconds": 10.0},)
    assert m.silence_time == 10.0
    assert _metrics(voice_call, silence_threshold=20.0).silence_time == 0.0


def test_talk_metrics_interruption_names_who_interrupted_whom(voice_call: Conversation) -> None:
    m = _metrics(voice_call)
    assert m.agent_interruptions == 1
    assert m.customer_interruptions == 0  # "Mm-hmm." is a backchannel, not an interruption
    (event,) = m.interruptions
    assert event["by"] == "agent" and event["interrupted"] == "customer"
    assert event["turn_index"] == 2 and event["interrupted_turn_index"] == 1
    assert event["overlap"] == 1.0
    assert m.overtalk_time == 1.5  # 8-9 and 26-26.5


def test_talk_metrics_chat_response_times(chat: Conversation) -> None:
    m = _metrics(chat)
    assert m.agent_talk_time is None and m.interruptions == ()
    # replies: 40 s after the first message, 60 s after the last of two customer messages
    assert m.mean_agent_response_time == 50.0
    assert m.max_agent_response_time == 60.0


def test_talk_metrics_without_timestamps_counts_only() -> None:
    convo = Conversation(
        id="x", turns=(Turn(0, Role.CUSTOMER, "hello there"), Turn(1, Role.AGENT, "hi, how can I help?"))
    )
    m = _metrics(convo)
    assert (m.turns, m.agent_turns, m.customer_turns, m.agent_words, m.customer_words) == (2, 1, 1, 5, 2)
    assert m.duration is None and m.talk_ratio is None and m.mean_agent_response_time is None


def test_talk_metrics_missing_end_estimated_from_words() -> None:
    convo = Conversation(
        id="x",
        channel=Channel.VOICE,
        turns=(
            Turn(0, Role.CUSTOMER, "one two three four five", start=0.0),  # 5 words -> 2 s
            Turn(1, Role.AGENT, "six seven", start=3.0, end=4.0),
        ),
    )
    m = _metrics(convo)
    assert m.customer_talk_time == 2.0
    assert m.mean_agent_response_time == 1.0


def test_talk_metrics_live_turn_matches_batch(voice_call: Conversation) -> None:
    analyser = TalkMetricsAnalyser()
    last = voice_call.turns[-1]
    (live,) = analyser.annotate_turn(last, voice_call.upto(last.index), [])
    assert live == analyser.annotate([voice_call], [[]])[0][0]
