"""The WarmlineError family: errors a user can act on, naming the file, line, record and field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class WarmlineError(Exception):
    """An error a user can act on.

    Every error names where it happened as precisely as it can: the file, the line (1-based) or the
    record (1-based position of a conversation in a file), and the field. ``str(error)`` renders
    ``path:line: field 'x': message``.

    Examples
    --------
    >>> str(WarmlineError("speaker 'agnet' is not one of agent, customer", path="calls.csv",
    ...                    line=14, field="speaker"))
    "calls.csv:14: field 'speaker': speaker 'agnet' is not one of agent, customer"
    """

    code = "W000"

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        record: int | str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record
        self.field = field

    def located(
        self,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        record: int | str | None = None,
    ) -> WarmlineError:
        """Fill in the location parts that are still unknown, and return self."""
        if self.path is None and path is not None:
            self.path = str(path)
        if self.line is None and line is not None:
            self.line = line
        if self.record is None and record is not None:
            self.record = record
        return self

    @property
    def location(self) -> str:
        parts: list[str] = []
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            parts.append(where)
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.location
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "record": self.record,
            "field": self.field,
        }


class InvalidInputError(WarmlineError):
    """A file or record does not have the shape its format requires."""

    code = "W100"


class FormatDetectionError(WarmlineError):
    """No importer recognises a file (use --format to say which it is)."""

    code = "W101"


class EncodingError(InvalidInputError):
    """A file is not valid text in the expected encoding."""

    code = "W102"


class ConfigError(WarmlineError):
    """A configuration file (scorecard, phrase bank, scenario) is invalid."""

    code = "W200"


class ModelError(WarmlineError):
    """A shipped model file is missing or corrupt."""

    code = "W300"


class PipelineError(WarmlineError):
    """The analyser pipeline cannot be built (unknown analyser, unmet requirement)."""

    code = "W400"


class ManyErrors(WarmlineError):
    """Several bad records, reported together after the good ones were processed."""

    code = "W199"

    def __init__(self, errors: Sequence[WarmlineError]) -> None:
        self.errors = list(errors)
        head = "; ".join(str(e) for e in self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        super().__init__(f"{len(self.errors)} invalid record(s): {head}{more}")
