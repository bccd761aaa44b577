"""Analysis runs: annotations round-trip, re-scoring keeps every run, and each run records what produced it."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from warmline.errors import InvalidInputError
from warmline.model import (
    Analysis,
    Annotation,
    Behaviour,
    Conversation,
    CustomerEmotion,
    EmotionalMoment,
    Evidence,
    Score,
    TurnEmbedding,
)
from warmline.pipeline import Pipeline
from warmline.store import NotFoundError, RunInfo, Store

from .helpers import conversation

#: Analysers that need no model: fast, and independent of the shipped weights.
PLAIN = ("warmline.turn_stats.v1", "warmline.talk_metrics.v1")


def _score(value: float, version: str) -> Score:
    return Score(
        analyser="warmline.empathy_score.v1",
        turn_index=None,
        scorecard="warmline.default",
        scorecard_version=version,
        score=value,
        max_points=10.0,
        earned_points=value / 10,
        sections=({"section": "connect", "name": "Connect", "earned": 4.0, "possible": 10.0},),
        items=(
            {
                "section": "connect",
                "item": "acknowledge",
                "result": "partial",
                "evidence": (Evidence(1, 0, 9, "I'm sorry"),),
            },
        ),
        auto_failed=(),
        formula=f"score = {value}",
    )


def _analysed(convo: Conversation, *extra: Annotation) -> Analysis:
    found = Pipeline.from_names(PLAIN).analyse([convo])[0]
    return Analysis(convo, (*found.annotations, *extra))


def _rich_annotations() -> tuple[Annotation, ...]:
    sorry = Evidence(1, 0, 9, "I'm sorry")
    return (
        CustomerEmotion("warmline.customer_emotion.v1", 0, label="anger", scores={"anger": 0.8, "neutral": 0.2}),
        Behaviour(
            "warmline.agent_behaviours.v1", 1, behaviour="acknowledge_emotion", confidence=0.9, evidence=(sorry,)
        ),
        EmotionalMoment(
            "warmline.moments.v1", 0, emotion="anger", status="met", response_turn_indexes=(1,), evidence=(sorry,)
        ),
        _score(40.0, "1"),
    )


def test_analyses_round_trip_through_the_annotation_json_form(store: Store) -> None:
    convo = conversation("c1")
    analysis = _analysed(convo, *_rich_annotations())
    run = store.save_analyses([analysis], RunInfo.for_analysers(["warmline.talk_metrics.v1"]))
    assert store.get_analysis("c1") == analysis
    assert store.get_analysis("c1", run=run) == analysis


def test_analyses_leave_embeddings_out_unless_asked(store: Store) -> None:
    vector = TurnEmbedding("warmline.embedding.v1", 0, model="m", vector=(0.25, -0.5))
    store.save_analyses([Analysis(conversation("c1"), (vector,))])
    assert store.get_analysis("c1").annotations == ()
    run = store.save_analyses([Analysis(conversation("c1"), (vector,))], include_embeddings=True)
    assert store.get_analysis("c1", run=run).annotations == (vector,)


def test_analyses_rescoring_keeps_both_runs_and_the_latest_is_the_default(store: Store) -> None:
    convo = conversation("c1")
    first = store.save_analyses([_analysed(convo, _score(40.0, "1"))])
    second = store.save_analyses([_analysed(convo, _score(70.0, "2"))])
    assert second > first
    latest = store.get_analysis("c1").first(Score)
    older = store.get_analysis("c1", run=first).first(Score)
    assert latest is not None and (latest.score, latest.scorecard_version) == (70.0, "2")
    assert older is not None and (older.score, older.scorecard_version) == (40.0, "1")
    runs = store.runs_for("c1")
    assert [(r.id, r.score, r.scorecard_id, r.scorecard_version, r.latest) for r in runs] == [
        (second, 70.0, "warmline.default", "2", True),
        (first, 40.0, "warmline.default", "1", False),
    ]
    assert all(r.current for r in runs)
    assert store.ingest([convo]).unchanged == 1  # re-importing the same content keeps the analyses current
    assert store.list_conversations().items[0].score == 70.0


def test_analyses_run_records_analysers_versions_and_shipped_model_checksums(store: Store) -> None:
    pipeline = Pipeline.from_names(PLAIN)
    store.save_analyses(pipeline.analyse([conversation("c1")]), RunInfo.for_pipeline(pipeline))
    (run,) = store.runs_for("c1")
    assert run.analysers == PLAIN
    models = files("warmline") / "data" / "models"
    encoder: dict[str, Any] = json.loads((models / "encoder.json").read_text(encoding="utf-8"))
    assert run.encoder_sha256 == encoder["files"]["model"]["sha256"]
    assert run.models[encoder["name"]] == encoder["files"]["model"]["sha256"]
    assert run.score is None and run.scorecard_id is None  # this pipeline scores nothing


def test_analyses_of_changed_content_are_no_longer_the_latest(store: Store) -> None:
    run = store.save_analyses([_analysed(conversation("c1"), _score(55.0, "1"))])
    store.ingest([conversation("c1", texts=("A new transcript",))])
    with pytest.raises(NotFoundError, match="no analysis of its present content"):
        store.get_analysis("c1")
    (summary,) = store.runs_for("c1")
    assert (summary.id, summary.current, summary.latest) == (run, False, False)
    assert store.get_analysis("c1", run=run).first(Score) is not None
    assert store.list_conversations().items[0].score is None


def test_analyses_saving_stores_the_analysed_conversation(store: Store) -> None:
    convo = conversation("new-one")
    store.save_analyses([_analysed(convo)])
    assert store.get_conversation("new-one") == convo
    assert store.ingest([convo]).unchanged == 1


def test_analyses_a_failed_save_saves_nothing(store: Store) -> None:
    good = _analysed(conversation("c1"))
    bad = _analysed(conversation("c2", texts=("\x00",)))
    with pytest.raises(InvalidInputError, match=r"record c2: .*NUL"):
        store.save_analyses([good, bad])
    with pytest.raises(NotFoundError):
        store.get_conversation("c1")
    with pytest.raises(InvalidInputError, match="appears twice in one run"):
        store.save_analyses([good, good])


def test_analyses_unknown_conversation_or_run_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.get_analysis("nope")
    with pytest.raises(NotFoundError):
        store.runs_for("nope")
    run = store.save_analyses([_analysed(conversation("c1"))])
    store.ingest([conversation("c2")])
    with pytest.raises(NotFoundError, match=f"run {run} did not analyse conversation 'c2'"):
        store.get_analysis("c2", run=run)
    with pytest.raises(NotFoundError, match="no analysis"):
        store.get_analysis("c2")
