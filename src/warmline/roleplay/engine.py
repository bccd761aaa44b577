"""The simulated customer: reads what each agent turn does, moves the scenario's state machine, and answers.

The engine is deterministic for a seed: the same agent lines give the same customer lines. It reads
an agent turn through a *reader* (by default warmline's agent-behaviours analyser), turns what it
finds into signals (behaviours, jargon from the scenario's list, interrupting, or no progress),
moves the patience and trust meters, picks the transition, checks the endings, and keeps the whole
session as a ``Conversation`` plus an event log that says which signal moved the customer where.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from warmline.coach.statements import StatementLibrary, better_response
from warmline.model import Behaviour, Channel, Conversation, Evidence, Role, Turn
from warmline.roleplay.scenario import (
    METER_MAX,
    NEGATIVE_SIGNALS,
    ConditionView,
    Ending,
    Fact,
    Scenario,
    State,
    Transition,
)

#: Which signal decides the transition when a turn shows several: a misstep outweighs the empathy
#: around it ("I understand, but you should have read the terms" lands as blame).
PRIORITY: tuple[str, ...] = (
    "blame",
    "dismissive",
    "interrupting",
    "sympathy_pity",
    "negative_language",
    "jargon",
    "personal_opinion",
    "acknowledge_emotion",
    "paraphrase",
    "ownership",
    "next_steps",
    "reassurance",
    "apology",
    "check_understanding",
    "open_question",
    "personalisation",
    "information",
    "appreciation",
    "suggestion",
    "closure_check",
    "self_disclosure",
    "no_progress",
)

_INTERRUPTING = re.compile(
    r"^\W*(?:hold on|hang on|wait|stop)\W+(?:hold on|hang on|wait|stop)\b"
    r"|^\W*(?:stop|wait)\s*[.!—–]"
    r"|\blet me (?:just )?(?:stop you|finish|get a word in)"
    r"|\bif you(?:'d| would|'ll| will) (?:just )?let me (?:speak|talk|finish|explain)"
    r"|\b(?:stop|quit) (?:talking|interrupting)"
    r"|\bcan i (?:just )?(?:stop|interrupt) you"
    r"|\bsorry to (?:cut (?:you )?off|cut in|interrupt)",
    re.IGNORECASE,
)
_EMPATHY_EMOTIONS = ("frustration", "anger", "anxiety", "sadness", "confusion")


# --- what the engine records ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signal:
    """Something an agent turn did that the customer reacts to, with the words that showed it."""

    id: str
    evidence: str
    patience: int = 0
    trust: int = 0

    @property
    def negative(self) -> bool:
        return self.id in NEGATIVE_SIGNALS

    @property
    def label(self) -> str:
        return self.id.replace("_", " ")

    def effect_text(self) -> str:
        parts = [f"{m} {_signed(getattr(self, m))}" for m in ("patience", "trust") if getattr(self, m)]
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "evidence": self.evidence, "patience": self.patience, "trust": self.trust}


@dataclass(frozen=True, slots=True)
class TurnEvent:
    """One step of the state machine: the agent's turn, what it showed, and what it did to the customer.

    ``turn`` counts the agent's replies from 1; ``agent_turn_index`` and ``customer_turn_index`` are
    positions in the session's conversation. ``turns_in_state`` counts the customer's lines in a row
    in the states the ending counted (``escalation_to_supervisor`` after anger persists), or else
    in the current state. ``ended_by`` is ``customer`` (an ending's condition
    held), ``agent`` (the agent closed the call) or ``max_turns``.
    """

    turn: int
    agent_turn_index: int | None
    customer_turn_index: int
    agent_text: str
    signals: tuple[Signal, ...]
    trigger: str | None
    state_before: str
    state_after: str
    patience_before: int
    patience_after: int
    trust_before: int
    trust_after: int
    turns_in_state: int
    customer_text: str
    why: str
    fact: str | None = None
    ending: str | None = None
    ended_by: str | None = None
    voice_error: str | None = None

    @property
    def escalated(self) -> bool:
        """The customer got worse here: a misstep moved them, or the call ended badly."""
        moved_by_misstep = self.trigger in NEGATIVE_SIGNALS and self.state_after != self.state_before
        return moved_by_misstep or self.ending in ("hang_up", "escalation_to_supervisor")

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "agent_turn_index": self.agent_turn_index,
            "customer_turn_index": self.customer_turn_index,
            "agent_text": self.agent_text,
            "signals": [s.to_dict() for s in self.signals],
            "trigger": self.trigger,
            "state_before": self.state_before,
            "state_after": self.state_after,
            "patience": [self.patience_before, self.patience_after],
            "trust": [self.trust_before, self.trust_after],
            "turns_in_state": self.turns_in_state,
            "customer_text": self.customer_text,
            "fact": self.fact,
            "ending": self.ending,
            "ended_by": self.ended_by,
            "voice_error": self.voice_error,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class CustomerReply:
    """What the customer says back, the state they are now in, the ending if the call is over, and why."""

    text: str
    state: str
    ended: Ending | None
    why: str


# --- what can be plugged in -----------------------------------------------------------------------


class BehaviourReader(Protocol):
    """Turns an agent's words (and the conversation before them) into the behaviours they show."""

    def __call__(self, agent_text: str, history: Conversation) -> Sequence[Behaviour]: ...


