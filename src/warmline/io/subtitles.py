"""Caption files as conversations: WebVTT (``vtt``) and SubRip (``srt``), speakers from voice tags or name prefixes.

Captions split speech into short cues; a conversation wants turns. Each cue's speaker comes from
a WebVTT voice tag (``<v Dana Smith>``), a ``Name:`` prefix, a bracketed role (``[Agent]``), or
else is the speaker of the cue before. Consecutive cues of one speaker merge into one turn when
the gap between them is under :data:`MERGE_GAP` seconds. Labels that are not roles go through
:mod:`warmline.io.roles`.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, read_text, register_importer
from warmline.io.plain_text import parse_time, speaker_labels, split_label
from warmline.io.roles import UnknownSpeakerError, resolve_speakers, role_for_label, speaker_id_for_label
from warmline.model import Channel, Conversation, Role, Turn

#: Cues of one speaker closer than this (seconds) are one turn; a longer pause starts a new turn.
MERGE_GAP = 1.0

_TIMING = re.compile(r"^\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)(?:\s+(?P<settings>.*))?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}", re.IGNORECASE)
_BRACKET_LABEL = re.compile(r"^\[(?P<label>[^\]]{1,40})\]\s*:?\s*(?P<text>.*)$")
_SOUND = re.compile(r"\[[^\]]*\]|\([A-Z][A-Z ]+\)")
_DIARISED = re.compile(r"^(?:speaker|spk|spkr)[ _-]?\d+$", re.IGNORECASE)
_SRT_START = re.compile(r"^\s*\d+\s*\r?\n\s*[\d:.,]+\s*-->", re.MULTILINE)


@dataclass
class _Cue:
    line: int  # the timing line
    start: float
    end: float
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Segment:
    """A stretch of one cue spoken by one voice (a cue can hold two, with dialogue dashes)."""

    line: int
    text: str
    label: str | None = None  # a voice tag or bracketed role: certain
    candidate: str | None = None  # a "Name:" prefix: a speaker only if the file uses it as one
    body: str = ""  # the text without the "Name:" prefix
    dash: bool = False


def _clean(text: str) -> str:
    return html.unescape(_TAG.sub("", text)).strip()


def _timing(cue_line: str, number: int) -> tuple[float, float]:
    match = _TIMING.match(cue_line)
    if match is None:
        raise InvalidInputError(
            f"{cue_line.strip()!r} is not a cue timing like '00:00:01.000 --> 00:00:04.000'",
            line=number,
            field="timing",
        )
    times: list[float] = []
    for part in ("start", "end"):
        try:
            times.append(parse_time(match.group(part), allow_seconds=False))
        except ValueError as exc:
            raise InvalidInputError(str(exc), line=number, field=part) from None
    start, end = times
    if end < start:
        raise InvalidInputError(
            f"cue ends ({match.group('end')}) before it starts ({match.group('start')})", line=number, field="end"
        )
    return start, end


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _cue_from_block(block: Sequence[tuple[int, str]]) -> _Cue:
    # an optional identifier (WebVTT) or cue number (SubRip) comes before the timing line
    for position, (number, line) in enumerate(block[:2]):
        if "-->" in line:
            start, end = _timing(line, number)
            return _Cue(number, start, end, list(block[position + 1 :]))
    raise InvalidInputError(
        "a cue needs a timing line like '00:00:01.000 --> 00:00:04.000' after its number", line=block[0][0]
    )


def _segments(cue: _Cue) -> list[_Segment]:
    joined = "\n".join(line for _, line in cue.lines)
    first_line = cue.lines[0][0] if cue.lines else cue.line
    if _VOICE.search(joined):
        out: list[_Segment] = []
        parts = _VOICE.split(joined)
        # re.split with one group: text, voice, text, voice, text...
        if _clean(parts[0]):
            out.append(_Segment(first_line, _clean(parts[0]).replace("\n", " ")))
        for voice, text in zip(parts[1::2], parts[2::2], strict=True):
            cleaned = " ".join(_clean(text).split())
            if cleaned:
                out.append(_Segment(first_line, cleaned, label=" ".join(voice.split())))
        return out
    segments: list[_Segment] = []
    for number, raw in cue.lines:
        line = _clean(raw)
        if not line:
            continue
        dash = line.startswith("-")
        if dash:
            line = line.lstrip("-–— ").strip()
        bracket = _BRACKET_LABEL.match(line)
        if bracket is not None:
            label = bracket.group("label").strip()
            if role_for_label(label) is not None or _DIARISED.match(label):
                segments.append(_Segment(number, bracket.group("text"), label=label, dash=dash))
                continue
        line = " ".join(_SOUND.sub("", line).split())  # [laughs], (MUSIC): sound, not speech
        if not line:
            continue
        labelled = split_label(line)
        if labelled is not None:
            segments.append(_Segment(number, line, candidate=labelled.label, body=labelled.text, dash=dash))
        elif dash or not segments:
            segments.append(_Segment(number, line, body=line, dash=dash))
        else:
            segments[-1].text = f"{segments[-1].text} {line}".strip()
            segments[-1].body = f"{segments[-1].body} {line}".strip()
    return segments


@dataclass
class _Timed:
    label: str
    line: int
    start: float
    end: float
    text: str
    cues: int = 1


def _conversation(path: Path, cues: Sequence[_Cue], speaker_map: Mapping[str, str | Role] | None) -> Conversation:
    if not cues:
        raise InvalidInputError("no cues found")
    per_cue = [(cue, _segments(cue)) for cue in cues]
    counts = Counter(seg.candidate for _, segs in per_cue for seg in segs if seg.candidate)
    speakers = speaker_labels(counts, speaker_map) if counts else set()
    for _, segs in per_cue:
        for seg in segs:
            if seg.candidate is not None and seg.candidate in speakers:
                seg.label, seg.text = seg.candidate, seg.body
    known = {seg.label for _, segs in per_cue for seg in segs if seg.label}

    timed: list[_Timed] = []
    previous: str | None = None
    for cue, segs in per_cue:
        words = [max(1, len(seg.text.split())) for seg in segs]
        total = sum(words)
        elapsed = 0
        for position, seg in enumerate(segs):
            label = seg.label
            if label is None and seg.dash and position > 0 and len(known) == 2 and previous is not None:
                # "- Hi.\n- Hello." is two voices: with two speakers in the file, the dash switches
                label = next(k for k in known if k != previous)
            label = label or previous
            if label is None:
                raise InvalidInputError(
                    "this cue has no speaker: start its text with 'Name:' or a <v Name> voice tag",
                    line=seg.line,
                    field="speaker",
                )
            # a cue holding two voices is shared between them in proportion to their words
            start = round(cue.start + (cue.end - cue.start) * elapsed / total, 3)
            elapsed += words[position]
            end = round(cue.start + (cue.end - cue.start) * elapsed / total, 3) if len(segs) > 1 else cue.end
            timed.append(_Timed(label, seg.line, start, end, seg.text.strip()))
            previous = label
    merged: list[_Timed] = []
    for item in timed:
        last = merged[-1] if merged else None
        if last is not None and last.label == item.label and item.start - last.end < MERGE_GAP:
            last.text = f"{last.text} {item.text}".strip()
            last.end = max(last.end, item.end)
            last.cues += 1
        else:
            merged.append(replace(item))

    texts: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    for item in merged:
        texts.setdefault(item.label, []).append(item.text)
        first_line.setdefault(item.label, item.line)
    try:
        roles, inference = resolve_speakers(texts, speaker_map)
    except UnknownSpeakerError as exc:
        raise exc.located(line=first_line.get(exc.label)) from None
    turns = [
        Turn(
            index=i,
            role=roles[item.label],
            text=item.text,
            speaker_id=speaker_id_for_label(item.label, roles[item.label]),
            start=item.start,
            end=item.end,
        )
        for i, item in enumerate(merged)
    ]
    final, notes = finalise_turns(turns)
    merged_cues = sum(item.cues - 1 for item in merged)
    if merged_cues:
        notes["merged_cues"] = merged_cues
    metadata: dict[str, Any] = {}
    if inference is not None:
        metadata["role_inference"] = inference.to_metadata()
    if notes:
        metadata["import_notes"] = notes
    return Conversation(id=path.stem, turns=final, channel=Channel.VOICE, metadata=metadata)


class _CaptionImporter:
    name = ""
    description = ""

    def __init__(self, *, speaker_map: Mapping[str, str | Role] | None = None, encoding: str = "utf-8") -> None:
        self.speaker_map = speaker_map
        self.encoding = encoding

    def _cues(self, text: str) -> list[_Cue]:
        raise NotImplementedError

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        text = read_text(path, self.encoding)
        try:
            yield _conversation(path, self._cues(text), self.speaker_map)
        except WarmlineError as exc:
            yield RecordError(exc.located(path=path))


class WebVTTImporter(_CaptionImporter):
    """WebVTT captions: ``WEBVTT``, cues ``hh:mm:ss.mmm --> hh:mm:ss.mmm [settings]``, ``<v Name>`` voices.

    NOTE, STYLE and REGION blocks are skipped; cue identifiers and cue settings are ignored; markup
    (``<b>``, ``<c.x>``, inline timestamps) is removed and entities decoded.

    Parameters
    ----------
    speaker_map
        Speaker label → role, for labels that are neither roles nor inferable.
    encoding
        The text encoding of the files (WebVTT is always UTF-8).
    """

    name = "vtt"
    description = "WebVTT captions with <v Speaker> voice tags or 'Name:' prefixes"

    def sniff(self, path: Path, head: str) -> float:
        if head.lstrip("\ufeff").startswith("WEBVTT"):
            return 0.99
        return 0.6 if path.suffix.lower() == ".vtt" and "-->" in head else 0.0

    def _cues(self, text: str) -> list[_Cue]:
        blocks = _blocks(text)
        if not blocks or not blocks[0][0][1].lstrip("\ufeff").startswith("WEBVTT"):
            raise InvalidInputError("a WebVTT file starts with a 'WEBVTT' line", line=1)
        cues: list[_Cue] = []
        header = blocks[0]
        # the header block may run straight into the first cue when a file omits the blank line
        timing_at = next((i for i, (_, line) in enumerate(header) if "-->" in line), None)
        rest = blocks[1:]
        if timing_at is not None:
            rest = [header[max(1, timing_at - 1) :], *rest]
        for block in rest:
            keyword = block[0][1].strip().split(" ", 1)[0]
            if keyword in {"NOTE", "STYLE", "REGION"} and "-->" not in block[0][1]:
                continue
            cues.append(_cue_from_block(block))
        return cues


class SubRipImporter(_CaptionImporter):
    """SubRip captions: numbered cues, ``hh:mm:ss,mmm --> hh:mm:ss,mmm``, ``Name:`` or ``[Agent]`` speakers.

    Parameters
    ----------
    speaker_map
        Speaker label → role, for labels that are neither roles nor inferable.
    encoding
        The text encoding of the files.
    """

    name = "srt"
    description = "SubRip (.srt) captions with 'Name:' prefixes, [Agent] labels or dialogue dashes"

    def sniff(self, path: Path, head: str) -> float:
        start = head.lstrip("\ufeff").lstrip()
        if _SRT_START.match(start):
            return 0.95
        return 0.6 if path.suffix.lower() == ".srt" and "-->" in head else 0.0

    def _cues(self, text: str) -> list[_Cue]:
        return [_cue_from_block(block) for block in _blocks(text)]


register_importer(WebVTTImporter())
register_importer(SubRipImporter())

__all__ = ["MERGE_GAP", "SubRipImporter", "WebVTTImporter"]
