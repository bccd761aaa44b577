"""The conversation model: plain, frozen, typed data shared by the CLI, the server, live sessions and batch jobs.

No I/O and no framework imports here, so the same objects can cross process boundaries (Spark
workers, websocket sessions) safely. The JSON form is versioned by ``SCHEMA_VERSION`` and published
as a JSON Schema in ``docs/schema/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from warmline.errors import InvalidInputError

SCHEMA_VERSION = "warmline/1"


class Role(StrEnum):
    """Who speaks a turn."""

    AGENT = "agent"
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"


class Channel(StrEnum):
    """How the conversation took place."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's contribution: a line of chat, an utterance in a call, an e-mail.

    ``start`` and ``end`` are seconds from the start of the conversation (voice and timestamped chat);
    ``channel`` is the audio or media channel where the source names one.

    Examples
    --------
    >>> Turn(index=0, role=Role.CUSTOMER, text="My bill is wrong again.", start=0.0, end=2.1)
    Turn(index=0, role=<Role.CUSTOMER: 'customer'>, text='My bill is wrong again.', ...)
    """

    index: int
    role: Role
    text: str
    speaker_id: str | None = None
    start: float | None = None
    end: float | None = None
    channel: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "role": self.role.value, "text": self.text}
        for name in ("speaker_id", "start", "end", "channel"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, position: int | None = None) -> Turn:
        """Build a turn from its JSON form; errors name the field (``turns[3].role``)."""
        where = f"turns[{position}]" if position is not None else "turn"
        if not isinstance(data, Mapping):
            raise InvalidInputError("a turn must be an object", field=where)
        role = _parse_enum(Role, data.get("role"), f"{where}.role")
        text = data.get("text")
        if not isinstance(text, str):
            raise InvalidInputError("text must be a string", field=f"{where}.text")
        index = data.get("index", position if position is not None else 0)
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidInputError("index must be an integer", field=f"{where}.index")
        start = _parse_seconds(data.get("start"), f"{where}.start")
        end = _parse_seconds(data.get("end"), f"{where}.end")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise InvalidInputError("metadata must be an object", field=f"{where}.metadata")
        speaker = data.get("speaker_id")
        channel = data.get("channel")
        return cls(
            index=index,
            role=role,
            text=text,
            speaker_id=str(speaker) if speaker is not None else None,
            start=start,
            end=end,
            channel=str(channel) if channel is not None else None,
            metadata=dict(metadata),
        )


@dataclass(frozen=True, slots=True)
class Conversation:
    """A contact: the turns between an agent (or bot) and a customer, with who, when and where.

    Examples
    --------
    >>> convo = Conversation(id="c1", turns=(Turn(0, Role.CUSTOMER, "Hi"),), channel=Channel.CHAT)
    >>> convo.customer_turns()[0].text
    'Hi'
    """

    id: str
    turns: tuple[Turn, ...] = ()
    channel: Channel = Channel.CHAT
    started_at: datetime | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    team: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.turns)

    def __iter__(self) -> Iterator[Turn]:
        return iter(self.turns)

    def of_role(self, role: Role) -> list[Turn]:
        return [t for t in self.turns if t.role is role]

    def customer_turns(self) -> list[Turn]:
        return self.of_role(Role.CUSTOMER)

    def agent_turns(self) -> list[Turn]:
        return self.of_role(Role.AGENT)

    def upto(self, index: int) -> Conversation:
        """The conversation as it stood before turn ``index`` (the history a live session sees)."""
        if 0 <= index <= len(self.turns) and (index == 0 or self.turns[index - 1].index == index - 1):
            return replace(self, turns=self.turns[:index])  # indexes are positions: slice
        return replace(self, turns=tuple(t for t in self.turns if t.index < index))

    def with_turn(self, turn: Turn) -> Conversation:
        return replace(self, turns=(*self.turns, turn))

    @property
    def has_timestamps(self) -> bool:
        return bool(self.turns) and all(t.start is not None for t in self.turns)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": SCHEMA_VERSION, "id": self.id, "channel": self.channel.value}
        if self.started_at is not None:
            out["started_at"] = self.started_at.isoformat()
        for name in ("agent_id", "customer_id", "team"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        out["turns"] = [t.to_dict() for t in self.turns]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Conversation:
        """Build a conversation from its JSON form (``schema: warmline/1``).

        Raises
        ------
        InvalidInputError
            naming the field that is wrong, e.g. ``turns[2].role``.
        """
        if not isinstance(data, Mapping):
            raise InvalidInputError("a conversation must be a JSON object")
        schema = data.get("schema", SCHEMA_VERSION)
        if not (isinstance(schema, str) and schema.startswith("warmline/")):
            raise InvalidInputError(f"unknown schema {schema!r}; expected {SCHEMA_VERSION!r}", field="schema")
        convo_id = data.get("id")
        if convo_id is None or (isinstance(convo_id, str) and not convo_id.strip()):
            raise InvalidInputError("a conversation needs an id", field="id")
        if isinstance(convo_id, bool) or not isinstance(convo_id, str | int):
            raise InvalidInputError(f"id must be a string, not {type(convo_id).__name__}", field="id")
        raw_turns = data.get("turns")
        if not isinstance(raw_turns, list):
            raise InvalidInputError("turns must be a list", field="turns")
        turns = tuple(Turn.from_dict(t, position=i) for i, t in enumerate(raw_turns))
        channel = _parse_enum(Channel, data.get("channel", "chat"), "channel")
        started_at = data.get("started_at")
        parsed_start: datetime | None = None
        if started_at is not None:
            try:
                parsed_start = datetime.fromisoformat(str(started_at).replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInputError(
                    f"started_at {started_at!r} is not an ISO 8601 date-time", field="started_at"
                ) from None
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise InvalidInputError("metadata must be an object", field="metadata")
        return cls(
            id=str(convo_id),
            turns=turns,
            channel=channel,
            started_at=parsed_start,
            agent_id=_opt_str(data.get("agent_id")),
            customer_id=_opt_str(data.get("customer_id")),
            team=_opt_str(data.get("team")),
            metadata=dict(metadata),
        )


# --- annotations -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of a turn's text that supports an annotation: ``text[start:end]`` of turn ``turn_index``."""

    turn_index: int
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"turn_index": self.turn_index, "start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(int(data["turn_index"]), int(data["start"]), int(data["end"]), str(data["text"]))

    @classmethod
    def whole_turn(cls, turn: Turn) -> Evidence:
        return cls(turn.index, 0, len(turn.text), turn.text)


