"""Turn-per-row CSV: the importer (``csv``), with forgiving headers, and the exporter (``csv``), with annotations.

One row per turn; rows group into conversations by their conversation id, in the order each id
first appears, so exports that interleave conversations (a chat platform's message log) group
correctly. Header names vary between tools: common aliases are recognised and ``column_map``
names the rest. Speakers may be roles ("Agent", "caller") or names; a conversation whose
speakers are all names gets its roles from :mod:`warmline.io.roles`.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import (
    RecordError,
    finalise_turns,
    iter_lines,
    register_exporter,
    register_importer,
)
from warmline.io.plain_text import parse_time
from warmline.io.roles import UnknownSpeakerError, resolve_speakers, speaker_id_for_label
from warmline.model import Analysis, Annotation, Channel, Conversation, Role, Turn, TurnEmbedding

#: Logical column → header names that mean it (compared after normalising: lower case, ``_`` for
#: spaces and camelCase). The first alias found wins; ``column_map`` overrides them all.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "conversation_id": (
        "conversation_id",
        "conversation",
        "convo_id",
        "call_id",
        "contact_id",
        "ticket_id",
        "chat_id",
        "session_id",
        "interaction_id",
        "transcript_id",
        "dialog_id",
        "dialogue_id",
        "case_id",
        "thread_id",
    ),
    "speaker": (
        "role",
        "speaker",
        "participant",
        "party",
        "speaker_role",
        "participant_role",
        "participant_type",
        "speaker_type",
        "author",
        "sender",
        "from",
        "who",
    ),
    "text": (
        "text",
        "utterance",
        "transcript",
        "message",
        "content",
        "body",
        "message_text",
        "turn_text",
        "sentence",
    ),
    "start": (
        "start",
        "start_time",
        "begin",
        "begin_time",
        "start_seconds",
        "start_sec",
        "start_offset",
        "offset",
        "start_ms",
        "begin_ms",
        "start_time_ms",
    ),
    "end": ("end", "end_time", "stop", "stop_time", "end_seconds", "end_sec", "end_offset", "end_ms", "end_time_ms"),
    "speaker_id": (
        "speaker_id",
        "speaker_name",
        "participant_id",
        "participant_name",
        "author_id",
        "author_name",
        "sender_id",
        "sender_name",
        "speaker",
        "participant",
        "name",
    ),
    "channel": ("channel", "medium", "media_type", "contact_channel", "conversation_channel"),
    "audio_channel": ("audio_channel", "turn_channel", "speaker_channel", "channel_tag"),
    "agent_id": ("agent_id", "agent", "agent_name", "employee_id", "rep_id", "advisor_id"),
    "customer_id": ("customer_id", "customer", "caller_id", "client_id", "account_id", "customer_name"),
    "team": ("team", "queue", "department", "skill", "skill_group", "group"),
    "started_at": (
        "started_at",
        "start_date",
        "started",
        "call_start",
        "contact_start",
        "start_datetime",
        "conversation_start",
        "date",
        "created_at",
    ),
    "timestamp": ("timestamp", "time", "datetime", "sent_at", "created", "ts", "message_time", "time_stamp"),
}

#: The exporter's columns, before the annotation columns.
BASE_COLUMNS = (
    "conversation_id",
    "channel",
    "agent_id",
    "customer_id",
    "team",
    "started_at",
    "turn_index",
    "role",
    "speaker_id",
    "start",
    "end",
    "text",
)

_DELIMITERS = (",", ";", "\t")

#: Channel column values → channel; anything else in a channel column is taken as the audio channel.
_CHANNEL_WORDS: dict[str, Channel] = {
    **{c.value: c for c in Channel},
    **dict.fromkeys(["phone", "call", "telephony", "audio"], Channel.VOICE),
    **dict.fromkeys(["webchat", "web chat", "messaging", "sms", "whatsapp", "social", "text"], Channel.CHAT),
    **dict.fromkeys(["mail", "e-mail"], Channel.EMAIL),
}


def normalise_header(name: str) -> str:
    """``"Call ID"``, ``"callId"`` and ``"call-id"`` all become ``"call_id"``."""
    text = name.strip().lstrip("\ufeff")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def sniff_delimiter(header_line: str, path: Path | None = None) -> str:
    """The delimiter of a CSV file from its header line: whichever of ``,`` ``;`` tab occurs most outside quotes."""
    if path is not None and path.suffix.lower() == ".tsv":
        return "\t"
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def resolve_columns(header: Sequence[str], column_map: Mapping[str, str] | None = None) -> dict[str, int]:
    """Logical column → position in ``header``, from ``column_map`` first and then the aliases.

    Raises
    ------
    InvalidInputError
        when ``column_map`` names an unknown logical column or a header the file does not have.
    """
    normalised = [normalise_header(h) for h in header]
    found: dict[str, int] = {}
    used: set[int] = set()
    for logical, wanted in (column_map or {}).items():
        if logical not in COLUMN_ALIASES:
            raise InvalidInputError(
                f"column_map has {logical!r}; its keys are {', '.join(COLUMN_ALIASES)}", field="column_map"
            )
        position = next((i for i, h in enumerate(header) if h.strip().lstrip("\ufeff") == wanted), None)
        if position is None:
            position = next((i for i, h in enumerate(normalised) if h == normalise_header(wanted)), None)
        if position is None:
            raise InvalidInputError(
                f"column_map sends {logical!r} to {wanted!r}, but the header has no such column "
                f"(it has {', '.join(repr(h) for h in header)})",
                field="column_map",
            )
        found[logical] = position
        used.add(position)
    for logical, aliases in COLUMN_ALIASES.items():
        if logical in found:
            continue
        for alias in aliases:
            position = next((i for i, h in enumerate(normalised) if h == alias and i not in used), None)
            if position is not None:
                found[logical] = position
                used.add(position)
                break
    return found


def _seconds(raw: str) -> float:
    try:
        value = float(raw)  # the common case, fast; clock times fall through to parse_time
    except ValueError:
        return parse_time(raw)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{raw!r} is not a time (seconds, hh:mm:ss.fff or mm:ss)")
    return value


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


@dataclass(slots=True)
class _Row:
    line: int
    label: str
    text: str
    start: float | None
    end: float | None
    speaker_id: str | None
    audio_channel: str | None
    timestamp: datetime | None


@dataclass
class _Bucket:
    """The rows of one conversation, gathered as the file streams past."""

    first_line: int
    rows: list[_Row] = field(default_factory=list)
    error: WarmlineError | None = None
    channel: Channel | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    team: str | None = None
    started_at: datetime | None = None


class _Located:
    """A line iterator that remembers the number of the line the csv reader last took."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self._lines = lines
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for number, line in self._lines:
            self.number = number
            yield line


