"""warmline's Parquet form: one row per turn, conversation fields repeated, annotations as JSON strings.

The table is meant for analytics tools (DuckDB, Spark, pandas) that want turns as rows, and it reads
back into the same conversations and annotations. Columns, in order:

========================  =========================  ================================================
column                    type                       what it holds
========================  =========================  ================================================
record                    int64                      1-based position of the conversation in the file
conversation_id           string                     ``Conversation.id``
channel                   string                     ``voice``, ``chat`` or ``email``
started_at                string                     ISO 8601, as in the JSON form (null if unknown)
agent_id, customer_id,    string                     as in the JSON form (null if unknown)
team
conversation_metadata     dictionary<string>         the conversation's metadata as a JSON object
turn_index                int64                      ``Turn.index`` (null: a conversation without turns)
role                      string                     ``agent``, ``customer``, ``bot`` or ``system``
text                      string                     the turn's text
speaker_id                string
start, end                float64                    seconds from the start of the conversation
turn_channel              string                     ``Turn.channel`` (audio channel)
turn_metadata             string                     the turn's metadata as a JSON object
annotations               string                     the turn's annotations as a JSON array (null when
                                                     the row came from a conversation, not an analysis)
conversation_annotations  dictionary<string>         the conversation-level annotations (``turn_index``
                                                     null, or naming no turn) as a JSON array, repeated
                                                     on every row of the conversation
embedding                 list<float32>              only with ``include_embeddings=True``: the turn's
                                                     ``TurnEmbedding`` vector (its other fields stay in
                                                     ``annotations`` without ``vector``)
========================  =========================  ================================================

Conversation-level strings are dictionary-encoded, so repeating them on every row costs one copy
per row group. Rows are written in row groups of at most ``row_group_rows`` rows or about
``row_group_bytes`` of text, whichever comes first, so a 100k-turn file is written in bounded memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, register_exporter, register_importer
from warmline.model import SCHEMA_VERSION, Analysis, Annotation, Conversation, TurnEmbedding

#: Key-value metadata in the Parquet footer naming what wrote the file.
FORMAT_KEY = b"warmline.format"
FORMAT_VALUE = f"{SCHEMA_VERSION}; parquet turns".encode()

_DICT_STRING = pa.dictionary(pa.int32(), pa.string())
_DICT_COLUMNS = ("conversation_metadata", "conversation_annotations")
_REQUIRED_COLUMNS = ("conversation_id", "turn_index", "role", "text")


def arrow_schema(*, include_embeddings: bool = False) -> pa.Schema:
    """The Arrow schema of warmline's Parquet form."""
    fields = [
        pa.field("record", pa.int64(), nullable=False),
        pa.field("conversation_id", pa.string(), nullable=False),
        pa.field("channel", pa.string()),
        pa.field("started_at", pa.string()),
        pa.field("agent_id", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("team", pa.string()),
        pa.field("conversation_metadata", _DICT_STRING),
        pa.field("turn_index", pa.int64()),
        pa.field("role", pa.string()),
        pa.field("text", pa.string()),
        pa.field("speaker_id", pa.string()),
        pa.field("start", pa.float64()),
        pa.field("end", pa.float64()),
        pa.field("turn_channel", pa.string()),
        pa.field("turn_metadata", pa.string()),
        pa.field("annotations", pa.string()),
        pa.field("conversation_annotations", _DICT_STRING),
    ]
    if include_embeddings:
        fields.append(pa.field("embedding", pa.list_(pa.float32())))
    return pa.schema(fields, metadata={FORMAT_KEY: FORMAT_VALUE})


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class _DictColumn:
    """A string column built as dictionary indices, so a value repeated on many rows is stored once."""

    positions: dict[str, int] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)
    indices: list[int | None] = field(default_factory=list)

    def append(self, value: str | None) -> None:
        if value is None:
            self.indices.append(None)
            return
        index = self.positions.get(value)
        if index is None:
            index = self.positions[value] = len(self.values)
            self.values.append(value)
        self.indices.append(index)

    def array(self) -> pa.DictionaryArray:
        indices = pa.array(self.indices, type=pa.int32())
        return pa.DictionaryArray.from_arrays(indices, pa.array(self.values, type=pa.string()))


