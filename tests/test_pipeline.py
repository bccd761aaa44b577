"""The analyser pipeline: dependency order, clear errors, batch and live entry points."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from warmline.analysers.base import TurnByTurn
from warmline.errors import PipelineError
from warmline.model import Annotation, Conversation, TalkMetrics, Turn, TurnStats
from warmline.pipeline import Pipeline, order_analysers


class _Needs(TurnByTurn):
    def __init__(self, name: str, requires: tuple[str, ...], assigns: tuple[str, ...]) -> None:
        self.name = name
        self.requires = requires
        self.assigns = assigns
        self.seen: list[int] = []

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        self.seen.append(len(prior))
        return [TurnStats(self.name, turn.index)]


def test_pipeline_orders_by_requirements() -> None:
    head = _Needs("head", ("embedding",), ("emotion",))
    scorer = _Needs("scorer", ("emotion",), ("score",))
    encoder = _Needs("encoder", (), ("embedding",))
    assert [a.name for a in order_analysers([scorer, head, encoder])] == ["encoder", "head", "scorer"]


def test_pipeline_missing_requirement_is_a_clear_error() -> None:
    with pytest.raises(PipelineError, match="requires 'embedding', which no analyser"):
        Pipeline([_Needs("head", ("embedding",), ("emotion",))])


def test_pipeline_cycle_is_an_error() -> None:
    with pytest.raises(PipelineError, match="cycle"):
        Pipeline([_Needs("a", ("x",), ("y",)), _Needs("b", ("y",), ("x",))])


def test_pipeline_later_analysers_see_earlier_annotations(chat: Conversation) -> None:
    encoder = _Needs("encoder", (), ("embedding",))
    head = _Needs("head", ("embedding",), ("emotion",))
    Pipeline([head, encoder]).analyse([chat])
    assert encoder.seen == [0] * len(chat)
    assert head.seen == [1] * len(chat)  # each turn's own annotation from the encoder


def test_pipeline_default_batch_and_stream_agree(chat: Conversation, voice_call: Conversation) -> None:
    pipe = Pipeline.default(batch_size=1)
    streamed = list(pipe.analyse_stream(iter([chat, voice_call])))
    assert streamed == pipe.analyse([chat, voice_call])
    assert streamed[1].first(TalkMetrics) is not None
    assert len(streamed[0].of_type(TurnStats)) == len(chat)


def test_pipeline_unknown_analyser_lists_registered() -> None:
    with pytest.raises(PipelineError, match=r"unknown analyser 'nope\.v1'; registered: .*warmline\.talk_metrics\.v1"):
        Pipeline.from_names(["nope.v1"])
