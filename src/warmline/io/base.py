"""The importer and exporter contract, the format registry, and reading files into conversations.

An importer turns one file into conversations. It yields a ``RecordError`` in place of a bad record
instead of raising, so that a file with many conversations and a few bad records still gives up its
good ones; the caller decides whether the bad ones fail the run (``--skip-invalid``).
"""

from __future__ import annotations

import codecs
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from warmline.errors import EncodingError, FormatDetectionError, InvalidInputError, WarmlineError
from warmline.model import Conversation, Turn, renumber

#: How many characters of a file the detectors see.
SNIFF_CHARS = 64_000


@dataclass(frozen=True, slots=True)
class RecordError:
    """A bad record in a file: yielded by importers in place of the conversation it should have been."""

    error: WarmlineError


def finalise_turns(turns: Iterable[Turn], *, where: str = "turns") -> tuple[tuple[Turn, ...], dict[str, object]]:
    """The one policy every importer applies to the turns it read.

    - Empty or whitespace-only turns are dropped (they carry nothing to analyse) and counted.
    - A turn that ends before it starts is an error naming the turn.
    - Overlapping turns are kept as they are: overtalk is what the talk metrics measure.
    - Indexes are renumbered 0..n-1 in the order the source gave.

    Returns the turns and the import notes for ``Conversation.metadata["import_notes"]`` (empty
    when there is nothing to say).
    """
    kept: list[Turn] = []
    dropped = 0
    for position, turn in enumerate(turns):
        if not turn.text.strip():
            dropped += 1
            continue
        if turn.start is not None and turn.end is not None and turn.end < turn.start:
            raise InvalidInputError(
                f"turn ends ({turn.end:g}s) before it starts ({turn.start:g}s)", field=f"{where}[{position}].end"
            )
        kept.append(turn)
    notes: dict[str, object] = {}
    if dropped:
        notes["dropped_empty_turns"] = dropped
    return renumber(kept), notes


@runtime_checkable
class Importer(Protocol):
    """Reads one format.

    ``sniff`` looks at the path and the first characters of the file and says how sure it is
    (0 = not this format, 1 = certainly this format). ``read`` yields conversations, or
    ``RecordError`` for records it cannot use.
    """

    name: str
    description: str

    def sniff(self, path: Path, head: str) -> float: ...

    def read(self, path: Path) -> Iterator[Conversation | RecordError]: ...


@runtime_checkable
class Exporter(Protocol):
    """Writes conversations (or analyses) in one format."""

    name: str
    suffix: str

    def write(self, items: Iterable[object], out: IO[str] | Path) -> int: ...


_IMPORTERS: dict[str, Importer] = {}
_EXPORTERS: dict[str, Exporter] = {}


def register_importer(importer: Importer) -> Importer:
    _IMPORTERS[importer.name] = importer
    return importer


def register_exporter(exporter: Exporter) -> Exporter:
    _EXPORTERS[exporter.name] = exporter
    return exporter


def importers() -> dict[str, Importer]:
    from warmline.io import registry  # noqa: F401  (registers the built-in formats)

    return dict(_IMPORTERS)


def exporters() -> dict[str, Exporter]:
    from warmline.io import registry  # noqa: F401

    return dict(_EXPORTERS)


def read_head(path: Path, chars: int = SNIFF_CHARS) -> str:
    """The first characters of a file, decoded leniently (detection must not fail on bad bytes)."""
    with path.open("rb") as fh:
        raw = fh.read(chars * 4)
    return raw.decode("utf-8-sig", errors="replace")[:chars]


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A whole file as text; bytes that are not valid ``encoding`` raise an error naming the line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise EncodingError(
            f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid {encoding}; "
            "re-save the file as UTF-8 (for example `iconv -f cp1252 -t utf-8 FILE > FILE.utf8`)",
            path=path,
            line=line,
        ) from None
    return text


def read_json(path: Path, what: str | None = None) -> Any:
    """A whole JSON file, parsed; an empty or malformed file raises an error naming the file and line.

    ``what`` names the expected format in the message ("a Genesys Cloud transcript JSON export").
    """
    expected = f"; expected {what}" if what else ""
    text = read_text(path)
    if not text.strip():
        raise InvalidInputError(f"the file is empty{expected}", path=path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"not valid JSON: {exc.msg} (column {exc.colno}){expected}", path=path, line=exc.lineno
        ) from None


