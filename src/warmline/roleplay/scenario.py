"""Role-play scenarios as data: a persona, the facts of the issue, an emotional state machine and its endings.

A scenario is a YAML file (the shipped ones live in ``warmline/data/scenarios/``). The loader checks
everything an author can get wrong — unknown keys, state names, behaviour ids, missing lines and
endings no play could reach — and raises ``ConfigError`` naming the file, line and field path
(``states.angry.transitions.dismisive``). See ``docs/roleplay.md`` for the format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from warmline.behaviours.catalogue import BEHAVIOUR_IDS, BEHAVIOURS, Polarity
from warmline.errors import ConfigError

#: What an agent turn can do besides the catalogue's behaviours: use a term from the scenario's
#: jargon list, cut the customer off, or show nothing the reader recognises.
PSEUDO_SIGNALS: tuple[str, ...] = ("jargon", "interrupting", "no_progress")
#: Everything a transition or an effect may be keyed by.
SIGNALS: tuple[str, ...] = (*BEHAVIOUR_IDS, *PSEUDO_SIGNALS)
NEGATIVE_SIGNALS: frozenset[str] = frozenset(
    {b.id for b in BEHAVIOURS.values() if b.polarity is Polarity.NEGATIVE} | {"jargon", "interrupting"}
)

#: The ways a role-play ends; every scenario defines all four.
ENDING_KINDS: tuple[str, ...] = ("resolved_satisfied", "resolved_unhappy", "escalation_to_supervisor", "hang_up")
#: Endings that mean the agent lost the customer.
BAD_ENDINGS: frozenset[str] = frozenset({"escalation_to_supervisor", "hang_up"})

METERS: tuple[str, ...] = ("patience", "trust")
METER_MAX = 10

#: The customer-emotion label a state stands for, when the state does not name one.
STATE_EMOTIONS: dict[str, str] = {
    "calm": "neutral",
    "neutral": "neutral",
    "frustrated": "frustration",
    "angry": "anger",
    "anxious": "anxiety",
    "worried": "anxiety",
    "sad": "sadness",
    "grieving": "sadness",
    "confused": "confusion",
    "reassured": "satisfaction",
    "satisfied": "satisfaction",
}
EMOTIONS: tuple[str, ...] = ("neutral", "frustration", "anger", "anxiety", "sadness", "confusion", "satisfaction")

#: How the agent's turns move the meters unless a scenario says otherwise (``effects:``).
DEFAULT_EFFECTS: dict[str, dict[str, int]] = {
    "acknowledge_emotion": {"patience": 1, "trust": 1},
    "paraphrase": {"patience": 1, "trust": 1},
    "open_question": {},
    "ownership": {"trust": 2},
    "next_steps": {"trust": 2},
    "reassurance": {"trust": 1},
    "apology": {"patience": 1},
    "appreciation": {},
    "check_understanding": {"trust": 1},
    "closure_check": {},
    "personalisation": {"trust": 1},
    "self_disclosure": {},
    "suggestion": {},
    "information": {"trust": 1},
    "sympathy_pity": {"patience": -1, "trust": -1},
    "dismissive": {"patience": -2, "trust": -1},
    "blame": {"patience": -2, "trust": -2},
    "negative_language": {"patience": -1, "trust": -1},
    "personal_opinion": {"trust": -1},
    "jargon": {"patience": -1},
    "interrupting": {"patience": -2, "trust": -1},
    "no_progress": {"patience": -1},
}

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TITLES = ("mr", "mrs", "ms", "miss", "dr", "mr.", "mrs.", "ms.", "dr.")
_STOP = frozenset({"what", "when", "where", "which", "with", "your", "have", "does", "that", "this", "from"})


# --- the parts of a scenario ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Persona:
    """Who the simulated customer is. ``patience`` (1–5) sets where the patience meter starts."""

    name: str
    temperament: str
    patience: int
    age: int | None = None

    @property
    def short_name(self) -> str:
        """How the feedback names the customer: the first name, or title and surname ("Mr Pike")."""
        parts = self.name.split()
        if len(parts) > 1 and parts[0].lower() in _TITLES:
            return f"{parts[0]} {parts[-1]}"
        return parts[0] if parts else self.name


@dataclass(frozen=True, slots=True)
class Fact:
    """Something the customer knows about the issue and says when asked.

    A question that mentions one of ``keywords`` draws this fact out; an open question draws out the
    next fact not yet told.
    """

    key: str
    answer: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """When a guarded transition may fire or an ending happens: every field given must hold.

    ``turns_in_state`` counts the customer's consecutive lines in one of ``states`` (the opening
    included); ``requires`` are behaviours used at any point of the session; ``this_turn`` needs one
    of its signals in the agent's latest turn.
    """

    patience_at_most: int | None = None
    patience_at_least: int | None = None
    trust_at_most: int | None = None
    trust_at_least: int | None = None
    states: tuple[str, ...] = ()
    turns_in_state: int | None = None
    requires: tuple[str, ...] = ()
    this_turn: tuple[str, ...] = ()
    turns_at_least: int | None = None
    facts_at_least: int | None = None

    def holds(self, view: ConditionView) -> bool:
        checks = (
            self.patience_at_most is None or view.patience <= self.patience_at_most,
            self.patience_at_least is None or view.patience >= self.patience_at_least,
            self.trust_at_most is None or view.trust <= self.trust_at_most,
            self.trust_at_least is None or view.trust >= self.trust_at_least,
            not self.states or view.state in self.states,
            self.turns_in_state is None or view.run(self.states) >= self.turns_in_state,
            all(b in view.used for b in self.requires),
            not self.this_turn or any(s in view.this_turn for s in self.this_turn),
            self.turns_at_least is None or view.agent_turns >= self.turns_at_least,
            self.facts_at_least is None or view.facts_revealed >= self.facts_at_least,
        )
        return all(checks)

    def describe(self) -> str:
        """The condition in words: ``patience ≤ 0``, ``state angry for 3 lines``."""
        parts: list[str] = []
        for meter in METERS:
            at_most = getattr(self, f"{meter}_at_most")
            at_least = getattr(self, f"{meter}_at_least")
            if at_most is not None:
                parts.append(f"{meter} ≤ {at_most}")
            if at_least is not None:
                parts.append(f"{meter} ≥ {at_least}")
        if self.states:
            where = " or ".join(self.states)
            parts.append(f"{where} for {self.turns_in_state} lines" if self.turns_in_state else f"state {where}")
        if self.requires:
            parts.append("used " + " and ".join(r.replace("_", " ") for r in self.requires))
        if self.this_turn:
            parts.append("this turn shows " + " or ".join(s.replace("_", " ") for s in self.this_turn))
        if self.turns_at_least is not None:
            parts.append(f"at least {self.turns_at_least} agent turns")
        if self.facts_at_least is not None:
            parts.append(f"at least {self.facts_at_least} facts told")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class ConditionView:
    """What conditions read: the session's meters and history after the agent's latest turn."""

    patience: int
    trust: int
    state: str
    history: tuple[str, ...]
    used: frozenset[str]
    this_turn: frozenset[str]
    agent_turns: int
    facts_revealed: int

    def run(self, states: Sequence[str]) -> int:
        """How many of the customer's latest lines, in a row, were in one of ``states``."""
        count = 0
        for name in reversed(self.history):
            if name not in states:
                break
            count += 1
        return count


