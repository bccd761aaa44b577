"""The published JSON Schema (docs/schema/warmline-1.schema.json) matches what warmline writes and reads."""

from __future__ import annotations

import copy
import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from typer.testing import CliRunner

from warmline.cli import app
from warmline.errors import InvalidInputError
from warmline.model import (
    Analysis,
    Annotation,
    Behaviour,
    Channel,
    Conversation,
    CustomerEmotion,
    EmotionalMoment,
    Evidence,
    Role,
    Score,
    ScriptedPhrase,
    SentimentTrajectory,
    TalkMetrics,
    Turn,
    TurnEmbedding,
    TurnStats,
)

SCHEMA_PATH = Path(__file__).parent.parent / "docs" / "schema" / "warmline-1.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
ABCD_FIXTURE = Path(__file__).parent / "fixtures" / "io" / "abcd" / "abcd_two_conversations.json"

#: The annotation types the schema checks strictly, by their JSON ``type``.
STRICT_TYPES: dict[str, type[Annotation]] = {
    cls.type: cls
    for cls in (
        TurnStats,
        TalkMetrics,
        TurnEmbedding,
        CustomerEmotion,
        Behaviour,
        EmotionalMoment,
        SentimentTrajectory,
        ScriptedPhrase,
        Score,
    )
}


def _errors(doc: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


def _conversation() -> Conversation:
    return Conversation(
        id="call-7",
        channel=Channel.VOICE,
        started_at=datetime(2024, 5, 2, 14, 3, 9, 250000, tzinfo=UTC),
        agent_id="agent-maya",
        customer_id="cust-88",
        team="retention",
        metadata={"queue": "cancellations", "import_notes": {"dropped_empty_turns": 1}},
        turns=(
            Turn(
                0,
                Role.AGENT,
                "Thanks for calling, this is Maya.",
                speaker_id="spk_0",
                start=0.0,
                end=2.5,
                channel="ch_0",
            ),
            Turn(1, Role.CUSTOMER, "I want to cancel. This is the third outage!", start=2.0, end=6.0, channel="ch_1"),
            Turn(2, Role.BOT, "This call may be recorded.", metadata={"source": "ivr"}),
            Turn(3, Role.SYSTEM, "Account pulled up."),
            Turn(4, Role.AGENT, "I'm really sorry, that sounds exhausting.", start=6.5, end=9.0),
        ),
    )


def _analysis() -> Analysis:
    convo = _conversation()
    return Analysis(
        convo,
        (
            TurnStats(analyser="warmline.turn_stats.v1", turn_index=1, words=8, characters=44, questions=0),
            TurnEmbedding(analyser="warmline.embedding.v1", turn_index=1, model="minilm", vector=(0.6, -0.8, 0.0)),
            CustomerEmotion(
                analyser="warmline.customer_emotion.v1",
                turn_index=1,
                label="frustration",
                scores={"frustration": 0.7, "anger": 0.2, "neutral": 0.1},
                sentiment=-1.0,
                intensity=1.0,
            ),
            Behaviour(
                analyser="warmline.behaviours.v1",
                turn_index=4,
                behaviour="validation",
                confidence=0.91,
                polarity="positive",
                evidence=(Evidence(4, 18, 40, "that sounds exhausting"),),
                source="model",
            ),
            Behaviour(
                analyser="warmline.behaviours.v1",
                turn_index=4,
                behaviour="blame",
                polarity="negative",
                source="phrase_bank",
            ),
            Behaviour(
                analyser="warmline.behaviours.v1",
                turn_index=4,
                behaviour="empathy_statement",
                confidence=1.0,
                evidence=(Evidence(4, 0, 17, "I'm really sorry,"),),
                source="model+phrase_bank",
            ),
            TalkMetrics(
                analyser="warmline.talk_metrics.v1",
                turn_index=None,
                turns=5,
                agent_turns=2,
                customer_turns=1,
                duration=9.0,
                talk_ratio=0.5,
                silences=({"start": 10.0, "end": 16.0, "seconds": 6.0},),
                interruptions=(
                    {
                        "turn_index": 1,
                        "interrupted_turn_index": 0,
                        "by": "customer",
                        "interrupted": "agent",
                        "at": 2.0,
                        "overlap": 0.5,
                    },
                ),
                agent_interruptions=0,
                customer_interruptions=1,
                mean_agent_response_time=0.5,
                max_agent_response_time=0.5,
            ),
            *_scoring_annotations(),
        ),
    )


def _scoring_annotations() -> tuple[Annotation, ...]:
    """One of each scoring annotation, built the way the real pipeline builds them."""
    from warmline.scoring.score import score_analysis
    from warmline.scoring.scorecard import Scorecard

    moment = EmotionalMoment(
        analyser="warmline.emotional_moments.v1",
        turn_index=0,
        emotion="frustration",
        intensity=0.7,
        sentiment=-0.6,
        status="missed",
        response_turn_indexes=(1,),
        reason="the customer showed frustration; the agent went straight to process",
        evidence=(Evidence(0, 0, 4, "Hi, "),),
        better_response="I can hear how frustrating this has been.",
    )
    trajectory = SentimentTrajectory(
        analyser="warmline.sentiment_trajectory.v1",
        turn_index=None,
        start=-0.6,
        end=0.4,
        lowest=-0.6,
        lowest_turn_index=0,
        recovery=1.0,
        turning_point_turn_index=2,
        timeline=({"turn_index": 0, "start": 0.0, "sentiment": -0.6, "emotion": "frustration", "intensity": 0.7},),
    )
    scripted = ScriptedPhrase(
        analyser="warmline.scripted_phrases.v1",
        turn_index=4,
        phrase="I'm really sorry,",
        occurrences=2,
        similarity=0.97,
        evidence=(Evidence(4, 0, 17, "I'm really sorry,"),),
    )
    score = score_analysis(Analysis(_conversation(), (moment, trajectory, scripted)), Scorecard.load())
    return (moment, trajectory, scripted, score)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    "convo",
    [
        Conversation(id="minimal"),
        Conversation(id="c", turns=(Turn(0, Role.CUSTOMER, ""),)),
        Conversation(id="naive-time", started_at=datetime(2024, 1, 2, 3, 4, 5)),
        _conversation(),
    ],
    ids=["minimal", "empty-text", "naive-time", "full"],
)
def test_schema_accepts_conversation_to_dict(convo: Conversation) -> None:
    assert _errors(convo.to_dict()) == []