@dataclass(frozen=True, slots=True)
class LineRequest:
    """What a customer voice needs to phrase one line: the engine has already decided everything else."""

    scenario: Scenario
    state: State
    scripted: str
    conversation: Conversation
    fact: Fact | None = None
    ending: Ending | None = None


class CustomerVoice(Protocol):
    """Phrases the customer's line (an LLM, say); any exception falls back to the scripted line."""

    def phrase(self, request: LineRequest) -> str: ...


class AnalyserReader:
    """Reads agent turns with warmline's own agent-behaviours analyser (the shipped models).

    Parameters
    ----------
    use_heads
        Run the data-trained heads as well as the phrase bank (``False``: phrase bank only, faster start).
    phrase_banks
        A contact center's own phrase bank files, merged on top of the shipped one.
    """

    def __init__(self, *, use_heads: bool = True, phrase_banks: Sequence[str] = ()) -> None:
        self.use_heads = use_heads
        self.phrase_banks = phrase_banks

    def _pipeline(self) -> Any:
        from warmline.pipeline import Pipeline

        pipeline = self.__dict__.get("_built")
        if pipeline is None:
            params = {"warmline.agent_behaviours.v1": {"use_heads": self.use_heads, "phrase_banks": self.phrase_banks}}
            pipeline = Pipeline.from_names(("warmline.embedding.v1", "warmline.agent_behaviours.v1"), params=params)
            self.__dict__["_built"] = pipeline
        return pipeline

    def __call__(self, agent_text: str, history: Conversation) -> list[Behaviour]:
        turn = Turn(len(history.turns), Role.AGENT, agent_text)
        return [a for a in self._pipeline().analyse_turn(turn, history) if isinstance(a, Behaviour)]


# --- the session -----------------------------------------------------------------------------------


@dataclass
class _Progress:
    state: str
    patience: int
    trust: int
    history: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    revealed: list[str] = field(default_factory=list)