A = TypeVar("A", bound="Annotation")

_ANNOTATION_TYPES: dict[str, type[Annotation]] = {}


@dataclass(frozen=True, slots=True)
class Annotation:
    """What an analyser says about a turn (``turn_index`` set) or a whole conversation (``None``).

    Subclasses are the typed annotations (``CustomerEmotion``, ``Behaviour``, ``TalkMetrics``...);
    each names its ``type`` for the JSON form. ``analyser`` is the versioned name of what produced it.
    """

    type: ClassVar[str] = "annotation"
    #: True when a later turn may revise this turn's annotation (live sessions keep the latest).
    revisable: ClassVar[bool] = False
    analyser: str
    turn_index: int | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # no super() call: slotted dataclasses are re-created, which breaks zero-argument super()
        _ANNOTATION_TYPES[cls.type] = cls

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for f in fields(self):
            out[f.name] = _jsonable(getattr(self, f.name))
        return out

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Annotation:
        cls = _ANNOTATION_TYPES.get(str(data.get("type")))
        if cls is None:
            raise InvalidInputError(f"unknown annotation type {data.get('type')!r}", field="type")
        return cls._from_fields(data)

    @classmethod
    def _from_fields(cls, data: Mapping[str, Any]) -> Annotation:
        kwargs: dict[str, Any] = {f.name: data.get(f.name) for f in fields(cls) if f.name in data}
        for key, value in kwargs.items():
            if isinstance(value, list):  # JSON arrays come back as the model's tuples
                kwargs[key] = tuple(value)
        if kwargs.get("evidence") is not None:
            kwargs["evidence"] = tuple(Evidence.from_dict(e) for e in kwargs["evidence"])
        for key in ("sections", "items"):
            if key in kwargs and kwargs[key] is not None:
                kwargs[key] = tuple(_evidence_inside(v) for v in kwargs[key])
        return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class TurnStats(Annotation):
    """Plain counts for one turn: words, characters, questions."""

    type: ClassVar[str] = "turn_stats"
    words: int = 0
    characters: int = 0
    questions: int = 0