def test_schema_accepts_analysis_to_dict_with_every_strict_type() -> None:
    doc = _analysis().to_dict(include_embeddings=True)
    written = {a["type"] for t in doc["turns"] for a in t["annotations"]} | {a["type"] for a in doc["annotations"]}
    assert written == set(STRICT_TYPES)
    assert _errors(doc) == []
    assert _errors(_analysis().to_dict()) == []
    assert _errors([doc, _conversation().to_dict()]) == []


def test_schema_accepts_unknown_annotation_types_with_the_common_fields() -> None:
    doc = _conversation().to_dict()
    doc["annotations"] = [{"type": "hold_music", "analyser": "acme.hold.v1", "turn_index": None, "seconds": 42}]
    doc["turns"][0]["annotations"] = [{"type": "acme_tag", "analyser": "acme.tag.v2", "turn_index": 0, "tags": ["x"]}]
    assert _errors(doc) == []
    del doc["annotations"][0]["analyser"]
    assert _errors(doc) != []


@pytest.mark.parametrize("kind", sorted(STRICT_TYPES))
def test_schema_strict_types_list_exactly_the_model_fields(kind: str) -> None:
    """Adding a field to an annotation dataclass must come with a schema change (and vice versa)."""
    definition = SCHEMA["$defs"][kind]
    model_fields = {"type"} | {f.name for f in fields(STRICT_TYPES[kind])}
    assert set(definition["properties"]) == model_fields
    assert set(definition["required"]) == model_fields
    assert definition["additionalProperties"] is False


def test_schema_conversation_and_turn_list_exactly_the_model_fields() -> None:
    defs = SCHEMA["$defs"]
    assert set(defs["conversation"]["properties"]) == {"schema", "annotations"} | {f.name for f in fields(Conversation)}
    assert set(defs["turn"]["properties"]) == {"annotations"} | {f.name for f in fields(Turn)}
    assert defs["turn"]["properties"]["role"]["enum"] == [r.value for r in Role]
    assert defs["conversation"]["properties"]["channel"]["enum"] == [c.value for c in Channel]


