"""Shared parsing for the contact-center vendor exports (AWS, Genesys, Google, Twilio, Zendesk, Intercom).

Every vendor export is a JSON document; these helpers turn its loose values (numbers that arrive as
strings, epoch milliseconds, ISO times with ``Z``) into warmline's, and word errors so they name the
vendor's own field (``Transcript[3].ParticipantRole``) and the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError, finalise_turns, read_json
from warmline.model import Role, Turn


def load_json(path: Path, what: str) -> Any:
    """The parsed file; an error naming the file (and line) when it is empty or not JSON at all."""
    return read_json(path, f"a {what} JSON export")


def parse_head(head: str) -> Any | None:
    """The parsed head when the whole document fits in it, else ``None`` (sniffers then look at key names)."""
    if head.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(head)
    except json.JSONDecodeError:
        return None


def first_object(data: Any) -> Mapping[str, Any] | None:
    """The document, or the first object of a JSON list of documents."""
    if isinstance(data, Mapping):
        return data
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return data[0]
    return None


def head_has_keys(head: str, *keys: str) -> bool:
    """Whether every key appears as a JSON object key in the head (for files too big to parse whole)."""
    return all(re.search(rf'"{re.escape(k)}"\s*:', head) is not None for k in keys)


def records(data: Any) -> list[Any]:
    """A JSON list of documents, or one document, as a list."""
    return list(data) if isinstance(data, list) else [data]


def record_error(exc: WarmlineError, path: Path, record: int | str) -> RecordError:
    return RecordError(exc.located(path=path, record=record))


def number(value: Any, where: str) -> float | None:
    """A JSON number, or a numeric string (Twilio sends both); ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidInputError(f"{value!r} is not a number", field=where)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value)
        except ValueError:
            pass
    raise InvalidInputError(f"{value!r} is not a number", field=where)


def millis(value: Any, where: str) -> float | None:
    """Milliseconds as seconds; also reads the ``{"milliseconds": n}`` objects Genesys uses."""
    if isinstance(value, Mapping):
        if "milliseconds" not in value:
            raise InvalidInputError('expected a number of milliseconds or {"milliseconds": n}', field=where)
        value, where = value["milliseconds"], f"{where}.milliseconds"
    ms = number(value, where)
    return None if ms is None else ms / 1000.0


def iso_datetime(value: Any, where: str) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset; a time without one is taken as UTC)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{value!r} is not an ISO 8601 date-time", field=where)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"{value!r} is not an ISO 8601 date-time", field=where) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def epoch_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def required_text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value is None:
        raise InvalidInputError(f"missing {key}", field=f"{where}.{key}")
    if not isinstance(value, str):
        raise InvalidInputError(f"{key} must be a string, not {type(value).__name__}", field=f"{where}.{key}")
    return value


def as_object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"expected an object, not {type(value).__name__}", field=where)
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInputError(f"expected a list, not {type(value).__name__}", field=where)
    return value


def role_key(value: Any) -> str:
    """A vendor role or purpose normalised for lookup: ``"Human-Agent"`` → ``"human_agent"``."""
    return re.sub(r"[\s-]+", "_", str(value).strip().lower())


def map_role(value: Any, table: Mapping[str, Role], where: str) -> Role:
    """The warmline role for a vendor's role name, in any casing; an error lists the names it knows."""
    if value is None:
        raise InvalidInputError("missing role", field=where)
    found = table.get(role_key(value))
    if found is None:
        known = ", ".join(sorted(table))
        raise InvalidInputError(f"{value!r} is not a role warmline knows (expected one of {known})", field=where)
    return found


def check_span(start: float | None, end: float | None, where: str) -> None:
    """A turn that ends before it starts, named by the vendor's own field (finalise_turns would number it anew)."""
    if start is not None and end is not None and end < start:
        raise InvalidInputError(f"ends ({end:g}s) before it starts ({start:g}s)", field=where)


def relative(start: float | None, origin: float | None) -> float | None:
    if start is None or origin is None:
        return start
    return max(0.0, start - origin)


def finish_turns(turns: Iterable[Turn], metadata: dict[str, Any], *, where: str) -> tuple[Turn, ...]:
    """Apply the shared turn policy and put its notes under ``metadata["import_notes"]``."""
    kept, notes = finalise_turns(turns, where=where)
    if notes:
        existing = metadata.get("import_notes")
        metadata["import_notes"] = {**(existing if isinstance(existing, dict) else {}), **notes}
    return kept


def jsonable(value: Any) -> Any:
    """A copy made of JSON types only (tuples become lists), so a round trip gives an equal conversation."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def not_this_format(path: Path, what: str, expected: str) -> InvalidInputError:
    return InvalidInputError(f"this is not a {what} file: {expected}", path=path)