def iter_lines(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """Lines of a file with their 1-based numbers, decoded incrementally (for large JSONL/CSV)."""
    decoder_name = "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding
    decoder = codecs.getincrementaldecoder(decoder_name)()
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                yield number, decoder.decode(raw)
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid {encoding}; "
                    "re-save the file as UTF-8 (for example `iconv -f cp1252 -t utf-8 FILE > FILE.utf8`)",
                    path=path,
                    line=number,
                ) from None


def detect_format(path: Path) -> Importer:
    """The importer most sure it can read ``path``.

    Raises
    ------
    FormatDetectionError
        when no importer recognises the file.
    """
    head = read_head(path)
    scored = sorted(((imp.sniff(path, head), imp.name, imp) for imp in importers().values()), reverse=True)
    if not scored or scored[0][0] <= 0:
        names = ", ".join(sorted(importers()))
        raise FormatDetectionError(f"no importer recognises this file; pass --format (one of {names})", path=path)
    return scored[0][2]


def get_importer(name: str) -> Importer:
    found = importers().get(name)
    if found is None:
        names = ", ".join(sorted(importers()))
        raise WarmlineError(f"unknown format {name!r}; choose one of {names}", field="--format")
    return found


def get_exporter(name: str) -> Exporter:
    found = exporters().get(name)
    if found is None:
        names = ", ".join(sorted(exporters()))
        raise WarmlineError(f"unknown output format {name!r}; choose one of {names}", field="--output")
    return found


#: Files a folder walk skips: not conversations.
_SKIP_NAMES = {"readme.md", "readme.txt", "readme", "license", ".ds_store"}


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files named, and every file under folders named, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file() and not f.name.startswith(".") and f.name.lower() not in _SKIP_NAMES
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise WarmlineError("no such file or folder", path=p)
    return out


@dataclass
class LoadResult:
    """What reading some files gave: the good conversations and every bad record, together."""

    conversations: list[Conversation] = field(default_factory=list)
    errors: list[WarmlineError] = field(default_factory=list)
    files: int = 0


def configured(importer: Importer, options: Mapping[str, Any]) -> Importer:
    """A new importer of the same format built with those ``options`` it accepts (``speaker_map``,
    ``column_map``...); options a format does not take are ignored for it."""
    if not options:
        return importer
    accepted = inspect.signature(type(importer)).parameters
    kwargs = {k: v for k, v in options.items() if k in accepted and v}
    return type(importer)(**kwargs) if kwargs else importer


def iter_conversations(
    paths: Sequence[Path],
    *,
    format: str = "auto",
    on_error: Callable[[WarmlineError], None] | None = None,
    options: Mapping[str, Any] | None = None,
) -> Iterator[Conversation]:
    """Stream conversations from files and folders; bad records go to ``on_error`` (or raise).

    ``options`` configure the importers that accept them, e.g. ``{"speaker_map": {"Dana": "agent"}}``.
    """
    for path in expand_paths(paths):
        try:
            importer = detect_format(path) if format == "auto" else get_importer(format)
            importer = configured(importer, options or {})
            for record_no, item in enumerate(importer.read(path), start=1):
                if isinstance(item, RecordError):
                    err = item.error.located(path=path, record=None if item.error.line else record_no)
                    if on_error is None:
                        raise err
                    on_error(err)
                else:
                    yield item
        except WarmlineError as exc:
            exc.located(path=path)
            if on_error is None:
                raise
            on_error(exc)
        except (OSError, ValueError) as exc:  # an importer bug or unreadable file must still name the file
            err = InvalidInputError(str(exc) or type(exc).__name__, path=path)
            if on_error is None:
                raise err from exc
            on_error(err)


def load(paths: Sequence[Path], *, format: str = "auto", options: Mapping[str, Any] | None = None) -> LoadResult:
    """Read every conversation from files and folders, collecting bad records instead of stopping.

    Examples
    --------
    >>> result = load([Path("calls/")])          # doctest: +SKIP
    >>> len(result.conversations), [str(e) for e in result.errors]   # doctest: +SKIP
    """
    result = LoadResult()
    result.files = len(expand_paths(paths))
    result.conversations.extend(
        iter_conversations(paths, format=format, on_error=result.errors.append, options=options)
    )
    return result
