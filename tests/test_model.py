"""The conversation model: JSON form, validation messages, immutability and pickling."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from warmline.errors import InvalidInputError
from warmline.model import (
    SCHEMA_VERSION,
    Analysis,
    Behaviour,
    Channel,
    Conversation,
    CustomerEmotion,
    Evidence,
    Role,
    TalkMetrics,
    Turn,
)


def _convo() -> Conversation:
    return Conversation(
        id="c-42",
        channel=Channel.VOICE,
        started_at=datetime(2026, 10, 1, 9, 30, tzinfo=UTC),
        agent_id="agent-maya",
        customer_id="cust-7",
        team="billing",
        metadata={"topic": "billing"},
        turns=(
            Turn(0, Role.CUSTOMER, "I was charged twice.", speaker_id="cust-7", start=0.0, end=2.0),
            Turn(1, Role.AGENT, "I'm sorry about that, let me look.", speaker_id="agent-maya", start=2.4, end=4.0),
        ),
    )


def test_model_json_round_trip() -> None:
    convo = _convo()
    data = convo.to_dict()
    assert data["schema"] == SCHEMA_VERSION
    assert Conversation.from_dict(data) == convo


def test_model_analysis_round_trip_keeps_typed_annotations() -> None:
    convo = _convo()
    annotations = (
        CustomerEmotion(
            "warmline.customer_emotion.v1",
            0,
            label="frustration",
            scores={"frustration": 0.8},
            sentiment=-0.6,
            intensity=0.7,
        ),
        Behaviour(
            "warmline.agent_behaviours.v1",
            1,
            behaviour="apology",
            confidence=0.9,
            evidence=(Evidence(1, 0, 21, "I'm sorry about that,"),),
            source="phrase_bank",
        ),
        TalkMetrics("warmline.talk_metrics.v1", None, turns=2, silences=({"start": 1.0, "end": 7.0, "seconds": 6.0},)),
    )
    analysis = Analysis(convo, annotations)
    back = Analysis.from_dict(analysis.to_dict())
    assert back.conversation == convo
    assert sorted(back.annotations, key=repr) == sorted(annotations, key=repr)


def test_model_from_dict_names_the_bad_field() -> None:
    data = _convo().to_dict()
    data["turns"][1]["role"] = "agnet"
    with pytest.raises(InvalidInputError) as info:
        Conversation.from_dict(data)
    assert info.value.field == "turns[1].role"
    assert "'agnet' is not one of agent, customer, bot, system" in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("id"), "id"),
        (lambda d: d.__setitem__("turns", "nope"), "turns"),
        (lambda d: d["turns"][0].__setitem__("start", "soon"), "turns[0].start"),
        (lambda d: d["turns"][0].__setitem__("text", None), "turns[0].text"),
        (lambda d: d.__setitem__("channel", "fax"), "channel"),
        (lambda d: d.__setitem__("started_at", "yesterday"), "started_at"),
        (lambda d: d.__setitem__("schema", "other/2"), "schema"),
    ],
)
def test_model_validation_errors(mutate: object, field: str) -> None:
    data = _convo().to_dict()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(InvalidInputError) as info:
        Conversation.from_dict(data)
    assert info.value.field == field


def test_model_is_frozen_and_picklable() -> None:
    convo = _convo()
    with pytest.raises(dataclasses.FrozenInstanceError):
        convo.id = "other"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(convo)) == convo
    analysis = Analysis(convo, (TalkMetrics("warmline.talk_metrics.v1", None, turns=2),))
    assert pickle.loads(pickle.dumps(analysis)) == analysis


def test_model_history_views() -> None:
    convo = _convo()
    assert [t.index for t in convo.upto(1)] == [0]
    assert convo.customer_turns()[0].text == "I was charged twice."
    assert convo.has_timestamps
    assert convo.turns[0].duration == 2.0
