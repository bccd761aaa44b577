"""Plain-text transcripts: ``Agent: ...`` / ``Customer: ...`` lines, optionally timestamped, one or more per file.

The shape most people paste from a tool or type by hand::

    # conversation: INC-2041
    # channel: voice
    [00:00:01] Agent: Thank you for calling Northwind, this is Dana.
    [00:00:04] Customer: Hi. My bill is wrong again.
      It has the same roaming charge as last month.

A line that starts with a speaker label (optionally with a timestamp before or after it) starts a
turn; a line without one continues the previous turn. ``---`` or ``===`` on a line of its own
separates conversations. Labels that are not roles (``SPEAKER_00``, "Dana") are resolved by
:mod:`warmline.io.roles`.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, read_text, register_importer
from warmline.io.roles import (
    ROLE_ALIASES,
    UnknownSpeakerError,
    resolve_speakers,
    role_for_label,
    speaker_id_for_label,
)
from warmline.model import Channel, Conversation, Role, Turn

#: Speech rate used to estimate when the last timestamped turn ends (no next turn to end it).
WORDS_PER_SECOND = 2.5

# --- times -------------------------------------------------------------------------------------

_CLOCK_RE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d+))?$")
_SECONDS_RE = re.compile(r"^\d+(?:[.,]\d+)?$")


def parse_time(value: str, *, allow_seconds: bool = True) -> float:
    """Seconds from a time written as ``hh:mm:ss(.fff)``, ``mm:ss(.f)`` or (when allowed) plain seconds.

    A decimal comma is accepted (``00:01:23,450``, ``12,5``), as subtitles and European
    spreadsheets write them.

    Raises
    ------
    ValueError
        with a message saying what a valid time looks like.

    Examples
    --------
    >>> parse_time("00:01:23.5"), parse_time("1:23"), parse_time("12,5")
    (83.5, 83.0, 12.5)
    """
    text = value.strip()
    match = _CLOCK_RE.match(text)
    if match:
        hours, minutes, seconds, fraction = match.groups()
        if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise ValueError(f"{value!r} is not a valid time: minutes and seconds run from 00 to 59")
        total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        return total + float(f"0.{fraction}") if fraction else float(total)
    if allow_seconds and _SECONDS_RE.match(text):
        return float(text.replace(",", "."))
    shapes = "seconds, hh:mm:ss.fff or mm:ss" if allow_seconds else "hh:mm:ss.fff or mm:ss"
    raise ValueError(f"{value!r} is not a time ({shapes})")


# --- speaker-label lines -----------------------------------------------------------------------

_STAMP = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d+)?"
_UPTO = r"\s*(?:-->|–|-|to)\s*"


def _stamp_group(tag: str, *, bare: bool) -> str:
    bracketed = (
        rf"\[\s*(?P<{tag}b1>{_STAMP})(?:{_UPTO}(?P<{tag}b2>{_STAMP}))?\s*\]"
        rf"|\(\s*(?P<{tag}p1>{_STAMP})(?:{_UPTO}(?P<{tag}p2>{_STAMP}))?\s*\)"
    )
    if bare:
        return rf"(?:{bracketed}|(?P<{tag}n1>{_STAMP})(?:{_UPTO}(?P<{tag}n2>{_STAMP}))?)"
    return rf"(?:{bracketed})"


# [stamp] Label [stamp]: [stamp] text — a stamp after the colon must be bracketed, so "Agent: 10:30 works" is text
_LABEL_LINE = re.compile(
    rf"^\s*(?:{_stamp_group('lead', bare=True)}\s*[-|]?\s+)?"
    rf"(?P<label>[^\W\d_][\w'.&()# -]{{0,39}}?)\s*(?:{_stamp_group('mid', bare=True)}\s*)?:(?:\s+|$)"
    rf"(?:{_stamp_group('tail', bare=False)}\s*)?(?P<text>.*?)\s*$"
)
_STAMP_ONLY_LINE = re.compile(rf"^\s*{_stamp_group('lead', bare=False)}\s*[-|]?\s*(?P<text>.*?)\s*$")
_SEPARATOR = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z][\w ]*?)\s*:\s*(?P<value>.*?)\s*$")
_MAX_LABEL_WORDS = 4
_DIARISED = re.compile(r"^(?:speaker|spk|spkr)[ _-]?\d+$", re.IGNORECASE)

_HEADER_KEYS = {
    "conversation": "id",
    "conversation id": "id",
    "conversation_id": "id",
    "id": "id",
    "call": "id",
    "call id": "id",
    "call_id": "id",
    "channel": "channel",
    "agent": "agent_id",
    "agent id": "agent_id",
    "agent_id": "agent_id",
    "customer": "customer_id",
    "customer id": "customer_id",
    "customer_id": "customer_id",
    "team": "team",
    "queue": "team",
    "started at": "started_at",
    "started_at": "started_at",
    "date": "started_at",
}

_SINGLE_WORD_ROLES = [alias for alias in ROLE_ALIASES if " " not in alias]


@dataclass(frozen=True, slots=True)
class LabelLine:
    """One line read as ``label: text``, with the timestamps found around the label (raw text)."""

    label: str
    text: str
    start: str | None = None
    end: str | None = None


def _stamps(match: re.Match[str], tag: str) -> tuple[str | None, str | None]:
    for kind in ("b", "p", "n"):
        first = match.groupdict().get(f"{tag}{kind}1")
        if first is not None:
            return first, match.groupdict().get(f"{tag}{kind}2")
    return None, None


def split_label(line: str) -> LabelLine | None:
    """Read ``[00:01:23] Agent: text`` (and the other stamp placements) as label, text and times.

    Returns ``None`` for a line that does not start with a label of at most four words.

    Examples
    --------
    >>> split_label("[00:01:23] Agent: Let me check that for you.")
    LabelLine(label='Agent', text='Let me check that for you.', start='00:01:23', end=None)
    """
    match = _LABEL_LINE.match(line)
    if match is None:
        return None
    label = match.group("label").strip()
    if len(label.split()) > _MAX_LABEL_WORDS:
        return None
    start, end = None, None
    for tag in ("lead", "mid", "tail"):
        start, end = _stamps(match, tag)
        if start is not None:
            break
    return LabelLine(label=label, text=match.group("text"), start=start, end=end)


def is_typo_of_role(label: str) -> bool:
    """Whether a label is a near miss of a role word ("agnet", "custmer"): an error, not a name."""
    word = label.strip().lower()
    return bool(difflib.get_close_matches(word, _SINGLE_WORD_ROLES, n=1, cutoff=0.75)) and word not in ROLE_ALIASES


def speaker_labels(counts: Mapping[str, int], speaker_map: Mapping[str, str | Role] | None = None) -> set[str]:
    """Which ``Word:`` prefixes are speakers rather than text that happens to start with a colon.

    A role label ("Agent", "Caller"), a diarisation label (``SPEAKER_00``) or a label in the speaker
    map always is; a near miss of a role word ("Agnet") is too, so that it is reported rather than
    swallowed. Another label is a speaker when it starts at least two lines, so that a one-off
    "Note:" stays part of the turn above it, unless fewer than two speakers would be left: then
    every label is one (a short exchange between names).
    """
    mapped = {k.strip().casefold() for k in (speaker_map or {})}
    certain = {
        label
        for label in counts
        if role_for_label(label) is not None
        or label.strip().casefold() in mapped
        or _DIARISED.match(label)
        or is_typo_of_role(label)
    }
    chosen = certain | {label for label, count in counts.items() if count >= 2}
    if len(chosen) < 2:
        chosen = set(counts)
    return chosen


# --- the importer ------------------------------------------------------------------------------


@dataclass
class _RawTurn:
    label: str
    line: int
    start: float | None
    end: float | None
    lines: list[str] = field(default_factory=list)


@dataclass
class _Section:
    lines: list[tuple[int, str]] = field(default_factory=list)


def _sections(text: str) -> list[_Section]:
    sections = [_Section()]
    for number, line in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(line):
            sections.append(_Section())
        else:
            sections[-1].lines.append((number, line))
    return [s for s in sections if any(line.strip() for _, line in s.lines)]


def _time_or_error(raw: str | None, line: int) -> float | None:
    if raw is None:
        return None
    try:
        return parse_time(raw, allow_seconds=False)
    except ValueError as exc:
        raise InvalidInputError(str(exc), line=line, field="timestamp") from None


class PlainTextImporter:
    """``Label: text`` transcripts, one conversation per file or several separated by ``---``.

    Parameters
    ----------
    speaker_map
        Speaker label → role, for labels that are neither roles nor inferable (``{"Dana": "agent"}``).
    channel
        The channel of every conversation read; by default ``voice`` when the transcript has
        timestamps or diarisation labels (``SPEAKER_00``) and ``chat`` otherwise. A ``# channel:``
        header line wins over both.
    encoding
        The text encoding of the files.

    Examples
    --------
    >>> convo = next(PlainTextImporter().read(Path("call.txt")))   # doctest: +SKIP
    """

    name = "text"
    description = "plain-text transcript: 'Agent: ...' / 'Customer: ...' lines, optional [hh:mm:ss] timestamps"

    def __init__(
        self,
        *,
        speaker_map: Mapping[str, str | Role] | None = None,
        channel: Channel | None = None,
        encoding: str = "utf-8",
    ) -> None:
        self.speaker_map = speaker_map
        self.channel = channel
        self.encoding = encoding

    def sniff(self, path: Path, head: str) -> float:
        if path.suffix.lower() in {".json", ".jsonl", ".csv", ".tsv", ".yaml", ".yml", ".vtt", ".srt", ".parquet"}:
            return 0.0
        stripped = head.lstrip()
        if stripped.startswith("WEBVTT") or "-->" in head[:2000]:
            return 0.0
        lines = [
            ln
            for ln in head.splitlines()[:400]
            if ln.strip() and not ln.lstrip().startswith("#") and not _SEPARATOR.match(ln)
        ]
        if len(head) >= 64_000 and lines:
            lines = lines[:-1]  # the head may cut the last line in half
        if not lines:
            return 0.0
        labelled = [found for ln in lines if (found := split_label(ln)) is not None]
        ratio = len(labelled) / len(lines)
        if len(labelled) < 2 or ratio < 0.5:
            return 0.0
        score = 0.3 + 0.3 * ratio
        if any(role_for_label(found.label) is not None for found in labelled):
            score += 0.15
        if path.suffix.lower() in {".txt", ".text", ".transcript", ".md"}:
            score += 0.1
        return min(score, 0.85)

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        sections = _sections(read_text(path, self.encoding))
        for number, section in enumerate(sections, start=1):
            default_id = path.stem if len(sections) == 1 else f"{path.stem}#{number}"
            try:
                yield self._conversation(section, default_id)
            except WarmlineError as exc:
                yield RecordError(exc.located(path=path, record=None if exc.line else number))

    def _conversation(self, section: _Section, default_id: str) -> Conversation:
        header: dict[str, tuple[int, str]] = {}
        extra_header: dict[str, str] = {}
        body: list[tuple[int, str]] = []
        for number, line in section.lines:
            header_line = _HEADER.match(line) if not body else None
            if header_line is not None:
                key = header_line.group("key").strip().lower()
                if key in _HEADER_KEYS:
                    header[_HEADER_KEYS[key]] = (number, header_line.group("value"))
                    continue
                if re.fullmatch(r"[a-z][a-z0-9_]*", key):
                    extra_header[key] = header_line.group("value")
                    continue
            if not body and line.lstrip().startswith("#"):
                continue  # a comment before the transcript starts
            body.append((number, line))

        parsed = [(number, line, split_label(line)) for number, line in body]
        counts = Counter(found.label for _, _, found in parsed if found is not None)
        speakers = speaker_labels(counts, self.speaker_map)

        turns: list[_RawTurn] = []
        skipped = 0
        for number, line, found in parsed:
            if found is not None and found.label in speakers:
                start = _time_or_error(found.start, number)
                end = _time_or_error(found.end, number)
                turns.append(_RawTurn(found.label, number, start, end, [found.text] if found.text else []))
                continue
            stamped = _STAMP_ONLY_LINE.match(line) if found is None else None
            if stamped is not None and turns:
                # a new timestamp without a label: the same speaker goes on, from a new time
                raw_start, raw_end = _stamps(stamped, "lead")
                text = stamped.group("text")
                turns.append(
                    _RawTurn(
                        turns[-1].label,
                        number,
                        _time_or_error(raw_start, number),
                        _time_or_error(raw_end, number),
                        [text] if text else [],
                    )
                )
            elif turns:
                if line.strip() or turns[-1].lines:
                    turns[-1].lines.append(line.strip())
            elif line.strip():
                skipped += 1
        if not turns:
            raise InvalidInputError(
                "no 'Speaker: text' lines found; each turn needs a label such as 'Agent:' or 'Customer:'",
                line=section.lines[0][0] if section.lines else None,
            )

        texts: dict[str, list[str]] = {}
        first_line: dict[str, int] = {}
        for raw in turns:
            texts.setdefault(raw.label, []).append(" ".join(raw.lines))
            first_line.setdefault(raw.label, raw.line)
        try:
            roles, inference = resolve_speakers(texts, self.speaker_map)
        except UnknownSpeakerError as exc:
            raise exc.located(line=first_line.get(exc.label)) from None

        built = self._timed_turns(turns, roles)
        final, notes = finalise_turns(built)
        if skipped:
            notes["ignored_lines_before_first_turn"] = skipped
        metadata: dict[str, Any] = {}
        if inference is not None:
            metadata["role_inference"] = inference.to_metadata()
        if notes:
            metadata["import_notes"] = notes
        if extra_header:
            metadata["header"] = extra_header

        # timestamps or diarisation labels (SPEAKER_00) mean the transcript came from audio
        spoken = any(t.start is not None for t in final) or any(_DIARISED.match(label) for label in texts)
        channel = self.channel or (Channel.VOICE if spoken else Channel.CHAT)
        if "channel" in header:
            number, value = header["channel"]
            try:
                channel = Channel(value.strip().lower())
            except ValueError:
                allowed = ", ".join(c.value for c in Channel)
                raise InvalidInputError(f"{value!r} is not one of {allowed}", line=number, field="channel") from None
        started_at: datetime | None = None
        if "started_at" in header:
            number, value = header["started_at"]
            try:
                started_at = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInputError(
                    f"{value!r} is not an ISO 8601 date-time", line=number, field="started_at"
                ) from None

        def value_of(key: str) -> str | None:
            return header[key][1] or None if key in header else None

        return Conversation(
            id=value_of("id") or default_id,
            turns=final,
            channel=channel,
            started_at=started_at,
            agent_id=value_of("agent_id"),
            customer_id=value_of("customer_id"),
            team=value_of("team"),
            metadata=metadata,
        )

    def _timed_turns(self, turns: Sequence[_RawTurn], roles: Mapping[str, Role]) -> list[Turn]:
        out: list[Turn] = []
        previous: _RawTurn | None = None
        for position, raw in enumerate(turns):
            if (
                raw.start is not None
                and previous is not None
                and previous.start is not None
                and raw.start < previous.start
            ):
                raise InvalidInputError(
                    f"timestamp {raw.start:g}s is earlier than the previous turn's {previous.start:g}s "
                    f"(line {previous.line}); turns must be in time order",
                    line=raw.line,
                    field="timestamp",
                )
            if raw.start is not None:
                previous = raw
            end = raw.end
            text = "\n".join(raw.lines).strip()
            if raw.start is not None and end is None:
                following = turns[position + 1] if position + 1 < len(turns) else None
                if following is not None and following.start is not None and following.start >= raw.start:
                    end = following.start
                else:
                    end = round(raw.start + len(text.split()) / WORDS_PER_SECOND, 3)
            if raw.start is not None and end is not None and end < raw.start:
                raise InvalidInputError(
                    f"turn ends ({end:g}s) before it starts ({raw.start:g}s)", line=raw.line, field="timestamp"
                )
            role = roles[raw.label]
            out.append(
                Turn(
                    index=position,
                    role=role,
                    text=text,
                    speaker_id=speaker_id_for_label(raw.label, role),
                    start=raw.start,
                    end=end,
                )
            )
        return out


register_importer(PlainTextImporter())

__all__ = ["WORDS_PER_SECOND", "LabelLine", "PlainTextImporter", "parse_time", "speaker_labels", "split_label"]