@dataclass(frozen=True, slots=True)
class Transition:
    """Move to ``to`` when the agent's turn shows ``signal`` (and ``when`` holds, if given)."""

    signal: str
    to: str
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class State:
    """An emotional state of the customer: what they say in it and where the agent's turns take them."""

    name: str
    lines: tuple[str, ...]
    transitions: Mapping[str, Transition] = field(default_factory=dict)
    emotion: str = "neutral"

    @property
    def negative(self) -> bool:
        return self.emotion in ("frustration", "anger", "anxiety", "sadness", "confusion")


@dataclass(frozen=True, slots=True)
class Ending:
    """How the role-play ends (``kind`` is one of ``ENDING_KINDS``), when, and the customer's last words."""

    kind: str
    when: Condition
    lines: tuple[str, ...]

    @property
    def bad(self) -> bool:
        return self.kind in BAD_ENDINGS

    def outcome(self, name: str) -> str:
        """What happened, in words: ``Dana asked for a supervisor``."""
        return {
            "resolved_satisfied": f"{name} was satisfied with the resolution",
            "resolved_unhappy": f"{name} accepted the outcome but was left unhappy",
            "escalation_to_supervisor": f"{name} asked for a supervisor",
            "hang_up": f"{name} hung up",
        }[self.kind]