@dataclass(frozen=True, slots=True)
class TalkMetrics(Annotation):
    """Conversation-level talk metrics from timestamps (voice) or message times (chat).

    Times are seconds. ``interruptions`` lists who interrupted whom and when; ``silences`` lists
    dead-air gaps over the threshold. Metrics that need timestamps are ``None`` without them.
    """

    type: ClassVar[str] = "talk_metrics"
    turns: int = 0
    agent_turns: int = 0
    customer_turns: int = 0
    agent_words: int = 0
    customer_words: int = 0
    duration: float | None = None
    agent_talk_time: float | None = None
    customer_talk_time: float | None = None
    talk_ratio: float | None = None
    silence_time: float | None = None
    silences: tuple[Mapping[str, Any], ...] = ()
    overtalk_time: float | None = None
    interruptions: tuple[Mapping[str, Any], ...] = ()
    agent_interruptions: int | None = None
    customer_interruptions: int | None = None
    mean_agent_response_time: float | None = None
    max_agent_response_time: float | None = None


@dataclass(frozen=True, slots=True)
class TurnEmbedding(Annotation):
    """The shared sentence embedding of a turn (L2-normalised); not written to JSON unless asked."""

    type: ClassVar[str] = "embedding"
    model: str = ""
    vector: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerEmotion(Annotation):
    """The customer's emotion in one turn, with calibrated probabilities, sentiment and intensity."""

    type: ClassVar[str] = "customer_emotion"
    label: str = "neutral"
    scores: Mapping[str, float] = field(default_factory=dict)
    sentiment: float = 0.0
    intensity: float = 0.0


@dataclass(frozen=True, slots=True)
class Behaviour(Annotation):
    """An empathic behaviour or anti-pattern shown in an agent turn, with its evidence span."""

    type: ClassVar[str] = "behaviour"
    behaviour: str = ""
    confidence: float = 0.0
    polarity: str = "positive"  # "positive" for empathic behaviours, "negative" for anti-patterns
    evidence: tuple[Evidence, ...] = ()
    source: str = ""  # "model", "phrase_bank", or "model+phrase_bank" when both found it


@dataclass(frozen=True, slots=True)
class EmotionalMoment(Annotation):
    """A customer turn whose negative emotion crossed the threshold, and how the agent answered it.

    ``status`` is ``met`` (the agent acknowledged the feeling or reflected the issue back),
    ``missed`` (went straight to process), ``mishandled`` (pity, dismissal or blame) or ``open``
    (no agent turn yet: live sessions). ``turn_index`` is the customer turn that opened it.
    """

    type: ClassVar[str] = "emotional_moment"
    revisable: ClassVar[bool] = True  # live sessions revise a moment as the agent answers it
    emotion: str = ""
    intensity: float = 0.0
    sentiment: float = 0.0
    status: str = "open"
    response_turn_indexes: tuple[int, ...] = ()
    behaviours: tuple[str, ...] = ()
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    better_response: str | None = None


