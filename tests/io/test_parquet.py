"""The Parquet exporter and importer: one row per turn, annotations as JSON, and a lossless round trip."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from warmline.cli import app
from warmline.errors import InvalidInputError
from warmline.io import detect_format, get_exporter, get_importer, load
from warmline.io.base import RecordError
from warmline.io.parquet import ParquetExporter, arrow_schema, read_analyses
from warmline.model import (
    Analysis,
    Behaviour,
    Channel,
    Conversation,
    CustomerEmotion,
    Evidence,
    Role,
    TalkMetrics,
    Turn,
    TurnEmbedding,
    TurnStats,
)
from warmline.pipeline import Pipeline

runner = CliRunner()


def _detailed() -> Conversation:
    return Conversation(
        id="email-9",
        channel=Channel.EMAIL,
        started_at=datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        agent_id="agent-7",
        customer_id="cust-3",
        team="billing",
        metadata={"queue": "refunds", "tags": ["vip", "repeat"], "nested": {"a": 1}},
        turns=(
            Turn(0, Role.CUSTOMER, "Why was I charged twice? 😡", speaker_id="c", metadata={"subject": "Refund"}),
            Turn(1, Role.BOT, "Routing you to billing.", channel="web"),
            Turn(2, Role.AGENT, "I'm so sorry, I can see the double charge.", speaker_id="a"),
        ),
    )


def _analysis(convo: Conversation) -> Analysis:
    return Analysis(
        convo,
        (
            TurnStats(analyser="warmline.turn_stats.v1", turn_index=0, words=6, characters=27, questions=1),
            CustomerEmotion(
                analyser="warmline.customer_emotion.v1",
                turn_index=0,
                label="anger",
                scores={"anger": 0.75, "neutral": 0.25},
                sentiment=-0.5,
                intensity=0.75,
            ),
            Behaviour(
                analyser="warmline.behaviours.v1",
                turn_index=2,
                behaviour="apology",
                confidence=0.875,
                evidence=(Evidence(2, 0, 13, "I'm so sorry,"),),
                source="phrase_bank",
            ),
            TurnEmbedding(analyser="warmline.embedding.v1", turn_index=2, model="m", vector=(0.5, -0.25, 0.125)),
            TalkMetrics(
                analyser="warmline.talk_metrics.v1",
                turn_index=None,
                turns=3,
                silences=({"start": 1.0, "end": 7.0, "seconds": 6.0},),
            ),
        ),
    )


def _without_embeddings(analysis: Analysis) -> Analysis:
    return Analysis(analysis.conversation, tuple(a for a in analysis.annotations if not isinstance(a, TurnEmbedding)))


def test_parquet_is_registered_for_import_and_export() -> None:
    assert get_exporter("parquet").suffix == ".parquet"
    assert get_importer("parquet").name == "parquet"


def test_parquet_conversations_round_trip(tmp_path: Path, voice_call: Conversation, chat: Conversation) -> None:
    convos = [voice_call, chat, _detailed(), Conversation(id="empty", metadata={"note": "no turns yet"})]
    out = tmp_path / "turns.parquet"
    assert ParquetExporter().write(convos, out) == 4
    assert detect_format(out).name == "parquet"
    result = load([out])
    assert result.errors == []
    assert result.conversations == convos


def test_parquet_analyses_round_trip_with_annotations(tmp_path: Path, voice_call: Conversation) -> None:
    analyses = [_analysis(_detailed()), *Pipeline.default().analyse([voice_call])]
    out = tmp_path / "analyses.parquet"
    ParquetExporter().write(analyses, out)
    back = [b for b in read_analyses(out) if isinstance(b, Analysis)]
    expected = [Analysis.from_dict(_without_embeddings(a).to_dict()) for a in analyses]
    assert back == expected
    assert [b.to_dict() for b in back] == [a.to_dict() for a in analyses]


def test_parquet_embeddings_only_when_asked(tmp_path: Path) -> None:
    analysis = _analysis(_detailed())
    plain, with_vectors = tmp_path / "plain.parquet", tmp_path / "vectors.parquet"
    ParquetExporter().write([analysis], plain)
    ParquetExporter(include_embeddings=True).write([analysis], with_vectors)

    assert "embedding" not in pq.read_schema(plain).names
    assert not any(isinstance(a, TurnEmbedding) for a in next(iter(read_analyses(plain))).annotations)  # type: ignore[union-attr]

    table = pq.read_table(with_vectors)
    assert table.schema.field("embedding").type == pa.list_(pa.float32())
    assert table.column("embedding").to_pylist() == [None, None, [0.5, -0.25, 0.125]]
    assert "vector" not in table.column("annotations")[2].as_py()
    back = next(iter(read_analyses(with_vectors)))
    assert back == Analysis.from_dict(analysis.to_dict(include_embeddings=True))


def test_parquet_one_row_per_turn_with_conversation_fields_repeated(tmp_path: Path) -> None:
    out = tmp_path / "turns.parquet"
    ParquetExporter().write([_analysis(_detailed())], out)
    rows = pq.read_table(out).to_pylist()
    assert [r["turn_index"] for r in rows] == [0, 1, 2]
    assert {r["conversation_id"] for r in rows} == {"email-9"}
    assert {r["channel"] for r in rows} == {"email"}
    assert {r["started_at"] for r in rows} == {"2024-03-01T09:30:00+01:00"}
    assert {r["team"] for r in rows} == {"billing"}
    assert json.loads(rows[0]["conversation_metadata"])["tags"] == ["vip", "repeat"]
    assert [r["role"] for r in rows] == ["customer", "bot", "agent"]
    assert json.loads(rows[0]["turn_metadata"]) == {"subject": "Refund"}
    assert [a["type"] for a in json.loads(rows[0]["annotations"])] == ["turn_stats", "customer_emotion"]
    assert json.loads(rows[1]["annotations"]) == []
    conversation_level = {r["conversation_annotations"] for r in rows}
    assert len(conversation_level) == 1
    assert [a["type"] for a in json.loads(conversation_level.pop())] == ["talk_metrics"]


def test_parquet_conversations_without_analysis_have_null_annotation_columns(tmp_path: Path) -> None:
    out = tmp_path / "turns.parquet"
    ParquetExporter().write([_detailed()], out)
    table = pq.read_table(out)
    assert table.column("annotations").null_count == 3
    assert table.column("conversation_annotations").null_count == 3
    assert table.schema.metadata[b"warmline.format"].startswith(b"warmline/1")


def test_parquet_writes_bounded_row_groups(tmp_path: Path) -> None:
    turns = tuple(Turn(i, Role.AGENT if i % 2 else Role.CUSTOMER, f"turn {i}") for i in range(25_000))
    out = tmp_path / "long.parquet"
    ParquetExporter(row_group_rows=10_000).write([Conversation(id="long", turns=turns)], out)
    meta = pq.ParquetFile(out).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [10_000, 10_000, 5_000]
    (convo,) = load([out]).conversations
    assert convo.turns == turns


def test_parquet_is_detected_by_magic_bytes_without_the_suffix(tmp_path: Path, chat: Conversation) -> None:
    out = tmp_path / "export.bin"
    ParquetExporter().write([chat], out)
    assert detect_format(out).name == "parquet"


def test_parquet_cli_analyze_writes_and_reads_back(tmp_path: Path, voice_call: Conversation) -> None:
    source = tmp_path / "call.json"
    source.write_text(json.dumps(voice_call.to_dict()), encoding="utf-8")
    out = tmp_path / "call.parquet"
    result = runner.invoke(app, ["analyze", str(source), "--output", "parquet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (analysis,) = list(read_analyses(out))
    assert isinstance(analysis, Analysis)
    assert analysis.conversation == voice_call
    assert analysis.first(TalkMetrics) is not None

    again = runner.invoke(app, ["analyze", str(out), "--output", "jsonl"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["id"] == voice_call.id


def test_parquet_cli_needs_a_file(tmp_path: Path, chat: Conversation) -> None:
    source = tmp_path / "chat.json"
    source.write_text(json.dumps(chat.to_dict()), encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(source), "--output", "parquet"])
    assert result.exit_code == 2
    assert "--out" in result.stderr
    assert "Traceback" not in result.output


def test_parquet_bad_role_is_a_record_error_naming_record_and_field(tmp_path: Path, chat: Conversation) -> None:
    out = tmp_path / "turns.parquet"
    ParquetExporter().write([chat, Conversation(id="x", turns=(Turn(0, Role.AGENT, "hi"),))], out)
    table = pq.read_table(out)
    roles = table.column("role").to_pylist()
    roles[-1] = "agnet"
    pq.write_table(table.set_column(table.schema.get_field_index("role"), "role", pa.array(roles)), out)
    items = list(get_importer("parquet").read(out))
    assert items[0] == chat
    assert isinstance(items[1], RecordError)
    error = items[1].error
    assert (error.path, error.record, error.field) == (str(out), 2, "turns[0].role")


def test_parquet_file_without_warmline_columns_names_the_missing_column(tmp_path: Path) -> None:
    out = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": [1], "body": ["hello"]}), out)
    result = load([out])
    (error,) = result.errors
    assert isinstance(error, InvalidInputError)
    assert error.path == str(out) and error.field == "conversation_id"
    assert "missing column(s) conversation_id, turn_index, role, text" in str(error)


def test_parquet_truncated_file_is_an_error_naming_it(tmp_path: Path, chat: Conversation) -> None:
    out = tmp_path / "cut.parquet"
    ParquetExporter().write([chat], out)
    out.write_bytes(out.read_bytes()[:100])
    (error,) = load([out]).errors
    assert error.path == str(out) and "Parquet" in str(error)


def test_parquet_schema_columns_are_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "formats" / "parquet.md").read_text(encoding="utf-8")
    for name in arrow_schema(include_embeddings=True).names:
        assert f"`{name}`" in doc, name
