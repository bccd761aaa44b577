"""warmline's own JSON form (one conversation, or a list) and JSONL (one conversation per line)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from warmline.errors import EncodingError, InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, read_json, register_exporter, register_importer
from warmline.model import Analysis, Conversation


def _looks_like_warmline(obj: Any) -> bool:
    return isinstance(obj, dict) and str(obj.get("schema", "")).startswith("warmline/")


def to_json_obj(item: object, *, include_embeddings: bool = False) -> dict[str, Any]:
    """The JSON form of a conversation or of an analysis (a conversation with its annotations)."""
    if isinstance(item, Analysis):
        return item.to_dict(include_embeddings=include_embeddings)
    if isinstance(item, Conversation):
        return item.to_dict()
    raise TypeError(f"cannot write {type(item).__name__} as warmline JSON")


def parse_record(obj: Any) -> Conversation:
    convo = Conversation.from_dict(obj)
    turns, notes = finalise_turns(convo.turns)
    if notes:
        return replace(convo, turns=turns, metadata={**convo.metadata, "import_notes": notes})
    return convo if turns == convo.turns else replace(convo, turns=turns)


class WarmlineJSONImporter:
    """A ``warmline/1`` conversation object, or a JSON list of them."""

    name = "warmline-json"
    description = "warmline JSON: one conversation object (schema warmline/1) or a list of them"

    def sniff(self, path: Path, head: str) -> float:
        start = head.lstrip()
        if start[:1] not in ("{", "["):
            return 0.0
        if '"schema"' in head[:4000] and "warmline/" in head[:4000]:
            # JSONL also starts with "{": a second object on its own line means JSONL
            lines = [ln for ln in start.splitlines() if ln.strip()]
            if len(lines) > 1 and lines[0].rstrip().endswith("}") and lines[1].lstrip().startswith("{"):
                return 0.0
            return 0.95
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = read_json(path)
        records = data if isinstance(data, list) else [data]
        for number, obj in enumerate(records, start=1):
            try:
                yield parse_record(obj)
            except WarmlineError as exc:
                yield RecordError(exc.located(path=path, record=number))


class WarmlineJSONLImporter:
    """One ``warmline/1`` conversation per line; streamed, so very large files stay in bounded memory."""

    name = "warmline-jsonl"
    description = "warmline JSONL: one conversation object per line"

    def sniff(self, path: Path, head: str) -> float:
        lines = [ln for ln in head.splitlines() if ln.strip()]
        if not lines or not lines[0].lstrip().startswith("{"):
            return 0.0
        try:
            first = json.loads(lines[0])
        except json.JSONDecodeError:
            return 0.0
        if _looks_like_warmline(first):
            return 0.97 if (len(lines) > 1 or path.suffix == ".jsonl") else 0.5
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        # each line is decoded on its own, so one bad byte costs one record, not the rest of the file
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    yield RecordError(
                        EncodingError(
                            f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid UTF-8; re-save the "
                            "file as UTF-8 (for example `iconv -f cp1252 -t utf-8 FILE > FILE.utf8`)",
                            path=path,
                            line=number,
                        )
                    )
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield RecordError(
                        InvalidInputError(f"not valid JSON: {exc.msg} (column {exc.colno})", path=path, line=number)
                    )
                    continue
                try:
                    yield parse_record(obj)
                except WarmlineError as exc:
                    yield RecordError(exc.located(path=path, line=number))


class WarmlineJSONExporter:
    name = "json"
    suffix = ".json"

    def __init__(self, *, include_embeddings: bool = False, indent: int | None = 2) -> None:
        self.include_embeddings = include_embeddings
        self.indent = indent

    def write(self, items: Iterable[object], out: IO[str] | Path) -> int:
        objs = [to_json_obj(i, include_embeddings=self.include_embeddings) for i in items]
        payload = objs[0] if len(objs) == 1 else objs
        text = json.dumps(payload, indent=self.indent, ensure_ascii=False) + "\n"
        _write_text(out, text)
        return len(objs)


class WarmlineJSONLExporter:
    name = "jsonl"
    suffix = ".jsonl"

    def __init__(self, *, include_embeddings: bool = False) -> None:
        self.include_embeddings = include_embeddings

    def write(self, items: Iterable[object], out: IO[str] | Path) -> int:
        count = 0
        if isinstance(out, Path):
            with out.open("w", encoding="utf-8") as fh:
                return self.write(items, fh)
        for item in items:
            out.write(json.dumps(to_json_obj(item, include_embeddings=self.include_embeddings), ensure_ascii=False))
            out.write("\n")
            count += 1
        return count


def _write_text(out: IO[str] | Path, text: str) -> None:
    if isinstance(out, Path):
        out.write_text(text, encoding="utf-8")
    else:
        out.write(text)


register_importer(WarmlineJSONImporter())
register_importer(WarmlineJSONLImporter())
register_exporter(WarmlineJSONExporter())
register_exporter(WarmlineJSONLExporter())

__all__ = ["WarmlineJSONImporter", "WarmlineJSONLImporter", "to_json_obj"]