@dataclass(frozen=True, slots=True)
class Effect:
    """How one signal moves the meters."""

    patience: int = 0
    trust: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A role-play scenario, validated.

    Examples
    --------
    >>> s = get_scenario("billing-double-charge")
    >>> s.persona.short_name, s.start
    ('Dana', 'frustrated')
    >>> sorted(e.kind for e in s.endings)
    ['escalation_to_supervisor', 'hang_up', 'resolved_satisfied', 'resolved_unhappy']
    """

    id: str
    title: str
    situation: str
    persona: Persona
    facts: tuple[Fact, ...]
    opening: tuple[str, ...]
    start: str
    states: Mapping[str, State]
    endings: tuple[Ending, ...]
    effects: Mapping[str, Effect]
    jargon: tuple[str, ...] = ()
    issue: str = ""
    start_patience: int = 6
    start_trust: int = 2
    max_turns: int = 16
    source: str = "<memory>"

    @property
    def customer_point(self) -> str:
        """The customer's main point in their own words, for suggested paraphrases: ``issue``, or the opening."""
        return self.issue or self.opening[0]

    def ending(self, kind: str) -> Ending:
        return next(e for e in self.endings if e.kind == kind)

    def effect(self, signal: str) -> Effect:
        return self.effects.get(signal, Effect())

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario file.

        Raises
        ------
        ConfigError
            naming the file, line and field path of the first problem found.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read scenario: {exc.strerror}", path=path) from None
        return parse_scenario(text, source=str(path))


# --- loading ---------------------------------------------------------------------------------------


