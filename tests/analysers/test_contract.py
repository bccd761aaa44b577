"""One contract every registered analyser honours (as scikit-learn's parametrize_with_checks does)."""

from __future__ import annotations

import math
import pickle

import pytest

from warmline.analysers.base import Analyser, registered
from warmline.model import Annotation, Behaviour, Channel, Conversation, CustomerEmotion, Role, Turn
from warmline.pipeline import Pipeline

NAMES = sorted(registered())

EMPTY = Conversation(id="empty", channel=Channel.VOICE)
ONE_TURN = Conversation(id="one", turns=(Turn(0, Role.CUSTOMER, "Why was I charged twice?", start=0.0, end=2.0),))
TWO_SIDES = Conversation(
    id="two",
    channel=Channel.VOICE,
    turns=(
        Turn(0, Role.CUSTOMER, "I've been waiting three weeks for my refund.", start=0.0, end=3.0),
        Turn(1, Role.AGENT, "I'm sorry about the wait, let me find out what happened.", start=3.5, end=6.5),
    ),
)


def _with_providers(analyser: Analyser) -> Pipeline:
    """The analyser plus, for each thing it requires, a registered analyser that assigns it."""
    chosen: list[Analyser] = [analyser]
    missing = list(analyser.requires)
    while missing:
        need = missing.pop()
        if any(need in a.assigns for a in chosen):
            continue
        provider = next(a for a in (registered()[n]() for n in NAMES) if need in a.assigns)
        chosen.append(provider)
        missing.extend(provider.requires)
    return Pipeline(chosen)


def _check_ranges(annotation: Annotation, convo: Conversation) -> None:
    assert annotation.turn_index is None or 0 <= annotation.turn_index < len(convo.turns)
    if isinstance(annotation, CustomerEmotion):
        assert -1.0 <= annotation.sentiment <= 1.0
        assert 0.0 <= annotation.intensity <= 1.0
        assert math.isclose(sum(annotation.scores.values()), 1.0, abs_tol=1e-4)
        assert annotation.label == max(annotation.scores, key=lambda k: annotation.scores[k])
    if isinstance(annotation, Behaviour):
        assert 0.0 <= annotation.confidence <= 1.0
        for ev in annotation.evidence:
            text = convo.turns[ev.turn_index].text
            assert text[ev.start : ev.end] == ev.text


@pytest.mark.parametrize("name", NAMES)
def test_contract_name_is_versioned(name: str) -> None:
    analyser = registered()[name]()
    assert analyser.name == name
    assert name.rsplit(".", 1)[-1].startswith("v")
    assert isinstance(analyser, Analyser)


@pytest.mark.parametrize("name", NAMES)
def test_contract_handles_empty_and_small_conversations(name: str) -> None:
    pipe = _with_providers(registered()[name]())
    analyses = pipe.analyse([EMPTY, ONE_TURN, TWO_SIDES])
    assert [a.conversation.id for a in analyses] == ["empty", "one", "two"]
    for analysis in analyses:
        for annotation in analysis.annotations:
            assert isinstance(annotation, Annotation)
            _check_ranges(annotation, analysis.conversation)


@pytest.mark.parametrize("name", NAMES)
def test_contract_is_deterministic_and_does_not_mutate(name: str) -> None:
    before = pickle.dumps(TWO_SIDES)
    pipe = _with_providers(registered()[name]())
    first = pipe.analyse([TWO_SIDES])
    assert pipe.analyse([TWO_SIDES]) == first
    assert pickle.dumps(TWO_SIDES) == before


@pytest.mark.parametrize("name", NAMES)
def test_contract_pickles_before_and_after_use(name: str) -> None:
    analyser = registered()[name]()
    pickle.loads(pickle.dumps(analyser))
    pipe = _with_providers(analyser)
    expected = pipe.analyse([TWO_SIDES])
    clone = pickle.loads(pickle.dumps(analyser))
    assert _with_providers(clone).analyse([TWO_SIDES]) == expected


@pytest.mark.parametrize("name", NAMES)
def test_contract_live_turn_agrees_with_batch(name: str) -> None:
    pipe = _with_providers(registered()[name]())
    (batch,) = pipe.analyse([TWO_SIDES])
    live = pipe.live(TWO_SIDES).analysis()
    assert live.conversation == TWO_SIDES

    def shape(annotations: tuple[Annotation, ...]) -> list[tuple[str, str, int | None]]:
        return sorted((a.analyser, a.type, -1 if a.turn_index is None else a.turn_index) for a in annotations)  # type: ignore[misc]

    assert shape(live.annotations) == shape(batch.annotations)