def test_schema_accepts_cli_analyze_json_output(tmp_path: Path, voice_call: Conversation, chat: Conversation) -> None:
    runner = CliRunner()
    source = tmp_path / "calls.jsonl"
    source.write_text("\n".join(json.dumps(c.to_dict()) for c in (voice_call, chat)) + "\n", encoding="utf-8")
    for path in (source, ABCD_FIXTURE):
        result = runner.invoke(app, ["analyze", str(path), "--output", "json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert isinstance(doc, list) and len(doc) == 2
        assert _errors(doc) == []
    # the voice call has timestamps: its talk metrics fill silences and interruptions
    result = runner.invoke(app, ["analyze", str(source), "--output", "json"])
    metrics = [a for a in json.loads(result.stdout)[0]["annotations"] if a["type"] == "talk_metrics"]
    assert metrics and metrics[0]["interruptions"]


def test_schema_accepts_cli_analyze_with_embeddings(tmp_path: Path, chat: Conversation) -> None:
    source = tmp_path / "chat.json"
    source.write_text(json.dumps(chat.to_dict()), encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(source), "--output", "jsonl", "--include-embeddings"])
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():
        assert _errors(json.loads(line)) == []


def _broken(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(_analysis().to_dict(include_embeddings=True))
    turn, emotion = doc["turns"][1], doc["turns"][1]["annotations"][2]
    behaviour, metrics = doc["turns"][4]["annotations"][0], doc["annotations"][0]
    edits = {
        "bad role": lambda: turn.update(role="agnet"),
        "missing id": lambda: doc.pop("id"),
        "blank id": lambda: doc.update(id="  "),
        "other schema version": lambda: doc.update(schema="warmline/2"),
        "bad channel": lambda: doc.update(channel="fax"),
        "turn without text": lambda: turn.pop("text"),
        "negative index": lambda: turn.update(index=-1),
        "negative start": lambda: turn.update(start=-0.5),
        "unknown conversation field": lambda: doc.update(agentid="a"),
        "sentiment above 1": lambda: emotion.update(sentiment=1.5),
        "intensity above 1": lambda: emotion.update(intensity=1.2),
        "score above 1": lambda: emotion["scores"].update(anger=2.0),
        "confidence below 0": lambda: behaviour.update(confidence=-0.1),
        "unknown polarity": lambda: behaviour.update(polarity="neutral"),
        "evidence without end": lambda: behaviour["evidence"][0].pop("end"),
        "turn_stats missing words": lambda: doc["turns"][1]["annotations"][0].pop("words"),
        "talk ratio above 1": lambda: metrics.update(talk_ratio=1.5),
        "talk metrics on a turn": lambda: metrics.update(turn_index=3),
        "annotation without type": lambda: metrics.pop("type"),
    }
    edits[change]()
    return doc


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("bad role", "$.turns[1].role"),
        ("missing id", "$"),
        ("blank id", "$.id"),
        ("other schema version", "$.schema"),
        ("bad channel", "$.channel"),
        ("turn without text", "$.turns[1]"),
        ("negative index", "$.turns[1].index"),
        ("negative start", "$.turns[1].start"),
        ("unknown conversation field", "$"),
        ("sentiment above 1", "$.turns[1].annotations[2].sentiment"),
        ("intensity above 1", "$.turns[1].annotations[2].intensity"),
        ("score above 1", "$.turns[1].annotations[2].scores.anger"),
        ("confidence below 0", "$.turns[4].annotations[0].confidence"),
        ("unknown polarity", "$.turns[4].annotations[0].polarity"),
        ("evidence without end", "$.turns[4].annotations[0].evidence[0]"),
        ("turn_stats missing words", "$.turns[1].annotations[0]"),
        ("talk ratio above 1", "$.annotations[0].talk_ratio"),
        ("talk metrics on a turn", "$.annotations[0].turn_index"),
        ("annotation without type", "$.annotations[0]"),
    ],
)
def test_schema_rejects_broken_documents_naming_where(change: str, where: str) -> None:
    error = best_match(VALIDATOR.iter_errors(_broken(change)))
    assert error is not None
    assert error.json_path == where, error.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("bad role", "turns[1].role"),
        ("missing id", "id"),
        ("blank id", "id"),
        ("bad channel", "channel"),
        ("turn without text", "turns[1].text"),
        ("negative start", "turns[1].start"),
    ],
)
def test_schema_and_model_reject_the_same_conversations(change: str, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        Conversation.from_dict(_broken(change))
    assert caught.value.field == field