@dataclass(frozen=True, slots=True)
class SentimentTrajectory(Annotation):
    """Where the customer's sentiment went: start, end, lowest point, recovery and the turning point."""

    type: ClassVar[str] = "sentiment_trajectory"
    start: float | None = None
    end: float | None = None
    lowest: float | None = None
    lowest_turn_index: int | None = None
    recovery: float | None = None
    turning_point_turn_index: int | None = None
    timeline: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ScriptedPhrase(Annotation):
    """An agent statement that repeats near word for word: in this conversation, across the agent's
    conversations, or across the team. ``occurrences`` counts the repeats within ``scope``."""

    type: ClassVar[str] = "scripted_phrase"
    phrase: str = ""
    scope: str = "conversation"
    occurrences: int = 0
    similarity: float = 0.0
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Score(Annotation):
    """A scorecard's result for a conversation: the 0–100 score and every item with its evidence.

    ``items`` holds, per scorecard item: ``section``, ``item``, ``name``, ``kind``, ``weight``,
    ``earned``, ``result`` (pass, fail, partial, n/a), ``formula`` (how the points were computed, in
    words and numbers) and ``evidence``. ``auto_failed`` names the auto-fail items that fired.
    """

    type: ClassVar[str] = "score"
    scorecard: str = ""
    scorecard_version: str = ""
    score: float = 0.0
    max_points: float = 0.0
    earned_points: float = 0.0
    sections: tuple[Mapping[str, Any], ...] = ()
    items: tuple[Mapping[str, Any], ...] = ()
    auto_failed: tuple[str, ...] = ()
    formula: str = ""


@dataclass(frozen=True, slots=True)
class Analysis:
    """A conversation and every annotation the pipeline produced for it."""

    conversation: Conversation
    annotations: tuple[Annotation, ...] = ()

    def of_type(self, kind: type[A]) -> list[A]:
        return [a for a in self.annotations if isinstance(a, kind)]

    def for_turn(self, index: int) -> list[Annotation]:
        return [a for a in self.annotations if a.turn_index == index]

    def first(self, kind: type[A]) -> A | None:
        found = self.of_type(kind)
        return found[0] if found else None

    def to_dict(self, *, include_embeddings: bool = False) -> dict[str, Any]:
        out = self.conversation.to_dict()
        by_turn: dict[int, list[dict[str, Any]]] = {}
        conversation_level: list[dict[str, Any]] = []
        for a in self.annotations:
            if isinstance(a, TurnEmbedding) and not include_embeddings:
                continue
            if a.turn_index is None:
                conversation_level.append(a.to_dict())
            else:
                by_turn.setdefault(a.turn_index, []).append(a.to_dict())
        for t in out["turns"]:
            t["annotations"] = by_turn.get(t["index"], [])
        out["annotations"] = conversation_level
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Analysis:
        convo = Conversation.from_dict(data)
        annotations: list[Annotation] = [Annotation.from_dict(a) for a in data.get("annotations", [])]
        for t in data.get("turns", []):
            annotations.extend(Annotation.from_dict(a) for a in t.get("annotations", []))
        return cls(convo, tuple(annotations))


# --- helpers -----------------------------------------------------------------------------------

E = TypeVar("E", Role, Channel)


def _parse_enum(enum: type[E], value: Any, where: str) -> E:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInputError(f"{value!r} is not one of {allowed}", field=where) from None


def _parse_seconds(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{value!r} is not a number of seconds", field=where)
    if value < 0:
        raise InvalidInputError(f"{value!r} is negative", field=where)
    return float(value)


def _evidence_inside(item: Any) -> Any:
    """Score items carry evidence lists inside mappings: give them back as Evidence tuples."""
    if isinstance(item, Mapping) and isinstance(item.get("evidence"), list):
        return {**item, "evidence": tuple(Evidence.from_dict(e) for e in item["evidence"])}
    return item


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Evidence):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, StrEnum):
        return value.value
    return value


def renumber(turns: Iterable[Turn]) -> tuple[Turn, ...]:
    """Give turns consecutive indexes 0..n-1 in their order (importers call this after dropping turns)."""
    return tuple(replace(t, index=i) for i, t in enumerate(turns))


def role_counts(turns: Sequence[Turn]) -> dict[Role, int]:
    counts = dict.fromkeys(Role, 0)
    for t in turns:
        counts[t.role] += 1
    return counts