class _Rows:
    """One row group being gathered."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.plain: dict[str, list[Any]] = {f.name: [] for f in schema if f.name not in _DICT_COLUMNS}
        self.dicts = {name: _DictColumn() for name in _DICT_COLUMNS}
        self.rows = 0
        self.bytes = 0

    def add(self, row: Mapping[str, Any]) -> None:
        for name, values in self.plain.items():
            values.append(row.get(name))
        for name, column in self.dicts.items():
            column.append(row.get(name))
        self.rows += 1
        self.bytes += len(row.get("text") or "") + len(row.get("annotations") or "")

    def table(self) -> pa.Table:
        arrays = [
            self.dicts[f.name].array() if f.name in self.dicts else pa.array(self.plain[f.name], type=f.type)
            for f in self.schema
        ]
        return pa.Table.from_arrays(arrays, schema=self.schema)


class ParquetExporter:
    """Writes conversations or analyses as one Parquet row per turn (see the module docstring for columns).

    Examples
    --------
    >>> ParquetExporter().write(analyses, Path("turns.parquet"))   # doctest: +SKIP
    """

    name = "parquet"
    suffix = ".parquet"

    def __init__(
        self, *, include_embeddings: bool = False, row_group_rows: int = 10_000, row_group_bytes: int = 64 << 20
    ) -> None:
        self.include_embeddings = include_embeddings
        self.row_group_rows = row_group_rows
        self.row_group_bytes = row_group_bytes

    def write(self, items: Iterable[object], out: IO[str] | Path) -> int:
        """Write ``items`` (``Conversation`` or ``Analysis``) to the file ``out``; returns how many."""
        if not isinstance(out, Path):
            raise WarmlineError("parquet is binary: give a file path", field="--out")
        schema = arrow_schema(include_embeddings=self.include_embeddings)
        count = 0
        with pq.ParquetWriter(out, schema, compression="zstd") as writer:
            rows = _Rows(schema)
            for item in items:
                count += 1
                for row in self._rows(item, count):
                    rows.add(row)
                    if rows.rows >= self.row_group_rows or rows.bytes >= self.row_group_bytes:
                        writer.write_table(rows.table())
                        rows = _Rows(schema)
            if rows.rows:
                writer.write_table(rows.table())
        return count

    def _rows(self, item: object, record: int) -> Iterator[dict[str, Any]]:
        if isinstance(item, Analysis):
            convo, annotations = item.conversation, item.annotations
        elif isinstance(item, Conversation):
            convo, annotations = item, None
        else:
            raise TypeError(f"cannot write {type(item).__name__} as Parquet")
        shared: dict[str, Any] = {
            "record": record,
            "conversation_id": convo.id,
            "channel": convo.channel.value,
            "started_at": convo.started_at.isoformat() if convo.started_at is not None else None,
            "agent_id": convo.agent_id,
            "customer_id": convo.customer_id,
            "team": convo.team,
            "conversation_metadata": _dumps(dict(convo.metadata)),
        }
        by_turn: dict[int, list[dict[str, Any]]] = {}
        vectors: dict[int, list[float]] = {}
        if annotations is not None:
            indexes = {t.index for t in convo.turns}
            conversation_level: list[dict[str, Any]] = []
            for a in annotations:
                if isinstance(a, TurnEmbedding) and not self.include_embeddings:
                    continue
                as_dict = a.to_dict()
                if a.turn_index is None or a.turn_index not in indexes:
                    conversation_level.append(as_dict)
                    continue
                if isinstance(a, TurnEmbedding) and a.turn_index not in vectors:
                    vectors[a.turn_index] = list(a.vector)
                    del as_dict["vector"]
                by_turn.setdefault(a.turn_index, []).append(as_dict)
            shared["conversation_annotations"] = _dumps(conversation_level)
        if not convo.turns:
            yield shared
            return
        for turn in convo.turns:
            row = dict(shared)
            row.update(
                turn_index=turn.index,
                role=turn.role.value,
                text=turn.text,
                speaker_id=turn.speaker_id,
                start=turn.start,
                end=turn.end,
                turn_channel=turn.channel,
                turn_metadata=_dumps(dict(turn.metadata)),
            )
            if annotations is not None:
                row["annotations"] = _dumps(by_turn.get(turn.index, []))
            if self.include_embeddings:
                row["embedding"] = vectors.get(turn.index)
            yield row


# --- reading -----------------------------------------------------------------------------------


def _values(array: Any) -> list[Any]:
    """A column of one batch as Python values; dictionary columns share one object per distinct value."""
    if isinstance(array, pa.DictionaryArray):
        dictionary = array.dictionary.to_pylist()
        return [None if i is None else dictionary[i] for i in array.indices.to_pylist()]
    values: list[Any] = array.to_pylist()
    return values


def _json(text: Any, where: str, default: Any) -> Any:
    if text is None:
        return default
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"not valid JSON: {exc}", field=where) from None


class _Group:
    """The rows of one conversation, as read."""

    def __init__(self, first: Mapping[str, Any]) -> None:
        self.first = dict(first)
        self.rows: list[dict[str, Any]] = []

    def build(self) -> Analysis:
        """The conversation and its annotations (``None`` annotations column: a plain conversation)."""
        first = self.first
        data: dict[str, Any] = {"schema": SCHEMA_VERSION, "id": first.get("conversation_id")}
        for name in ("channel", "started_at", "agent_id", "customer_id", "team"):
            if first.get(name) is not None:
                data[name] = first[name]
        data["metadata"] = _json(first.get("conversation_metadata"), "conversation_metadata", {})
        turns: list[dict[str, Any]] = []
        raw_annotations: list[dict[str, Any]] = []
        analysed = first.get("conversation_annotations") is not None
        for position, row in enumerate(r for r in self.rows if r.get("turn_index") is not None):
            turn: dict[str, Any] = {"index": row["turn_index"], "role": row.get("role"), "text": row.get("text")}
            for name, key in (
                ("speaker_id", "speaker_id"),
                ("start", "start"),
                ("end", "end"),
                ("turn_channel", "channel"),
            ):
                if row.get(name) is not None:
                    turn[key] = row[name]
            turn["metadata"] = _json(row.get("turn_metadata"), f"turns[{position}].metadata", {})
            turns.append(turn)
            if row.get("annotations") is not None:
                analysed = True
                for a in _json(row["annotations"], f"turns[{position}].annotations", []):
                    if not isinstance(a, dict):
                        raise InvalidInputError(
                            "an annotation must be a JSON object", field=f"turns[{position}].annotations"
                        )
                    if a.get("type") == TurnEmbedding.type and "vector" not in a and row.get("embedding") is not None:
                        a["vector"] = row["embedding"]
                    raw_annotations.append(a)
        data["turns"] = turns
        convo = Conversation.from_dict(data)
        if not analysed:
            return Analysis(convo)
        found = [*_json(first.get("conversation_annotations"), "conversation_annotations", []), *raw_annotations]
        return Analysis(convo, tuple(_annotation(a) for a in found))


def _annotation(data: Any) -> Annotation:
    if not isinstance(data, Mapping):
        raise InvalidInputError("an annotation must be a JSON object", field="annotations")
    try:
        return Annotation.from_dict(data)
    except WarmlineError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInputError(f"annotation {data.get('type')!r} is malformed: {exc}", field="annotations") from None


class ParquetImporter:
    """warmline's own Parquet (one row per turn), as written by ``warmline convert/analyze --output parquet``."""

    name = "parquet"
    description = "warmline Parquet: one row per turn, as written by --output parquet"

    def __init__(self, *, batch_rows: int = 8192) -> None:
        self.batch_rows = batch_rows

    def sniff(self, path: Path, head: str) -> float:
        if head.startswith("PAR1"):
            return 0.99
        return 0.9 if path.suffix.lower() == ".parquet" else 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        for item in self.read_analyses(path):
            yield item.conversation if isinstance(item, Analysis) else item

    def read_analyses(self, path: Path) -> Iterator[Analysis | RecordError]:
        """Each conversation with the annotations stored beside it, in file order.

        Raises
        ------
        InvalidInputError
            when the file is not Parquet or lacks warmline's columns; a bad conversation is
            yielded as a ``RecordError`` naming its record and field instead.
        """
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise InvalidInputError(f"not a readable Parquet file: {exc}", path=path) from None
        present = set(parquet.schema_arrow.names)
        missing = [c for c in _REQUIRED_COLUMNS if c not in present]
        if missing:
            raise InvalidInputError(
                f"not warmline's Parquet form: missing column(s) {', '.join(missing)}", path=path, field=missing[0]
            )
        record = 0
        group: _Group | None = None
        key: tuple[Any, Any] | None = None
        try:
            for batch in parquet.iter_batches(batch_size=self.batch_rows):
                columns = {name: _values(batch.column(name)) for name in batch.schema.names}
                for i in range(batch.num_rows):
                    row = {name: values[i] for name, values in columns.items()}
                    row_key = (row.get("record"), row.get("conversation_id"))
                    if group is None or row_key != key:
                        if group is not None:
                            record += 1
                            yield self._finish(group, path, record)
                        group, key = _Group(row), row_key
                    group.rows.append(row)
        except pa.ArrowException as exc:
            raise InvalidInputError(f"cannot read Parquet data: {exc}", path=path, record=record + 1) from None
        if group is not None:
            record += 1
            yield self._finish(group, path, record)

    @staticmethod
    def _finish(group: _Group, path: Path, record: int) -> Analysis | RecordError:
        try:
            analysis = group.build()
            turns, notes = finalise_turns(analysis.conversation.turns)
        except WarmlineError as exc:
            return RecordError(exc.located(path=path, record=record))
        convo = analysis.conversation
        if notes:
            convo = replace(convo, turns=turns, metadata={**convo.metadata, "import_notes": notes})
        elif turns != convo.turns:
            convo = replace(convo, turns=turns)
        return replace(analysis, conversation=convo)


def read_analyses(path: Path) -> Iterator[Analysis | RecordError]:
    """Read back what ``ParquetExporter`` wrote: each conversation with its annotations.

    Examples
    --------
    >>> analyses = [a for a in read_analyses(Path("turns.parquet")) if isinstance(a, Analysis)]  # doctest: +SKIP
    """
    return ParquetImporter().read_analyses(path)


register_importer(ParquetImporter())
register_exporter(ParquetExporter())

__all__ = ["ParquetExporter", "ParquetImporter", "arrow_schema", "read_analyses"]