def parse_scenario(text: str, *, source: str = "<string>") -> Scenario:
    """Validate the YAML text of a scenario; ``source`` names it in errors."""
    try:
        data = yaml.safe_load(text)
        lines = _line_index(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {exc}", path=source, line=mark.line + 1 if mark else None) from None
    return _Parser(source, lines).scenario(data)


class _Parser:
    """Builds a Scenario from parsed YAML; every error names the field path and its line."""

    def __init__(self, source: str, lines: Mapping[tuple[str | int, ...], int]) -> None:
        self.source = source
        self.lines = lines

    def error(self, message: str, path: Sequence[str | int]) -> ConfigError:
        key = tuple(path)
        line = None
        while key:
            if key in self.lines:
                line = self.lines[key]
                break
            key = key[:-1]
        return ConfigError(message, path=self.source, line=line, field=_dotted(path) or None)

    # --- generic checks ---------------------------------------------------------------------------

    def mapping(self, value: Any, path: Sequence[str | int], *, allowed: Iterable[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(f"expected a mapping, got {_kind(value)}", path)
        if allowed is not None:
            allowed = tuple(allowed)
            for key in value:
                if key not in allowed:
                    raise self.error(f"unknown key {key!r}; expected one of {', '.join(allowed)}", [*path, str(key)])
        return value

    def text(self, value: Any, path: Sequence[str | int]) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error("expected non-empty text", path)
        return " ".join(value.split())

    def integer(self, value: Any, path: Sequence[str | int], low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected a whole number from {low} to {high}, got {value!r}", path)
        if not low <= value <= high:
            raise self.error(f"{value} is outside {low}–{high}", path)
        return value

    def texts(self, value: Any, path: Sequence[str | int], *, at_least: int, what: str) -> tuple[str, ...]:
        if value is None or value == []:
            raise self.error(f"missing lines: {what} needs at least {at_least}", path)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"expected a list of lines, got {_kind(value)}", path)
        out = tuple(self.text(v, [*path, i]) for i, v in enumerate(value))
        if len(set(out)) < at_least:
            raise self.error(f"missing lines: {what} needs at least {at_least} different lines", path)
        return out

    def signal(self, value: Any, path: Sequence[str | int]) -> str:
        if value not in SIGNALS:
            close = _closest(str(value), SIGNALS)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise self.error(
                f"unknown behaviour id {value!r}{hint}; expected a catalogue behaviour or one of "
                f"{', '.join(PSEUDO_SIGNALS)}",
                path,
            )
        return str(value)

    # --- the scenario -------------------------------------------------------------------------

    def scenario(self, data: Any) -> Scenario:
        top = self.mapping(
            data,
            [],
            allowed=(
                "id",
                "title",
                "situation",
                "issue",
                "persona",
                "facts",
                "opening",
                "start",
                "states",
                "endings",
                "effects",
                "jargon",
                "meters",
                "max_turns",
            ),
        )
        for key in ("id", "title", "situation", "persona", "facts", "opening", "start", "states", "endings"):
            if key not in top:
                raise self.error(f"missing required key {key!r}", [key])
        scenario_id = self.text(top["id"], ["id"])
        if not _ID.match(scenario_id):
            raise self.error(f"id {scenario_id!r} must be lower-case letters, digits and hyphens", ["id"])
        persona = self.persona(top["persona"])
        meters = self.mapping(top.get("meters") or {}, ["meters"], allowed=METERS)
        start_patience = self.integer(meters.get("patience", 2 * persona.patience), ["meters", "patience"], 1, 10)
        start_trust = self.integer(meters.get("trust", 2), ["meters", "trust"], 0, 10)
        max_turns = self.integer(top.get("max_turns", 16), ["max_turns"], 2, 100)
        jargon = self.jargon(top.get("jargon"))
        states = self.states(top["states"])
        start = top["start"]
        if start not in states:
            raise self.error(f"unknown state {start!r}; states are {', '.join(states)}", ["start"])
        effects = self.effects(top.get("effects"))
        for name, state in states.items():
            for signal, t in state.transitions.items():
                where = ["states", name, "transitions", signal]
                if t.to not in states:
                    raise self.error(f"unknown state {t.to!r}; states are {', '.join(states)}", where)
                if t.when is not None:
                    self.check_states(t.when, states, [*where, "when"])
                if signal == "jargon" and not jargon:
                    raise self.error("a jargon transition needs a 'jargon' list of terms", where)
        reachable = _reachable(start, states)
        for name in states:
            if name not in reachable:
                raise self.error(f"state {name!r} is never reached from the start state {start!r}", ["states", name])
        endings = self.endings(top["endings"], states, reachable, effects, start_patience, start_trust, max_turns)
        return Scenario(
            id=scenario_id,
            title=self.text(top["title"], ["title"]),
            situation=self.text(top["situation"], ["situation"]),
            persona=persona,
            facts=self.facts(top["facts"]),
            opening=self.texts(top["opening"], ["opening"], at_least=1, what="the opening"),
            start=start,
            states=states,
            endings=endings,
            effects=effects,
            jargon=jargon,
            issue=self.text(top["issue"], ["issue"]) if "issue" in top else "",
            start_patience=start_patience,
            start_trust=start_trust,
            max_turns=max_turns,
            source=self.source,
        )

    def persona(self, value: Any) -> Persona:
        raw = self.mapping(value, ["persona"], allowed=("name", "age", "temperament", "patience"))
        for key in ("name", "temperament", "patience"):
            if key not in raw:
                raise self.error(f"missing required key {key!r}", ["persona", key])
        age = raw.get("age")
        return Persona(
            name=self.text(raw["name"], ["persona", "name"]),
            temperament=self.text(raw["temperament"], ["persona", "temperament"]),
            patience=self.integer(raw["patience"], ["persona", "patience"], 1, 5),
            age=None if age is None else self.integer(age, ["persona", "age"], 1, 120),
        )

    def facts(self, value: Any) -> tuple[Fact, ...]:
        raw = self.mapping(value, ["facts"])
        if not raw:
            raise self.error("a scenario needs at least one fact the customer can be asked about", ["facts"])
        out: list[Fact] = []
        for key, spec in raw.items():
            where: list[str | int] = ["facts", str(key)]
            if isinstance(spec, str):
                answer, keywords = self.text(spec, where), _default_keywords(str(key))
            else:
                body = self.mapping(spec, where, allowed=("answer", "keywords"))
                if "answer" not in body:
                    raise self.error("missing required key 'answer'", [*where, "answer"])
                answer = self.text(body["answer"], [*where, "answer"])
                kws = body.get("keywords", _default_keywords(str(key)))
                if isinstance(kws, str):
                    kws = [kws]
                if not isinstance(kws, list):
                    raise self.error("expected a list of keywords", [*where, "keywords"])
                keywords = tuple(self.text(k, [*where, "keywords", i]).lower() for i, k in enumerate(kws))
            out.append(Fact(str(key), answer, keywords))
        return tuple(out)

    def jargon(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(f"expected a list of terms, got {_kind(value)}", ["jargon"])
        return tuple(self.text(v, ["jargon", i]) for i, v in enumerate(value))

    def states(self, value: Any) -> dict[str, State]:
        raw = self.mapping(value, ["states"])
        if not raw:
            raise self.error("a scenario needs at least one state", ["states"])
        out: dict[str, State] = {}
        for name, spec in raw.items():
            where: list[str | int] = ["states", str(name)]
            body = self.mapping(spec, where, allowed=("lines", "transitions", "emotion"))
            emotion = body.get("emotion", STATE_EMOTIONS.get(str(name)))
            if emotion is None:
                raise self.error(
                    f"state {name!r} has no standard emotion; add 'emotion:' (one of {', '.join(EMOTIONS)})", where
                )
            if emotion not in EMOTIONS:
                raise self.error(
                    f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}", [*where, "emotion"]
                )
            lines = self.texts(body.get("lines"), [*where, "lines"], at_least=2, what=f"state {name!r}")
            transitions: dict[str, Transition] = {}
            for signal, target in self.mapping(body.get("transitions") or {}, [*where, "transitions"]).items():
                tw: list[str | int] = [*where, "transitions", str(signal)]
                self.signal(signal, tw)
                if isinstance(target, str):
                    transitions[signal] = Transition(signal, target)
                    continue
                spec_t = self.mapping(target, tw, allowed=("to", "when"))
                if not isinstance(spec_t.get("to"), str):
                    raise self.error("a guarded transition needs 'to: STATE'", [*tw, "to"])
                when = self.condition(spec_t.get("when"), [*tw, "when"]) if spec_t.get("when") is not None else None
                transitions[signal] = Transition(signal, spec_t["to"], when)
            out[str(name)] = State(str(name), lines, transitions, str(emotion))
        return out

    def effects(self, value: Any) -> dict[str, Effect]:
        merged = {k: Effect(**v) for k, v in DEFAULT_EFFECTS.items()}
        raw = self.mapping(value or {}, ["effects"])
        for signal, spec in raw.items():
            where: list[str | int] = ["effects", str(signal)]
            self.signal(signal, where)
            body = self.mapping(spec, where, allowed=METERS)
            merged[signal] = Effect(**{m: self.integer(v, [*where, m], -METER_MAX, METER_MAX) for m, v in body.items()})
        return merged

    def condition(self, value: Any, path: Sequence[str | int]) -> Condition:
        keys = (
            "patience_at_most",
            "patience_at_least",
            "trust_at_most",
            "trust_at_least",
            "state",
            "states",
            "turns_in_state",
            "requires",
            "this_turn",
            "turns_at_least",
            "facts_at_least",
        )
        raw = self.mapping(value, path, allowed=keys)
        if not raw:
            raise self.error("a condition needs at least one test", path)
        kwargs: dict[str, Any] = {}
        for key in ("patience_at_most", "patience_at_least", "trust_at_most", "trust_at_least"):
            if key in raw:
                kwargs[key] = self.integer(raw[key], [*path, key], 0, METER_MAX)
        for key in ("turns_in_state", "turns_at_least", "facts_at_least"):
            if key in raw:
                kwargs[key] = self.integer(raw[key], [*path, key], 0, 100)
        if "state" in raw and "states" in raw:
            raise self.error("give 'state' or 'states', not both", [*path, "states"])
        states = raw.get("states", raw.get("state"))
        if states is not None:
            key = "states" if "states" in raw else "state"
            names = [states] if isinstance(states, str) else states
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise self.error("expected a state name or a list of them", [*path, key])
            kwargs["states"] = tuple(names)
        if "turns_in_state" in kwargs and not kwargs.get("states"):
            raise self.error("'turns_in_state' needs 'state' or 'states'", [*path, "turns_in_state"])
        for key in ("requires", "this_turn"):
            if key in raw:
                items = raw[key] if isinstance(raw[key], list) else [raw[key]]
                kwargs[key] = tuple(self.signal(s, [*path, key, i]) for i, s in enumerate(items))
        return Condition(**kwargs)

    def check_states(self, cond: Condition, states: Mapping[str, State], path: Sequence[str | int]) -> None:
        for name in cond.states:
            if name not in states:
                raise self.error(f"unknown state {name!r}; states are {', '.join(states)}", [*path, "states"])

    def endings(
        self,
        value: Any,
        states: Mapping[str, State],
        reachable: set[str],
        effects: Mapping[str, Effect],
        start_patience: int,
        start_trust: int,
        max_turns: int,
    ) -> tuple[Ending, ...]:
        raw = self.mapping(value, ["endings"], allowed=ENDING_KINDS)
        for kind in ENDING_KINDS:
            if kind not in raw:
                raise self.error(
                    f"missing ending {kind!r}; a scenario defines all of {', '.join(ENDING_KINDS)}", ["endings"]
                )
        out: list[Ending] = []
        for kind, spec in raw.items():
            where: list[str | int] = ["endings", kind]
            body = self.mapping(spec, where, allowed=("when", "lines"))
            if "when" not in body:
                raise self.error("missing required key 'when'", [*where, "when"])
            when = self.condition(body["when"], [*where, "when"])
            self.check_states(when, states, [*where, "when"])
            lines = self.texts(body.get("lines"), [*where, "lines"], at_least=1, what=f"ending {kind!r}")
            why = _unreachable(when, reachable, effects, start_patience, start_trust, max_turns)
            if why:
                raise self.error(f"ending {kind!r} can never happen: {why}", [*where, "when"])
            out.append(Ending(kind, when, lines))
        return tuple(out)


def _unreachable(
    when: Condition,
    reachable: set[str],
    effects: Mapping[str, Effect],
    start_patience: int,
    start_trust: int,
    max_turns: int,
) -> str | None:
    """Why no play could satisfy ``when``, or None when one could."""
    if when.states and not any(s in reachable for s in when.states):
        return f"state {' or '.join(when.states)} is never reached from the start state"
    can_raise = {m: any(getattr(e, m) > 0 for e in effects.values()) for m in METERS}
    can_lower = {m: any(getattr(e, m) < 0 for e in effects.values()) for m in METERS}
    start = {"patience": start_patience, "trust": start_trust}
    for m in METERS:
        at_least = getattr(when, f"{m}_at_least")
        at_most = getattr(when, f"{m}_at_most")
        if at_least is not None and at_most is not None and at_least > at_most:
            return f"{m} must be at least {at_least} and at most {at_most}"
        if at_least is not None and start[m] < at_least and not can_raise[m]:
            return f"{m} starts at {start[m]} and no effect raises it to {at_least}"
        if at_most is not None and start[m] > at_most and not can_lower[m]:
            return f"{m} starts at {start[m]} and no effect lowers it to {at_most}"
    if when.turns_at_least is not None and when.turns_at_least > max_turns:
        return f"it needs {when.turns_at_least} agent turns but the call ends after max_turns={max_turns}"
    if when.turns_in_state is not None and when.turns_in_state > max_turns + 1:
        return f"it needs {when.turns_in_state} lines in one state but the call ends after max_turns={max_turns}"
    return None


def _reachable(start: str, states: Mapping[str, State]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for t in states[todo.pop()].transitions.values():
            if t.to in states and t.to not in seen:
                seen.add(t.to)
                todo.append(t.to)
    return seen


def _default_keywords(key: str) -> tuple[str, ...]:
    words = [w for w in re.split(r"[_\W]+", key.lower()) if len(w) >= 4 and w not in _STOP]
    return tuple(words) or (key.lower(),)


def _line_index(node: yaml.Node | None) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every mapping key and list item, by field path."""
    out: dict[tuple[str | int, ...], int] = {}

    def walk(n: yaml.Node, path: tuple[str | int, ...]) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                child = (*path, str(key.value))
                out[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(n, yaml.SequenceNode):
            for i, value in enumerate(n.value):
                out[(*path, i)] = value.start_mark.line + 1
                walk(value, (*path, i))

    if node is not None:
        walk(node, ())
    return out


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def _closest(word: str, choices: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return found[0] if found else None


# --- the shipped scenarios ------------------------------------------------------------------------


def _shipped_dir() -> Any:
    return resources.files("warmline") / "data" / "scenarios"


@lru_cache(maxsize=1)
def shipped_scenarios() -> tuple[Scenario, ...]:
    """Every scenario shipped with warmline, ordered by id."""
    found: list[Scenario] = []
    for ref in sorted(_shipped_dir().iterdir(), key=lambda r: r.name):
        if ref.name.endswith((".yaml", ".yml")):
            found.append(parse_scenario(ref.read_text(encoding="utf-8"), source=f"warmline/data/scenarios/{ref.name}"))
    return tuple(sorted(found, key=lambda s: s.id))


def get_scenario(name: str | Path) -> Scenario:
    """A shipped scenario by id, or a scenario file by path.

    Raises
    ------
    ConfigError
        when no shipped scenario has that id and no such file exists.
    """
    path = Path(name)
    if path.suffix in (".yaml", ".yml"):
        return Scenario.load(path)
    for s in shipped_scenarios():
        if s.id == str(name):
            return s
    known = ", ".join(s.id for s in shipped_scenarios())
    raise ConfigError(f"no scenario {str(name)!r}; shipped scenarios: {known}", field="scenario")
