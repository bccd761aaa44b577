"""TweetSumm-style customer-support chats: tab-tagged ``Customer:``/``Agent:`` lines, in a CSV column or a text file.

TweetSumm (Feigenblat et al., 2021) holds brands' support conversations on Twitter. Each dialogue is
one turn per line, written ``<TAB>Customer:<TAB>text`` or ``<TAB>Agent:<TAB>text``; a line without a
tag continues the turn above it. Two containers are read:

- a CSV with a ``dialog_id`` and a ``text`` column (one dialogue per row); the labels ``is_negative``
  and ``has_gratitude`` and ``dialog_type``/``data_split`` go into the conversation's metadata, and
  the turns named in ``negative_replics``/``gratitude_replics`` get ``is_negative``/``has_gratitude``
  in theirs;
- a plain ``.txt``/``.tsv`` file of tagged lines: one dialogue, or several separated by blank lines.

Tweets start with the ``@handle`` they reply to; those leading mentions are moved from the text into
``metadata["mentions"]`` (mentions inside the text, and URLs, stay). HTML entities the Twitter API
escaped (``&amp;``) are unescaped. A trailing agent signature (``... ^JA``) becomes the turn's
``speaker_id`` and stays in the text.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, read_text, register_importer
from warmline.model import Channel, Conversation, Role, Turn

_SPEAKERS: dict[str, Role] = {"customer": Role.CUSTOMER, "agent": Role.AGENT}

#: A tagged line: optional leading tab, a one-word speaker, a colon and a tab.
_TAGGED = re.compile(r"^\t?([A-Za-z][A-Za-z ]{0,30}):\t(.*)$")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+\s*")
_SIGNATURE = re.compile(r"\^\s?([A-Za-z][A-Za-z.]{0,20})\s*$")
#: TweetSumm's own customer handles are anonymised to numbers; a brand's handle is a name.
_NUMERIC = re.compile(r"^@\d+$")

_TEXT_COLUMNS = ("text", "dialog", "dialogue")
_ID_COLUMNS = ("dialog_id", "dialogue_id", "conversation_id", "id")
_LABEL_COLUMNS = ("is_negative", "has_gratitude")
_REPLIC_COLUMNS = {"negative_replics": "is_negative", "gratitude_replics": "has_gratitude"}


@dataclass
class _RawTurn:
    line: int
    role: Role
    lines: list[str] = field(default_factory=list)


def _parse_lines(lines: Sequence[tuple[int, str]]) -> list[_RawTurn]:
    """Group tagged lines (with their 1-based line numbers) into turns; errors name the line."""
    turns: list[_RawTurn] = []
    for number, line in lines:
        match = _TAGGED.match(line)
        if match:
            label = match.group(1).strip()
            role = _SPEAKERS.get(label.lower())
            if role is None:
                raise InvalidInputError(
                    f"speaker {label!r} is not one of Customer, Agent", line=number, field="speaker"
                )
            turns.append(_RawTurn(number, role, [match.group(2)]))
        elif turns:
            turns[-1].lines.append(line)
        elif line.strip():
            raise InvalidInputError(
                "expected a turn tagged '<TAB>Customer:<TAB>' or '<TAB>Agent:<TAB>'", line=number, field="text"
            )
    return turns


def _clean(text: str) -> tuple[str, list[str]]:
    """The tweet's text without its leading @mentions (returned separately), entities unescaped."""
    text = html.unescape(text).strip()
    match = _LEADING_MENTIONS.match(text)
    if not match:
        return text, []
    return text[match.end() :], match.group(0).split()


def _replics(value: str | None) -> set[str]:
    """The tweets a label was given for: TweetSumm joins them with ``<NL><TAB>;<TAB>``."""
    if not value or not value.strip():
        return set()
    return {_clean(part)[0] for part in re.split(r"\n\t?;\t?", value) if part.strip()}


def build_conversation(
    convo_id: str,
    lines: Sequence[tuple[int, str]],
    *,
    metadata: Mapping[str, Any] | None = None,
    turn_labels: Mapping[str, set[str]] | None = None,
) -> Conversation:
    """One dialogue from its tagged lines (``(line number, text)`` pairs).

    Raises
    ------
    InvalidInputError
        naming the line of an unknown speaker tag or of text before the first tag.
    """
    raw = _parse_lines(lines)
    turns: list[Turn] = []
    customer_mentions: Counter[str] = Counter()
    agent_mentions: Counter[str] = Counter()
    for position, rt in enumerate(raw):
        text, mentions = _clean("\n".join(rt.lines))
        turn_meta: dict[str, Any] = {}
        if mentions:
            turn_meta["mentions"] = mentions
            (customer_mentions if rt.role is Role.CUSTOMER else agent_mentions).update(mentions)
        for label, texts in (turn_labels or {}).items():
            if text in texts:
                turn_meta[label] = True
        speaker_id = None
        if rt.role is Role.AGENT and (signature := _SIGNATURE.search(text)):
            speaker_id = signature.group(1)
        turns.append(Turn(index=position, role=rt.role, text=text, speaker_id=speaker_id, metadata=turn_meta))
    kept, notes = finalise_turns(turns)
    convo_meta: dict[str, Any] = {"source": "tweetsumm", **(metadata or {})}
    brands = [m for m, _ in customer_mentions.most_common() if not _NUMERIC.match(m)]
    if brands:
        convo_meta["brand"] = brands[0].lstrip("@")
    customers = [m for m, _ in agent_mentions.most_common() if _NUMERIC.match(m)]
    if notes:
        convo_meta["import_notes"] = notes
    return Conversation(
        id=convo_id,
        turns=kept,
        channel=Channel.CHAT,
        customer_id=customers[0].lstrip("@") if customers else None,
        metadata=convo_meta,
    )