class RoleplaySession:
    """One role-play: the simulated customer of ``scenario`` answering an agent turn by turn.

    Parameters
    ----------
    scenario
        The scenario to play.
    seed
        Chooses among the line variants; the same seed and agent lines replay the same session.
        ``None`` draws one (kept in ``self.seed``).
    reader
        Turns agent text into ``Behaviour`` annotations; warmline's analyser by default.
    clock
        Seconds, for the conversation's timestamps (``time.monotonic`` by default).
    voice
        Phrases the customer's lines (``warmline.roleplay.llm.LLMCustomer``); scripted lines by default.
    min_confidence
        Behaviours the reader is less sure of than this are ignored.

    Examples
    --------
    >>> from warmline.roleplay.scenario import get_scenario
    >>> session = RoleplaySession(get_scenario("billing-double-charge"), seed=1)
    >>> session.opening()                                            # doctest: +SKIP
    "Hi. I've just looked at my bank app and you've taken £42.50 off me twice this month."
    >>> reply = session.respond("Calm down, it's only a glitch.")  # doctest: +SKIP
    >>> reply.state, reply.why                                      # doctest: +SKIP
    ('angry', "you said 'Calm down' (dismissive) — patience −2, trust −1; Dana went from frustrated to angry")
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        reader: BehaviourReader | None = None,
        clock: Callable[[], float] | None = None,
        voice: CustomerVoice | None = None,
        min_confidence: float = 0.5,
    ) -> None:
        self.scenario = scenario
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self.reader: BehaviourReader = reader if reader is not None else AnalyserReader()
        self.clock = clock if clock is not None else time.monotonic
        self.voice = voice
        self.min_confidence = min_confidence
        self.conversation = Conversation(
            id=f"roleplay-{scenario.id}-{self.seed}",
            channel=Channel.CHAT,
            metadata={"customer_name": scenario.persona.name, "scenario": scenario.id, "seed": self.seed},
        )
        self.events: list[TurnEvent] = []
        self.behaviours: list[Behaviour] = []
        self.ended: Ending | None = None
        self._rng = random.Random(self.seed)
        self._t0: float | None = None
        self._progress = _Progress(scenario.start, scenario.start_patience, scenario.start_trust)
        self._last_variant: str | None = None
        self._said: set[str] = set()

    # --- state -------------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._progress.state

    @property
    def patience(self) -> int:
        return self._progress.patience

    @property
    def trust(self) -> int:
        return self._progress.trust

    @property
    def revealed_facts(self) -> tuple[str, ...]:
        return tuple(self._progress.revealed)

    @property
    def agent_turns(self) -> int:
        return sum(1 for e in self.events if e.agent_turn_index is not None)

    @property
    def name(self) -> str:
        return self.scenario.persona.short_name

    # --- playing -----------------------------------------------------------------------------------

    def opening(self) -> str:
        """The customer's first line (the same line if asked again)."""
        if self.conversation.turns:
            return self.conversation.turns[0].text
        self._t0 = self.clock()
        self._progress.history.append(self.state)
        variant = self._pick(self.scenario.opening)
        state = self.scenario.states[self.state]
        text, _ = self._phrase(variant, state, None, None)
        self._add(Role.CUSTOMER, text, state=state, at=self._t0)
        return text

    def respond(self, agent_text: str) -> CustomerReply:
        """Read the agent's turn, move the customer, and answer.

        Raises
        ------
        ValueError
            when the text is blank.
        RuntimeError
            when the role-play has already ended.
        """
        if self.ended is not None:
            raise RuntimeError(f"the role-play has ended ({self.ended.kind}); start a new session")
        text = " ".join(agent_text.split())
        if not text:
            raise ValueError("the agent's turn is empty")
        if not self.conversation.turns:
            self.opening()
        history = self.conversation
        agent_turn = self._add(Role.AGENT, text)
        found = [
            _reindex(b, agent_turn.index)
            for b in self.reader(text, history)
            if b.confidence >= self.min_confidence and b.behaviour
        ]
        self.behaviours.extend(found)
        signals = self._signals(text, found)
        return self._react(agent_turn, signals)

    def finish(self) -> CustomerReply:
        """The agent closes the call: if no ending came first, the customer leaves unresolved and unhappy."""
        if self.ended is not None:
            raise RuntimeError(f"the role-play has ended ({self.ended.kind})")
        if not self.conversation.turns:
            self.opening()
        p = self._progress
        ending = self.scenario.ending("resolved_unhappy")
        why = f"you ended the call before {self.name}'s issue was resolved — {ending.outcome(self.name)}"
        return self._close(None, (), None, p.state, p.state, p.patience, p.trust, None, ending, "agent", why)

    def hint(self) -> str:
        """A statement from the statement library fitted to where the customer is now."""
        library = StatementLibrary.load()
        state = self.scenario.states[self.state]
        seed = f"{self.seed}:{len(self.conversation.turns)}"
        name = self.name
        used = self._progress.used
        point = self.scenario.customer_point
        if state.emotion in _EMPATHY_EMOTIONS and not (used & {"acknowledge_emotion", "paraphrase"}):
            return better_response(library, emotion=state.emotion, customer_text=point, name=name, seed=seed)
        if state.emotion in _EMPATHY_EMOTIONS:
            understanding = library.suggest("understanding", emotion=state.emotion, name=name, seed=seed)
            commitment = library.suggest("commitment", name=name, seed=seed)
            return " ".join(s for s in (understanding, commitment) if s)
        if "ownership" not in used or "next_steps" not in used:
            parts = [library.suggest("commitment", name=name, seed=seed), library.suggest("next_steps", seed=seed)]
            return " ".join(p for p in parts if p)
        needed = self.scenario.ending("resolved_satisfied").when.trust_at_least or 0
        if self.trust < needed:
            return (
                library.suggest("paraphrase", paraphrase=_core(point), seed=seed)
                or library.suggest("thanks", name=name, seed=seed)
                or ""
            )
        return library.suggest("closure", name=name, seed=seed) or ""

    # --- the state machine ---------------------------------------------------------------------------

    def _signals(self, text: str, behaviours: Sequence[Behaviour]) -> list[Signal]:
        best: dict[str, Behaviour] = {}
        for b in behaviours:
            if b.behaviour not in best or b.confidence > best[b.behaviour].confidence:
                best[b.behaviour] = b
        found: dict[str, str] = {bid: _evidence_text(b, text) for bid, b in best.items()}
        terms = [m.group(0) for term in self.scenario.jargon if (m := _term(term).search(text))]
        if terms:
            found["jargon"] = "', '".join(dict.fromkeys(terms))
        if m := _INTERRUPTING.search(text):
            found["interrupting"] = m.group(0).strip(" ,.!—–")
        if not found:
            found["no_progress"] = _shorten(text)
        order = {s: i for i, s in enumerate(PRIORITY)}
        out = []
        for sid in sorted(found, key=lambda s: order.get(s, len(order))):
            effect = self.scenario.effect(sid)
            out.append(Signal(sid, found[sid], effect.patience, effect.trust))
        return out

    def _react(self, agent_turn: Turn, signals: Sequence[Signal]) -> CustomerReply:
        p = self._progress
        before_state, before_patience, before_trust = p.state, p.patience, p.trust
        p.patience = _clamp(p.patience + sum(s.patience for s in signals))
        p.trust = _clamp(p.trust + sum(s.trust for s in signals))
        ids = frozenset(s.id for s in signals)
        p.used |= ids
        fact = self._fact_asked(agent_turn.text, ids)
        if fact is not None:
            p.revealed.append(fact.key)
        transition = self._transition(ids)
        if transition is not None:
            p.state = transition.to
        p.history.append(p.state)
        view = self._view(ids)
        ending = next((e for e in self.scenario.endings if e.when.holds(view)), None)
        ended_by = "customer" if ending is not None else None
        if ending is None and self.agent_turns + 1 >= self.scenario.max_turns:
            ending, ended_by = self.scenario.ending("resolved_unhappy"), "max_turns"
        why = self._why(signals, transition, before_state, before_patience, before_trust, fact, ending, ended_by)
        return self._close(
            agent_turn,
            signals,
            transition,
            before_state,
            p.state,
            before_patience,
            before_trust,
            fact,
            ending,
            ended_by,
            why,
        )

    def _close(
        self,
        agent_turn: Turn | None,
        signals: Sequence[Signal],
        transition: Transition | None,
        before_state: str,
        after_state: str,
        before_patience: int,
        before_trust: int,
        fact: Fact | None,
        ending: Ending | None,
        ended_by: str | None,
        why: str,
    ) -> CustomerReply:
        state = self.scenario.states[after_state]
        variant = self._pick(ending.lines if ending is not None else state.lines)
        scripted = f"{fact.answer} {variant}" if fact is not None else variant
        text, voice_error = self._phrase(scripted, state, fact, ending)
        customer_turn = self._add(Role.CUSTOMER, text, state=state, ending=ending)
        self.ended = ending
        self.events.append(
            TurnEvent(
                turn=self.agent_turns + (1 if agent_turn is not None else 0),
                agent_turn_index=agent_turn.index if agent_turn is not None else None,
                customer_turn_index=customer_turn.index,
                agent_text=agent_turn.text if agent_turn is not None else "",
                signals=tuple(signals),
                trigger=transition.signal if transition is not None else None,
                state_before=before_state,
                state_after=after_state,
                patience_before=before_patience,
                patience_after=self.patience,
                trust_before=before_trust,
                trust_after=self.trust,
                turns_in_state=self._run(ending),
                customer_text=text,
                why=why,
                fact=fact.key if fact is not None else None,
                ending=ending.kind if ending is not None else None,
                ended_by=ended_by,
                voice_error=voice_error,
            )
        )
        return CustomerReply(text=text, state=after_state, ended=ending, why=why)

    def _transition(self, ids: frozenset[str]) -> Transition | None:
        state = self.scenario.states[self.state]
        view = self._view(ids)
        for signal in PRIORITY:
            t = state.transitions.get(signal)
            if signal in ids and t is not None and (t.when is None or t.when.holds(view)):
                return t
        return None

    def _fact_asked(self, text: str, ids: frozenset[str]) -> Fact | None:
        untold = [f for f in self.scenario.facts if f.key not in self._progress.revealed]
        if not untold:
            return None
        asked = "?" in text or "open_question" in ids
        if asked:
            lowered = text.lower()
            for f in untold:
                if any(re.search(r"\b" + re.escape(k), lowered) for k in f.keywords):
                    return f
        return untold[0] if "open_question" in ids else None

    def _run(self, ending: Ending | None) -> int:
        """Consecutive customer lines in the states the ending counts, or else in the current state."""
        states = ending.when.states if ending is not None and ending.when.turns_in_state else (self.state,)
        history = self._progress.history
        count = 0
        for name in reversed(history):
            if name not in states:
                break
            count += 1
        return count

    def _view(self, ids: frozenset[str]) -> ConditionView:
        p = self._progress
        return ConditionView(
            patience=p.patience,
            trust=p.trust,
            state=p.state,
            history=tuple(p.history),
            used=frozenset(p.used),
            this_turn=ids,
            agent_turns=self.agent_turns + 1,
            facts_revealed=len(p.revealed),
        )

    def _why(
        self,
        signals: Sequence[Signal],
        transition: Transition | None,
        before_state: str,
        before_patience: int,
        before_trust: int,
        fact: Fact | None,
        ending: Ending | None,
        ended_by: str | None,
    ) -> str:
        name = self.name
        parts: list[str] = []
        for s in signals:
            if s.id == "no_progress":
                said = f"nothing in '{s.evidence}' answered how {name} felt or moved the issue on"
            else:
                said = f"you said '{s.evidence}' ({s.label})"
            effect = s.effect_text()
            parts.append(f"{said} — {effect}" if effect else said)
        if fact is not None:
            parts.append(f"{name} told you about the {fact.key.replace('_', ' ')}")
        if transition is not None and transition.to != before_state:
            parts.append(f"{name} went from {before_state} to {transition.to}")
        if ending is not None:
            if ended_by == "max_turns":
                parts.append(f"the call ran to {self.scenario.max_turns} turns and {ending.outcome(name)}")
            elif ending.kind == "hang_up":
                parts.append(f"{name}'s patience ran out ({before_patience} → {self.patience}) and {name} hung up")
            elif ending.kind == "escalation_to_supervisor" and ending.when.turns_in_state:
                feeling = " or ".join(ending.when.states)
                parts.append(f"{name} had been {feeling} for {self._run(ending)} lines and asked for a supervisor")
            else:
                parts.append(ending.outcome(name))
        return "; ".join(parts)

    # --- lines and the conversation --------------------------------------------------------------

    def _pick(self, options: Sequence[str]) -> str:
        """A variant, never the one just said, preferring those not yet said in this session."""
        fresh = [o for o in options if o != self._last_variant]
        unsaid = [o for o in fresh if o not in self._said]
        choice = self._rng.choice(unsaid or fresh or list(options))
        self._last_variant = choice
        self._said.add(choice)
        return choice

    def _phrase(self, scripted: str, state: State, fact: Fact | None, ending: Ending | None) -> tuple[str, str | None]:
        if self.voice is None:
            return scripted, None
        request = LineRequest(self.scenario, state, scripted, self.conversation, fact, ending)
        previous = next((t.text for t in reversed(self.conversation.turns) if t.role is Role.CUSTOMER), None)
        try:
            text = " ".join(self.voice.phrase(request).split())
        except Exception as exc:  # any failure of an optional voice falls back to the scripted line
            return scripted, f"{type(exc).__name__}: {exc}"
        if not text:
            return scripted, "the voice returned an empty line"
        if text == previous:
            return scripted, "the voice repeated the customer's last line"
        return text, None

    def _add(
        self,
        role: Role,
        text: str,
        *,
        state: State | None = None,
        ending: Ending | None = None,
        at: float | None = None,
    ) -> Turn:
        now = self.clock() if at is None else at
        start = round(max(0.0, now - (self._t0 if self._t0 is not None else now)), 3)
        metadata: dict[str, Any] = {}
        if state is not None:
            metadata = {"state": state.name, "emotion": state.emotion}
            if ending is not None:
                metadata["ending"] = ending.kind
        turn = Turn(
            len(self.conversation.turns),
            role,
            text,
            speaker_id="customer" if role is Role.CUSTOMER else "agent",
            start=start,
            metadata=metadata,
        )
        self.conversation = self.conversation.with_turn(turn)
        return turn

    def to_dict(self) -> dict[str, Any]:
        """The session for later use (a web view, a stored attempt): conversation, events and outcome."""
        return {
            "scenario": self.scenario.id,
            "seed": self.seed,
            "state": self.state,
            "patience": self.patience,
            "trust": self.trust,
            "ended": self.ended.kind if self.ended is not None else None,
            "facts_revealed": list(self.revealed_facts),
            "conversation": self.conversation.to_dict(),
            "events": [e.to_dict() for e in self.events],
        }


# --- helpers -----------------------------------------------------------------------------------------


def _clamp(value: int) -> int:
    return max(0, min(METER_MAX, value))


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}"


def _term(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", re.IGNORECASE)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _evidence_text(b: Behaviour, text: str) -> str:
    """The words that showed a behaviour, widened to whole words (phrase-bank spans can end mid-word)."""
    for ev in b.evidence:
        start, end = ev.start, ev.end
        if not (0 <= start < end <= len(text)) or text[start:end] != ev.text:
            if ev.text.strip():
                return _shorten(ev.text.strip().rstrip(".,;!"))
            continue
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "'’"):
            start -= 1
        while end < len(text) and (text[end].isalnum() or text[end] in "'’"):
            end += 1
        return _shorten(text[start:end].strip().rstrip(".,;!"))
    return _shorten(text)


def _reindex(b: Behaviour, index: int) -> Behaviour:
    """The reader's behaviour, pinned to the agent turn's position in the session."""
    evidence = tuple(Evidence(index, e.start, e.end, e.text) for e in b.evidence)
    return replace(b, turn_index=index, evidence=evidence)


def _core(text: str) -> str:
    from warmline.text import paraphrase_core

    return paraphrase_core(text) or ""