class CsvTurnsImporter:
    """One row per turn, any of ``,`` ``;`` or tab as delimiter, headers matched by alias.

    Columns: conversation id, speaker (a role or a name), text, start, end; optionally speaker_id,
    channel, agent_id, customer_id, team, started_at, timestamp. Times are seconds, ``hh:mm:ss(.fff)``
    or ``mm:ss``; a column named ``*_ms`` holds milliseconds. A file without a conversation-id column
    is one conversation named after the file.

    Parameters
    ----------
    column_map
        Logical column → header in this file, for headers the aliases miss
        (``{"text": "Utterance", "conversation_id": "Call Ref"}``).
    speaker_map
        Speaker value → role (``{"Dana": "agent", "Caller": "customer"}``).
    channel
        The channel of every conversation when the file has no channel column; by default
        ``voice`` when every turn has a start and an end, ``chat`` otherwise.
    encoding
        The text encoding of the file.

    Examples
    --------
    >>> importer = CsvTurnsImporter(column_map={"text": "Utterance"}, speaker_map={"Dana": "agent"})
    >>> conversations = list(importer.read(Path("calls.csv")))   # doctest: +SKIP
    """

    name = "csv"
    description = "CSV, one row per turn: conversation id, speaker, text, start, end (headers matched by alias)"

    def __init__(
        self,
        *,
        column_map: Mapping[str, str] | None = None,
        speaker_map: Mapping[str, str | Role] | None = None,
        channel: Channel | None = None,
        encoding: str = "utf-8",
    ) -> None:
        self.column_map = column_map
        self.speaker_map = speaker_map
        self.channel = channel
        self.encoding = encoding

    def sniff(self, path: Path, head: str) -> float:
        if path.suffix.lower() in {".json", ".jsonl", ".vtt", ".srt", ".parquet", ".yaml", ".yml"}:
            return 0.0
        first = next((ln for ln in head.splitlines() if ln.strip()), "")
        if not first or first.lstrip()[:1] in ("{", "[", "#") or first.startswith("WEBVTT"):
            return 0.0
        header = next(csv.reader([first], delimiter=sniff_delimiter(first, path)))
        if len(header) < 2:
            return 0.0
        try:
            columns = resolve_columns(header, self.column_map)
        except InvalidInputError:
            return 0.0
        if "text" in columns and "speaker" in columns:
            return 0.9 if "conversation_id" in columns else 0.8
        return 0.3 if path.suffix.lower() in {".csv", ".tsv"} else 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        located = _Located(iter_lines(path, self.encoding))
        lines = iter(located)
        first = next((ln for ln in lines if ln.strip()), None)
        if first is None:
            raise InvalidInputError("the file is empty: expected a header row", path=path, line=1)
        header_line = located.number
        delimiter = sniff_delimiter(first, path)
        header = next(csv.reader([first], delimiter=delimiter))
        try:
            columns = resolve_columns(header, self.column_map)
        except InvalidInputError as exc:
            raise exc.located(path=path, line=header_line) from None
        for required in ("speaker", "text"):
            if required not in columns:
                raise InvalidInputError(
                    f"no {required} column: name one of {', '.join(COLUMN_ALIASES[required][:6])} "
                    f"or pass column_map={{{required!r}: '<your column>'}} (the header has "
                    f"{', '.join(repr(h) for h in header)})",
                    path=path,
                    line=header_line,
                    field=required,
                )
        milliseconds: set[str] = {
            name
            for name in ("start", "end")
            if name in columns and normalise_header(header[columns[name]]).endswith("_ms")
        }

        names = {logical: header[position] for logical, position in columns.items()}
        buckets: dict[str, _Bucket] = {}
        reader = csv.reader(lines, delimiter=delimiter)
        previous_end = header_line
        for record in reader:
            line = previous_end + 1
            previous_end = located.number
            if not any(cell.strip() for cell in record):
                continue
            self._take_row(record, line, columns, milliseconds, header, buckets, path)

        for convo_id, bucket in buckets.items():
            if bucket.error is not None:
                yield RecordError(bucket.error.located(path=path))
                continue
            try:
                yield self._conversation(convo_id, bucket, names=names)
            except WarmlineError as exc:
                yield RecordError(exc.located(path=path, line=bucket.first_line))

    def _take_row(
        self,
        record: Sequence[str],
        line: int,
        columns: Mapping[str, int],
        milliseconds: set[str],
        header: Sequence[str],
        buckets: dict[str, _Bucket],
        path: Path,
    ) -> None:
        width = len(record)
        cells = {name: value for name, pos in columns.items() if pos < width and (value := record[pos].strip())}
        if "conversation_id" in columns:
            convo_id = cells.get("conversation_id")
            if convo_id is None:
                key = f"\x00line {line}"  # a row that belongs to no conversation is its own bad record
                buckets[key] = _Bucket(
                    line,
                    error=InvalidInputError(
                        "empty conversation id", path=path, line=line, field=header[columns["conversation_id"]]
                    ),
                )
                return
        else:
            convo_id = path.stem
        bucket = buckets.get(convo_id)
        if bucket is None:
            bucket = buckets[convo_id] = _Bucket(line)
        if bucket.error is not None:
            return
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            # most often text holding the delimiter without quotes: the cells after it are shifted
            bucket.error = InvalidInputError(
                f"the row has {len(record)} fields but the header has {len(header)}; "
                "quote any text that contains the delimiter",
                path=path,
                line=line,
            )
            return
        try:
            bucket.rows.append(self._row(cells.get, line, milliseconds, bucket))
        except InvalidInputError as exc:
            if exc.field is not None and exc.field in columns:
                exc.field = header[columns[exc.field]]
            bucket.error = exc.located(path=path, line=line)

    def _row(self, get: Callable[[str], str | None], line: int, milliseconds: set[str], bucket: _Bucket) -> _Row:
        label = get("speaker")
        if label is None:
            raise InvalidInputError("empty speaker: every row needs a role or a speaker name", field="speaker")
        times: dict[str, float | None] = {}
        for name in ("start", "end"):
            raw = get(name)
            if raw is None:
                times[name] = None
                continue
            try:
                value = _seconds(raw)
            except ValueError as exc:
                raise InvalidInputError(str(exc), field=name) from None
            times[name] = value / 1000.0 if name in milliseconds else value
        start, end = times["start"], times["end"]
        if start is not None and end is not None and end < start:
            raise InvalidInputError(f"the turn ends ({end:g}s) before it starts ({start:g}s)", field="end")
        timestamp: datetime | None = None
        raw_ts = get("timestamp")
        if raw_ts is not None:
            try:
                timestamp = _parse_datetime(raw_ts)
            except ValueError:
                try:
                    seconds = _seconds(raw_ts)
                except ValueError:
                    raise InvalidInputError(
                        f"{raw_ts!r} is neither an ISO 8601 date-time nor a time in seconds", field="timestamp"
                    ) from None
                start = seconds if start is None else start
        audio_channel = get("audio_channel")
        channel = get("channel")
        if channel is not None:
            parsed = _CHANNEL_WORDS.get(channel.lower())
            if parsed is None:
                audio_channel = audio_channel or channel  # "left", "ch1": the audio channel of a call
            else:
                bucket.channel = bucket.channel or parsed
        if bucket.agent_id is None:
            bucket.agent_id = get("agent_id")
        if bucket.customer_id is None:
            bucket.customer_id = get("customer_id")
        if bucket.team is None:
            bucket.team = get("team")
        raw_started = get("started_at")
        if raw_started is not None and bucket.started_at is None:
            try:
                bucket.started_at = _parse_datetime(raw_started)
            except ValueError:
                raise InvalidInputError(f"{raw_started!r} is not an ISO 8601 date-time", field="started_at") from None
        return _Row(
            line=line,
            label=label,
            text=(get("text") or "").replace("\r\n", "\n"),  # a quoted line break in a CRLF file
            start=start,
            end=end,
            speaker_id=get("speaker_id"),
            audio_channel=audio_channel,
            timestamp=timestamp,
        )

    def _conversation(self, convo_id: str, bucket: _Bucket, *, names: Mapping[str, str]) -> Conversation:
        texts: dict[str, list[str]] = {}
        first_line: dict[str, int] = {}
        for row in bucket.rows:
            texts.setdefault(row.label, []).append(row.text)
            first_line.setdefault(row.label, row.line)
        try:
            roles, inference = resolve_speakers(texts, self.speaker_map)
        except UnknownSpeakerError as exc:
            exc.field = names["speaker"]
            raise exc.located(line=first_line.get(exc.label)) from None

        started_at = bucket.started_at
        stamped = [row.timestamp for row in bucket.rows if row.timestamp is not None]
        base = started_at or (stamped[0] if stamped else None)
        speaker_ids = {label: speaker_id_for_label(label, role) for label, role in roles.items()}
        turns: list[Turn] = []
        for row in bucket.rows:
            start = row.start
            if start is None and row.timestamp is not None and base is not None:
                try:
                    start = (row.timestamp - base).total_seconds()
                except TypeError:
                    raise InvalidInputError(
                        "timestamps mix times with and without a time zone", line=row.line, field=names["timestamp"]
                    ) from None
                if start < 0:
                    raise InvalidInputError(
                        f"timestamp {row.timestamp.isoformat()} is before the conversation started "
                        f"({base.isoformat()})",
                        line=row.line,
                        field=names["timestamp"],
                    )
            role = roles[row.label]
            turns.append(
                Turn(
                    index=len(turns),
                    role=role,
                    text=row.text,
                    speaker_id=row.speaker_id or speaker_ids[row.label],
                    start=start,
                    end=row.end,
                    channel=row.audio_channel,
                )
            )
        final, notes = finalise_turns(turns)
        if started_at is None and stamped:
            started_at = stamped[0]
        metadata: dict[str, Any] = {}
        if inference is not None:
            metadata["role_inference"] = inference.to_metadata()
        if notes:
            metadata["import_notes"] = notes
        spoken = bool(final) and all(t.start is not None and t.end is not None for t in final)
        return Conversation(
            id=convo_id,
            turns=final,
            channel=bucket.channel or self.channel or (Channel.VOICE if spoken else Channel.CHAT),
            started_at=started_at,
            agent_id=bucket.agent_id,
            customer_id=bucket.customer_id,
            team=bucket.team,
            metadata=metadata,
        )