def _lines(text: str) -> list[str]:
    # not str.splitlines(): a tweet may hold U+2028 or a form feed, which are not line breaks here
    return re.split(r"\r?\n", text)


def _label(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("1", "true", "yes"):
        return True
    if v in ("0", "false", "no"):
        return False
    return None


class TweetSummImporter:
    """TweetSumm dialogues: a CSV with ``dialog_id`` and ``text``, or a text file of tab-tagged lines."""

    name = "tweetsumm"
    description = "TweetSumm-style chats: CSV (dialog_id, text of '<TAB>Customer:<TAB>…' lines) or such lines in .txt"

    def sniff(self, path: Path, head: str) -> float:
        lines = head.splitlines()
        first = next((ln for ln in lines if ln.strip()), "")
        header = [c.strip().strip('"').lower() for c in first.split(",")]
        if any(c in header for c in _TEXT_COLUMNS) and any(c in header for c in _ID_COLUMNS):
            lowered = head.lower()
            return 0.95 if "\tcustomer:\t" in lowered or "\tagent:\t" in lowered else 0.0
        tagged = [ln for ln in lines[:50] if ln.strip()]
        if tagged and all(_TAGGED.match(ln) or not ln.startswith("\t") for ln in tagged[:20]):
            match = _TAGGED.match(tagged[0])
            if match and match.group(1).strip().lower() in _SPEAKERS:
                return 0.9
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        text = read_text(path)
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        if _TAGGED.match(first):
            yield from self._read_text(path, text)
        else:
            yield from self._read_csv(path, text)

    def _read_text(self, path: Path, text: str) -> Iterator[Conversation | RecordError]:
        blocks: list[list[tuple[int, str]]] = [[]]
        for number, line in enumerate(_lines(text), start=1):
            if line.strip():
                blocks[-1].append((number, line))
            elif blocks[-1]:
                blocks.append([])
        blocks = [b for b in blocks if b]
        for position, block in enumerate(blocks, start=1):
            convo_id = path.stem if len(blocks) == 1 else f"{path.stem}-{position}"
            try:
                yield build_conversation(convo_id, block)
            except WarmlineError as exc:
                yield RecordError(exc.located(path=path, line=block[0][0], record=position))

    def _read_csv(self, path: Path, text: str) -> Iterator[Conversation | RecordError]:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = {c.strip().lower(): c for c in reader.fieldnames or ()}
        text_col = next((columns[c] for c in _TEXT_COLUMNS if c in columns), None)
        if text_col is None:
            raise InvalidInputError(
                f"no dialogue text column; expected one of {', '.join(_TEXT_COLUMNS)}", path=path, line=1, field="text"
            )
        id_col = next((columns[c] for c in _ID_COLUMNS if c in columns), None)
        end_line = reader.line_num
        for record, row in enumerate(reader, start=1):
            start_line, end_line = end_line + 1, reader.line_num
            convo_id = (row.get(id_col) or "").strip() if id_col else ""
            metadata: dict[str, Any] = {}
            for key in _LABEL_COLUMNS:
                if key in columns and (value := _label(row.get(columns[key]))) is not None:
                    metadata[key] = value
            for key, meta_key in (("dialog_type", "dialog_type"), ("data_split", "split")):
                if key in columns and (value_text := (row.get(columns[key]) or "").strip()):
                    metadata[meta_key] = value_text
            labels = {
                label: _replics(row.get(columns[key])) for key, label in _REPLIC_COLUMNS.items() if key in columns
            }
            # a quoted CSV field spans lines: turn lines are numbered from where the field starts
            lines = list(enumerate(_lines(row.get(text_col) or ""), start=start_line))
            try:
                if not any(line.strip() for _, line in lines):
                    raise InvalidInputError("the dialogue text is empty", field=text_col)
                yield build_conversation(
                    convo_id or f"{path.stem}-{record}",
                    lines,
                    metadata=metadata,
                    turn_labels={k: v for k, v in labels.items() if v},
                )
            except WarmlineError as exc:
                yield RecordError(exc.located(path=path, line=start_line, record=record))


register_importer(TweetSummImporter())

__all__ = ["TweetSummImporter", "build_conversation"]
