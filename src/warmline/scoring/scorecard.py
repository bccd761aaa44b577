"""QA scorecards as YAML: sections, weighted items (scaled or pass/fail), auto-fail items, settings.

The shape follows the forms QA teams already use. ``Scorecard.load`` validates a file and raises a
ConfigError naming the file and the field (``sections[1].items[2].measure``) for anything wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from warmline.errors import ConfigError

KINDS = ("scaled", "pass_fail")
SELF_DISCLOSURE = ("neutral", "reward", "penalise")


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the form: what is measured, how it earns points, and whether failing it fails the call."""

    id: str
    name: str
    measure: str
    weight: float
    kind: str = "scaled"
    pass_at: float = 1.0
    behaviours: tuple[str, ...] = ()
    penalty_each: float = 1.0
    auto_fail: bool = False
    section: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A validated scorecard.

    Examples
    --------
    >>> card = Scorecard.load()
    >>> card.id, sum(i.weight for i in card.items) > 0
    ('warmline.default', True)
    """

    id: str
    version: str
    name: str
    sections: tuple[Section, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<shipped>"

    @property
    def items(self) -> list[Item]:
        return [i for s in self.sections for i in s.items]

    @property
    def min_confidence(self) -> float:
        return float(self.settings.get("min_confidence", 0.5))

    @classmethod
    def load(cls, path: Path | None = None) -> Scorecard:
        """The shipped default scorecard, or a QA team's own YAML file."""
        if path is None:
            return _default()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read scorecard: {exc.strerror}", path=path) from None
        return parse_scorecard(text, str(path))


def parse_scorecard(text: str, source: str) -> Scorecard:
    """Validate and build a scorecard from YAML text; errors name ``source`` and the field."""
    from warmline.scoring.measures import MEASURES

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", path=source, line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("a scorecard is a mapping with id, version, name and sections", path=source)

    def need(obj: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
        value = obj.get(key)
        if value is None:
            raise ConfigError(f"'{key}' is required", path=source, field=f"{where}{key}")
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise ConfigError(f"'{key}' must be {expected}, not {value!r}", path=source, field=f"{where}{key}")
        return value

    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise ConfigError("settings must be a mapping", path=source, field="settings")
    if settings.get("self_disclosure", "neutral") not in SELF_DISCLOSURE:
        raise ConfigError(
            f"self_disclosure must be one of {', '.join(SELF_DISCLOSURE)}",
            path=source,
            field="settings.self_disclosure",
        )
    min_conf = settings.get("min_confidence", 0.5)
    if not isinstance(min_conf, int | float) or not 0 <= min_conf <= 1:
        raise ConfigError("min_confidence must be a number from 0 to 1", path=source, field="settings.min_confidence")

    raw_sections = need(data, "sections", "", list)
    if not raw_sections:
        raise ConfigError("a scorecard needs at least one section", path=source, field="sections")
    sections: list[Section] = []
    seen: set[str] = set()
    for si, raw in enumerate(raw_sections):
        where = f"sections[{si}]."
        if not isinstance(raw, dict):
            raise ConfigError("a section is a mapping with id, name and items", path=source, field=where[:-1])
        section_id = str(need(raw, "id", where, (str, int)))
        items: list[Item] = []
        for ii, raw_item in enumerate(need(raw, "items", where, list)):
            iwhere = f"{where}items[{ii}]."
            if not isinstance(raw_item, dict):
                raise ConfigError("an item is a mapping", path=source, field=iwhere[:-1])
            item_id = str(need(raw_item, "id", iwhere, (str, int)))
            if item_id in seen:
                raise ConfigError(f"item id {item_id!r} is used twice", path=source, field=f"{iwhere}id")
            seen.add(item_id)
            measure = str(need(raw_item, "measure", iwhere, str))
            if measure not in MEASURES:
                raise ConfigError(
                    f"unknown measure {measure!r}; choose one of {', '.join(sorted(MEASURES))}",
                    path=source,
                    field=f"{iwhere}measure",
                )
            weight = need(raw_item, "weight", iwhere, (int, float))
            if weight <= 0:
                raise ConfigError("weight must be positive", path=source, field=f"{iwhere}weight")
            kind = raw_item.get("kind", "scaled")
            if kind not in KINDS:
                raise ConfigError(
                    f"kind must be one of {', '.join(KINDS)}, not {kind!r}", path=source, field=f"{iwhere}kind"
                )
            behaviours = _behaviours(raw_item.get("behaviours", []), source, f"{iwhere}behaviours")
            if MEASURES[measure].needs_behaviours and not behaviours:
                raise ConfigError(
                    f"measure {measure} needs a list of behaviours", path=source, field=f"{iwhere}behaviours"
                )
            for key in ("pass_at", "penalty_each"):
                value = raw_item.get(key, 1.0)
                if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                    raise ConfigError(f"{key} must be a number from 0 to 1", path=source, field=f"{iwhere}{key}")
            items.append(
                Item(
                    id=item_id,
                    name=str(raw_item.get("name", item_id)),
                    measure=measure,
                    weight=float(weight),
                    kind=kind,
                    pass_at=float(raw_item.get("pass_at", 1.0)),
                    behaviours=behaviours,
                    penalty_each=float(raw_item.get("penalty_each", 1.0)),
                    auto_fail=bool(raw_item.get("auto_fail", False)),
                    section=section_id,
                )
            )
        sections.append(Section(section_id, str(raw.get("name", section_id)), tuple(items)))
    if not any(s.items for s in sections):
        raise ConfigError("a scorecard needs at least one item", path=source, field="sections")
    return Scorecard(
        id=str(need(data, "id", "", (str, int))),
        version=str(data.get("version", "1")),
        name=str(data.get("name", data["id"])),
        sections=tuple(sections),
        settings=dict(settings),
        source=source,
    )


def _behaviours(value: Any, source: str, where: str) -> tuple[str, ...]:
    from warmline.behaviours.catalogue import BEHAVIOUR_IDS

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("behaviours must be a list of behaviour ids", path=source, field=where)
    for v in value:
        if v not in BEHAVIOUR_IDS:
            raise ConfigError(f"unknown behaviour {v!r}; known: {', '.join(BEHAVIOUR_IDS)}", path=source, field=where)
    return tuple(value)


@lru_cache(maxsize=1)
def _default() -> Scorecard:
    ref = resources.files("warmline") / "data" / "scorecards" / "default.yaml"
    return parse_scorecard(ref.read_text(encoding="utf-8"), "warmline/data/scorecards/default.yaml")
