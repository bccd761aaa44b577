"""The turn-per-row CSV importer and exporter: header aliases, grouping, times, errors, round trips."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warmline.errors import InvalidInputError
from warmline.io import RecordError, detect_format, get_exporter, get_importer
from warmline.io.csv_turns import CsvTurnsExporter, CsvTurnsImporter
from warmline.io.warmline_json import WarmlineJSONExporter, WarmlineJSONImporter
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
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"

SEMICOLON_MAP = {
    "conversation_id": "Call Ref",
    "speaker": "Who Spoke",
    "start": "From (s)",
    "end": "To (s)",
    "text": "What Was Said",
    "agent_id": "Agent Login",
}


def read_all(path: Path, importer: CsvTurnsImporter | None = None) -> list[Conversation | RecordError]:
    return list((importer or CsvTurnsImporter()).read(path))


def conversations(items: list[Conversation | RecordError]) -> list[Conversation]:
    bad = [i for i in items if isinstance(i, RecordError)]
    assert not bad, [str(b.error) for b in bad]
    return [i for i in items if isinstance(i, Conversation)]


def write(tmp_path: Path, text: str, name: str = "calls.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _strip(convo: Conversation) -> Conversation:
    return replace(convo, metadata={})


def test_csv_turns_groups_interleaved_chats_in_order_of_first_row() -> None:
    convos = conversations(read_all(FIXTURES / "chat_log.csv"))
    assert [c.id for c in convos] == ["CH-1001", "CH-1002", "CH-1003"]
    first = convos[0]
    assert first.channel is Channel.CHAT
    assert (first.agent_id, first.team) == ("maria.k", "returns")
    assert first.started_at == datetime(2024, 5, 2, 9, 14, 3, tzinfo=UTC)
    assert [t.role for t in first.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    # a quoted cell may hold the delimiter and a line break
    assert first.turns[2].text == "It's A-55231. The lid is cracked,\nand the box was soaked."
    # message timestamps become seconds from the first message
    assert [t.start for t in first.turns] == [0.0, 38.0, 59.0, 137.0, 162.0]
    assert all(t.end is None for t in first.turns)
    assert [t.role for t in convos[1].turns] == [Role.BOT, Role.CUSTOMER, Role.AGENT]


def test_csv_turns_infers_roles_when_every_speaker_is_a_name() -> None:
    convo = conversations(read_all(FIXTURES / "chat_log.csv"))[2]
    assert [(t.speaker_id, t.role) for t in convo.turns][:2] == [("Tom", Role.AGENT), ("Priya", Role.CUSTOMER)]
    inference = convo.metadata["role_inference"]
    assert inference["speakers"] == {"Tom": "agent", "Priya": "customer"}
    assert inference["confidence"] > 0.7


def test_csv_turns_semicolon_file_with_column_map() -> None:
    convos = conversations(read_all(FIXTURES / "rep_calls_semicolon.csv", CsvTurnsImporter(column_map=SEMICOLON_MAP)))
    assert [c.id for c in convos] == ["4410", "4411"]
    call = convos[0]
    assert call.channel is Channel.VOICE  # every turn has a start and an end
    assert call.agent_id == "ola.w"
    assert [(t.role, t.speaker_id) for t in call.turns][:2] == [(Role.AGENT, "Rep"), (Role.CUSTOMER, "Caller")]
    # decimal commas, and a quoted cell holding the delimiter
    assert (call.turns[1].start, call.turns[1].end) == (4.8, 11.5)
    assert call.turns[4].text.endswith("on your street; our engineers expect it fixed by 6pm.")


def test_csv_turns_unknown_headers_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_all(FIXTURES / "rep_calls_semicolon.csv")
    message = str(info.value)
    assert message.startswith(f"{FIXTURES / 'rep_calls_semicolon.csv'}:1: field 'speaker': no speaker column")
    assert "column_map={'speaker': '<your column>'}" in message
    with pytest.raises(InvalidInputError, match="column_map sends 'text' to 'Utterance', but the header has no such"):
        read_all(FIXTURES / "rep_calls_semicolon.csv", CsvTurnsImporter(column_map={"text": "Utterance"}))


def test_csv_turns_bad_speaker_names_file_line_and_field_and_keeps_going(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "call_id,speaker,text\n"
        "c1,customer,My bill is wrong.\n"
        "c2,customer,My card was declined.\n"
        "c1,agnet,Let me check.\n"
        "c2,agent,I'm sorry about that.\n",
    )
    items = read_all(path)
    assert isinstance(items[0], RecordError)
    assert str(items[0].error) == (
        f"{path}:4: field 'speaker': 'agnet' is not agent, customer, bot or system — use a speaker map"
    )
    assert isinstance(items[1], Conversation) and items[1].id == "c2" and len(items[1]) == 2


def test_csv_turns_bad_time_names_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'call_id,role,Start Time,text\nc1,agent,0,Hello\nc1,customer,"1:7x",Hi\nc2,agent,0:03,Hello\n',
    )
    items = read_all(path)
    assert isinstance(items[0], RecordError)
    assert str(items[0].error).startswith(f"{path}:3: field 'Start Time': '1:7x' is not a time")
    assert isinstance(items[1], Conversation) and items[1].turns[0].start == 3.0


def test_csv_turns_turn_ending_before_it_starts_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "call_id,role,start,end,text\nc1,agent,5,4,Hello\n")
    (item,) = read_all(path)
    assert isinstance(item, RecordError)
    assert str(item.error) == f"{path}:2: field 'end': the turn ends (4s) before it starts (5s)"


def test_csv_turns_unquoted_delimiter_in_text_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "call_id;role;text\nc1;agent;Hello; how are you?\n")
    (item,) = read_all(path)
    assert isinstance(item, RecordError)
    assert "calls.csv:2: the row has 4 fields but the header has 3" in str(item.error)


@pytest.mark.parametrize(
    ("header", "value", "seconds"),
    [
        ("start", "12.5", 12.5),
        ("start", "00:01:02.250", 62.25),
        ("start", "01:02", 62.0),
        ("start_ms", "1500", 1.5),
    ],
)
def test_csv_turns_time_shapes(tmp_path: Path, header: str, value: str, seconds: float) -> None:
    path = write(tmp_path, f"contact_id\tparty\t{header}\tutterance\nx\tagent\t{value}\tHello\n", name="calls.tsv")
    (convo,) = conversations(read_all(path))
    assert convo.turns[0].start == seconds


def test_csv_turns_speaker_map_and_no_id_column(tmp_path: Path) -> None:
    path = write(tmp_path, "Speaker,Message\nDana,Hello\nSam,Hi\n", name="one-call.csv")
    (convo,) = conversations(read_all(path, CsvTurnsImporter(speaker_map={"dana": "agent", "Sam": "customer"})))
    assert convo.id == "one-call"
    assert [(t.role, t.speaker_id) for t in convo.turns] == [(Role.AGENT, "Dana"), (Role.CUSTOMER, "Sam")]


def test_csv_turns_round_trip_through_csv_export(tmp_path: Path) -> None:
    original = conversations(read_all(FIXTURES / "chat_log.csv"))
    original += conversations(
        read_all(FIXTURES / "rep_calls_semicolon.csv", CsvTurnsImporter(column_map=SEMICOLON_MAP))
    )
    out = tmp_path / "export.csv"
    assert CsvTurnsExporter().write(original, out) == 5
    assert detect_format(out).name == "csv"
    again = conversations(read_all(out))
    # role inference and import notes are not columns; everything else comes back equal
    assert [_strip(c) for c in again] == [_strip(c) for c in original]


def test_csv_turns_export_flattens_annotations(tmp_path: Path) -> None:
    convo = Conversation(
        id="c9",
        turns=(
            Turn(0, Role.CUSTOMER, "My bill is wrong again!", start=0.0, end=2.0, channel="left"),
            Turn(1, Role.AGENT, "I'm so sorry, let me fix that.", start=2.5, end=4.0, channel="right"),
        ),
        channel=Channel.VOICE,
    )
    evidence = Evidence(1, 0, 12, "I'm so sorry")
    analysis = Analysis(
        convo,
        (
            CustomerEmotion("warmline.customer_emotion.v1", 0, label="anger", scores={"anger": 0.8, "neutral": 0.2}),
            Behaviour("warmline.behaviours.v1", 1, behaviour="apology", confidence=0.93, evidence=(evidence,)),
            Behaviour("warmline.behaviours.v1", 1, behaviour="ownership", confidence=0.71),
            TurnEmbedding("warmline.embedding.v1", 1, model="minilm", vector=(0.1, 0.2)),
            TalkMetrics("warmline.talk_metrics.v1", None, turns=2),
        ),
    )
    buffer = io.StringIO()
    assert get_exporter("csv").write([analysis], buffer) == 1
    header, *cells = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert header[:9] == [
        "conversation_id",
        "channel",
        "agent_id",
        "customer_id",
        "team",
        "started_at",
        "turn_index",
        "role",
        "speaker_id",
    ]
    assert header[9:13] == ["audio_channel", "start", "end", "text"]
    assert "customer_emotion.label" in header and "customer_emotion.scores.anger" in header
    assert "behaviour.behaviour" in header and "behaviour.evidence" not in header
    assert not any(h.startswith(("embedding.", "talk_metrics.")) for h in header)
    rows = [dict(zip(header, row, strict=True)) for row in cells]
    assert rows[0]["customer_emotion.label"] == "anger"
    assert rows[0]["customer_emotion.scores.anger"] == "0.8"
    assert rows[1]["behaviour.behaviour"] == "apology;ownership"
    assert rows[1]["behaviour.confidence"] == "0.93;0.71"
    assert rows[0]["behaviour.behaviour"] == ""
    # the annotated file still reads back as the conversation
    out = write(tmp_path, buffer.getvalue(), name="annotated.csv")
    (again,) = conversations(read_all(out))
    assert again == convo


@pytest.mark.parametrize(
    ("name", "importer"),
    [("chat_log.csv", CsvTurnsImporter()), ("rep_calls_semicolon.csv", CsvTurnsImporter(column_map=SEMICOLON_MAP))],
)
def test_csv_turns_round_trip_through_warmline_json(tmp_path: Path, name: str, importer: CsvTurnsImporter) -> None:
    convos = conversations(read_all(FIXTURES / name, importer))
    out = tmp_path / "out.json"
    WarmlineJSONExporter().write(convos, out)
    assert list(WarmlineJSONImporter().read(out)) == convos


@pytest.mark.parametrize("name", ["chat_log.csv", "rep_calls_semicolon.csv"])
def test_csv_turns_is_detected(name: str) -> None:
    assert detect_format(FIXTURES / name).name == "csv"
    assert get_importer("csv").name == "csv"


@pytest.mark.slow
def test_csv_turns_streams_a_large_interleaved_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("conversation_id,role,start,end,text\n")
        for i in range(100_000):
            convo, position = i % 500, i // 500
            role = "agent" if position % 2 == 0 else "customer"
            fh.write(f"c{convo},{role},{position * 3},{position * 3 + 2},turn {position} of call {convo}\n")
    convos = conversations(read_all(path))
    assert len(convos) == 500
    assert all(len(c) == 200 for c in convos)
    assert convos[7].turns[199].text == "turn 199 of call 7"
    assert convos[7].turns[199].start == 597.0


def test_csv_turns_names_without_any_role_cues_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "call_id,speaker,text\nc1,Ann,Hello.\nc1,Bo,Hi.\nc2,agent,Hello.\n")
    items = read_all(path)
    assert isinstance(items[0], RecordError)
    assert str(items[0].error) == (
        f"{path}:2: field 'speaker': cannot tell which speaker is the agent among 'Ann', 'Bo': "
        "nothing they say tells them apart — use a speaker map"
    )
    assert isinstance(items[1], Conversation)


def test_csv_turns_reads_windows_line_endings_and_a_byte_order_mark(tmp_path: Path) -> None:
    source = FIXTURES / "chat_log.csv"
    path = tmp_path / "chat_log.csv"
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes().replace(b"\n", b"\r\n"))
    assert read_all(path) == read_all(source)
