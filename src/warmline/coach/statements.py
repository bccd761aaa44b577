"""The statement library: empathy lines a coach suggests, fitted to this customer's emotion, words and name.

It is data (YAML) a contact center edits; the loader validates it and refuses pity phrasing.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from warmline.errors import ConfigError
from warmline.text import paraphrase_core

KINDS = ("understanding", "paraphrase", "correction_invitation", "commitment", "thanks", "next_steps", "closure")
EMOTIONS = ("frustration", "anger", "anxiety", "sadness", "confusion", "default")
PLACEHOLDERS = {"name", "paraphrase"}

#: Phrasing the library must never suggest: pity, not empathy.
_PITY = re.compile(r"\b(poor (?:thing|you)|feel (?:so )?sorry for you|pity|bless you)\b", re.IGNORECASE)
_FIELD = re.compile(r"{(\w+)}")


@dataclass(frozen=True, slots=True)
class StatementLibrary:
    """Statements by kind (and, for understanding, by emotion).

    Examples
    --------
    >>> lib = StatementLibrary.load()
    >>> lib.suggest("paraphrase", paraphrase="you were charged twice", seed=0)
    'So you were charged twice, is that right?'
    """

    statements: Mapping[str, Any]
    source: str = "<shipped>"

    @classmethod
    def load(cls, path: Path | None = None) -> StatementLibrary:
        """The shipped library, or a contact center's own file; invalid files raise ConfigError."""
        if path is None:
            return _shipped()
        return cls._parse(path.read_text(encoding="utf-8"), str(path))

    @classmethod
    def _parse(cls, text: str, source: str) -> StatementLibrary:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(f"not valid YAML: {exc}", path=source, line=mark.line + 1 if mark else None) from None
        if not isinstance(data, dict) or not isinstance(data.get("statements"), dict):
            raise ConfigError("expected a mapping with a 'statements' section", path=source, field="statements")
        statements = data["statements"]
        for kind, value in statements.items():
            if kind not in KINDS:
                raise ConfigError(
                    f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}",
                    path=source,
                    field=f"statements.{kind}",
                )
            groups = value.items() if kind == "understanding" else [(None, value)]
            if kind == "understanding" and not isinstance(value, dict):
                raise ConfigError(
                    "understanding lines are grouped by emotion", path=source, field="statements.understanding"
                )
            for emotion, lines in groups:
                where = f"statements.{kind}" + (f".{emotion}" if emotion else "")
                if emotion is not None and emotion not in EMOTIONS:
                    raise ConfigError(
                        f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}", path=source, field=where
                    )
                _check_lines(lines, source, where)
        return cls(statements=statements, source=source)

    def lines(self, kind: str, emotion: str | None = None) -> list[str]:
        value = self.statements.get(kind, [])
        if kind == "understanding":
            value = value.get(emotion or "default") or value.get("default", [])
        return list(value)

    def suggest(
        self,
        kind: str,
        *,
        emotion: str | None = None,
        name: str | None = None,
        paraphrase: str | None = None,
        seed: int | str = 0,
        avoid: Sequence[str] = (),
    ) -> str | None:
        """One statement of ``kind`` filled with what is known; lines whose placeholders are unknown are
        skipped, lines in ``avoid`` are used only when nothing else fits. ``seed`` varies the choice
        deterministically (the same seed gives the same line)."""
        known = {"name": name, "paraphrase": paraphrase}
        usable = [ln for ln in self.lines(kind, emotion) if all(known.get(f) for f in _FIELD.findall(ln))]
        if not usable:
            return None
        fresh = [ln for ln in usable if _fill(ln, known) not in avoid] or usable
        key = seed if isinstance(seed, int) else zlib.crc32(seed.encode())
        return _fill(fresh[key % len(fresh)], known)


def better_response(
    library: StatementLibrary,
    *,
    emotion: str,
    customer_text: str,
    name: str | None = None,
    seed: int | str = 0,
) -> str:
    """A better answer to an emotional moment: name the feeling, then reflect the customer's own point.

    Examples
    --------
    >>> print(better_response(StatementLibrary.load(), emotion="frustration", seed=1,
    ...       customer_text="This is the third time I've called about my router and it's still broken!"))
    That's a lot of hassle to go through, and you shouldn't have had to. Just to check I've understood: this is the
    third time you've called about your router and it's still broken. Have I got that right?
    """
    parts: list[str] = []
    understanding = library.suggest("understanding", emotion=emotion, name=name, seed=seed)
    if understanding:
        parts.append(understanding)
    core = paraphrase_core(customer_text)
    reflect = library.suggest("paraphrase", paraphrase=core, seed=seed) if core else None
    if reflect is None:
        reflect = library.suggest("correction_invitation", seed=seed)
    if reflect:
        parts.append(reflect)
    return " ".join(parts)


def _fill(line: str, known: Mapping[str, str | None]) -> str:
    text = _FIELD.sub(lambda m: known.get(m.group(1)) or "", line)
    return re.sub(r"\s+([,.?!])", r"\1", text).strip()


def _check_lines(lines: Any, source: str, where: str) -> None:
    if not isinstance(lines, list) or not lines:
        raise ConfigError("expected a non-empty list of statements", path=source, field=where)
    for i, line in enumerate(lines):
        if not isinstance(line, str) or not line.strip():
            raise ConfigError("a statement must be non-empty text", path=source, field=f"{where}[{i}]")
        unknown = set(_FIELD.findall(line)) - PLACEHOLDERS
        if unknown:
            raise ConfigError(
                f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{name}} or {{paraphrase}}",
                path=source,
                field=f"{where}[{i}]",
            )
        if _PITY.search(line):
            raise ConfigError(
                f"{line!r} is pity, not empathy; warmline never suggests it", path=source, field=f"{where}[{i}]"
            )


@lru_cache(maxsize=1)
def _shipped() -> StatementLibrary:
    ref = resources.files("warmline") / "data" / "statements" / "default.yaml"
    return StatementLibrary._parse(ref.read_text(encoding="utf-8"), "warmline/data/statements/default.yaml")