# --- the exporter ------------------------------------------------------------------------------

_Scalar = str | int | float | bool


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 4))
    return str(value)


def flatten_annotation(annotation: Annotation) -> dict[str, str]:
    """The scalar fields of an annotation as ``type.field`` cells; mappings of scalars as ``type.field.key``.

    Evidence spans, lists and nested objects are left out: a CSV cell cannot hold them usefully.

    Examples
    --------
    >>> from warmline.model import CustomerEmotion
    >>> flatten_annotation(CustomerEmotion("emo.v1", 3, label="anger", sentiment=-0.6, intensity=0.8))
    {'customer_emotion.label': 'anger', 'customer_emotion.sentiment': '-0.6', 'customer_emotion.intensity': '0.8'}
    """
    out: dict[str, str] = {}
    for f in fields(annotation):
        if f.name in ("analyser", "turn_index"):
            continue
        value = getattr(annotation, f.name)
        column = f"{annotation.type}.{f.name}"
        if value is None or isinstance(value, _Scalar):
            out[column] = _cell(value)
        elif isinstance(value, Mapping) and all(isinstance(v, _Scalar) for v in value.values()):
            for key, item in value.items():
                out[f"{column}.{key}"] = _cell(item)
    return out


class CsvTurnsExporter:
    """One row per turn: the conversation's fields, the turn's, then one column per annotation field.

    Columns: ``conversation_id, channel, agent_id, customer_id, team, started_at, turn_index, role,
    speaker_id, start, end, text`` (plus ``audio_channel`` after ``speaker_id`` when a turn has one),
    then, for analyses, ``type.field`` for every scalar field of the turn's annotations (e.g.
    ``customer_emotion.label``, ``behaviour.behaviour``). A turn with several annotations of one type
    (several behaviours) gets their values joined with ``;`` in order. Embeddings and
    conversation-level annotations are not written. The CSV importer reads the file back.
    """

    name = "csv"
    suffix = ".csv"

    def __init__(self, *, delimiter: str = ",") -> None:
        self.delimiter = delimiter

    def write(self, items: Iterable[object], out: IO[str] | Path) -> int:
        if isinstance(out, Path):
            with out.open("w", encoding="utf-8", newline="") as fh:
                return self.write(items, fh)
        rows: list[dict[str, str]] = []
        extra: dict[str, None] = {}  # annotation columns, in order of first appearance
        has_audio_channel = False
        count = 0
        for item in items:
            if isinstance(item, Analysis):
                convo, annotations = item.conversation, item.annotations
            elif isinstance(item, Conversation):
                convo, annotations = item, ()
            else:
                raise TypeError(f"cannot write {type(item).__name__} as CSV")
            count += 1
            per_turn: dict[int, dict[str, list[str]]] = {}
            for annotation in annotations:
                if annotation.turn_index is None or isinstance(annotation, TurnEmbedding):
                    continue
                cells = per_turn.setdefault(annotation.turn_index, {})
                for column, value in flatten_annotation(annotation).items():
                    cells.setdefault(column, []).append(value)
                    extra.setdefault(column)
            for turn in convo.turns:
                has_audio_channel = has_audio_channel or turn.channel is not None
                row = {
                    "conversation_id": convo.id,
                    "channel": convo.channel.value,
                    "agent_id": _cell(convo.agent_id),
                    "customer_id": _cell(convo.customer_id),
                    "team": _cell(convo.team),
                    "started_at": convo.started_at.isoformat() if convo.started_at else "",
                    "turn_index": str(turn.index),
                    "role": turn.role.value,
                    "speaker_id": _cell(turn.speaker_id),
                    "audio_channel": _cell(turn.channel),
                    # repr keeps every digit, so a re-import gives the same float back
                    "start": repr(turn.start) if turn.start is not None else "",
                    "end": repr(turn.end) if turn.end is not None else "",
                    "text": turn.text,
                }
                for column, values in per_turn.get(turn.index, {}).items():
                    row[column] = ";".join(values)
                rows.append(row)
        columns = list(BASE_COLUMNS)
        if has_audio_channel:
            columns.insert(columns.index("speaker_id") + 1, "audio_channel")
        columns.extend(extra)
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        return count


register_importer(CsvTurnsImporter())
register_exporter(CsvTurnsExporter())

__all__ = [
    "BASE_COLUMNS",
    "COLUMN_ALIASES",
    "CsvTurnsExporter",
    "CsvTurnsImporter",
    "flatten_annotation",
    "normalise_header",
    "resolve_columns",
    "sniff_delimiter",
]
