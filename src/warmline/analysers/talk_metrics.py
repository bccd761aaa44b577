"""Talk metrics from timestamps: talk time and ratio, dead air, overtalk, interruptions, response times.

Voice turns are intervals ``[start, end]``; a turn without ``end`` is estimated from its words at
2.5 words per second. Chat turns are instants (``start`` is when the message was sent), so for chat
only the agent's response times are meaningful. Everything that needs timestamps is ``None``
when the conversation has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from warmline.analysers.base import register
from warmline.analysers.turn_stats import count_words
from warmline.model import Annotation, Channel, Conversation, Role, TalkMetrics, Turn

#: Speech rate used to estimate a missing turn end (words per second).
WORDS_PER_SECOND = 2.5

_TALKERS = (Role.AGENT, Role.CUSTOMER)


@dataclass(frozen=True, slots=True)
class _Span:
    index: int
    role: Role
    start: float
    end: float
    words: int


def _spans(turns: Sequence[Turn], *, spoken: bool) -> list[_Span]:
    spans: list[_Span] = []
    for t in turns:
        if t.start is None:
            continue
        words = count_words(t.text)
        # without an end, a chat message is an instant; speech lasts as long as its words take to say
        estimated = t.start + words / WORDS_PER_SECOND if spoken else t.start
        end = t.end if t.end is not None else estimated
        spans.append(_Span(t.index, t.role, t.start, max(end, t.start), words))
    return spans


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total = 0.0
    cur_start: float | None = None
    cur_end = 0.0
    for start, end in sorted(intervals):
        if cur_start is None or start > cur_end:
            if cur_start is not None:
                total += cur_end - cur_start
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_start is not None:
        total += cur_end - cur_start
    return total


def _gaps(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Stretches where no interval covers the timeline, between the first start and the last end."""
    gaps: list[tuple[float, float]] = []
    reach: float | None = None
    for start, end in sorted(intervals):
        if reach is not None and start > reach:
            gaps.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return gaps


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Total time both sides talk, counting each pair of overlapping turns (one sweep, not all pairs)."""
    events = sorted(
        [(s, 0, 1) for s, _ in a] + [(e, 0, -1) for _, e in a] + [(s, 1, 1) for s, _ in b] + [(e, 1, -1) for _, e in b],
        key=lambda ev: (ev[0], ev[2]),
    )
    open_a = open_b = 0
    total = 0.0
    last = events[0][0] if events else 0.0
    for time, side, delta in events:
        total += open_a * open_b * (time - last)
        last = time
        if side == 0:
            open_a += delta
        else:
            open_b += delta
    return total


@register("warmline.talk_metrics.v1")
class TalkMetricsAnalyser:
    """Conversation-level talk metrics.

    Parameters
    ----------
    silence_threshold:
        seconds of nobody talking that count as dead air (voice).
    min_interruption_overlap:
        seconds a turn must overlap the other speaker's turn, after its start, to be an interruption.
    backchannel_words:
        turns of at most this many words ("mm-hmm", "right") never count as interruptions.

    Examples
    --------
    >>> from warmline.model import Turn, Role, Conversation, Channel
    >>> convo = Conversation(id="c", channel=Channel.VOICE, turns=(
    ...     Turn(0, Role.CUSTOMER, "my internet has been down all day and I work from home", start=0, end=5),
    ...     Turn(1, Role.AGENT, "okay what is your account number", start=3.5, end=6)))
    >>> m = TalkMetricsAnalyser().annotate([convo], [[]])[0][0]
    >>> m.agent_interruptions, m.overtalk_time
    (1, 1.5)
    """

    name = "warmline.talk_metrics.v1"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("talk_metrics",)

    def __init__(
        self, *, silence_threshold: float = 5.0, min_interruption_overlap: float = 0.5, backchannel_words: int = 2
    ) -> None:
        self.silence_threshold = silence_threshold
        self.min_interruption_overlap = min_interruption_overlap
        self.backchannel_words = backchannel_words

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        return [[self.metrics(c)] for c in conversations]

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        # live sessions replace the conversation-level metrics with these after each turn
        return [self.metrics(history.with_turn(turn))]

    def metrics(self, convo: Conversation) -> TalkMetrics:
        """The talk metrics of one conversation."""
        turns = convo.turns
        agent_words = sum(count_words(t.text) for t in turns if t.role is Role.AGENT)
        customer_words = sum(count_words(t.text) for t in turns if t.role is Role.CUSTOMER)
        base = TalkMetrics(
            analyser=self.name,
            turn_index=None,
            turns=len(turns),
            agent_turns=sum(1 for t in turns if t.role is Role.AGENT),
            customer_turns=sum(1 for t in turns if t.role is Role.CUSTOMER),
            agent_words=agent_words,
            customer_words=customer_words,
        )
        spans = _spans(turns, spoken=convo.channel is Channel.VOICE)
        if len(spans) < 2 or len(spans) < len(turns):
            return base
        duration = max(s.end for s in spans) - min(s.start for s in spans)
        mean_rt, max_rt = self._response_times(spans)
        if convo.channel is not Channel.VOICE:
            return replace(
                base,
                duration=round(duration, 3),
                mean_agent_response_time=mean_rt,
                max_agent_response_time=max_rt,
            )
        agent = [(s.start, s.end) for s in spans if s.role is Role.AGENT]
        customer = [(s.start, s.end) for s in spans if s.role is Role.CUSTOMER]
        agent_time = _union_length(agent)
        customer_time = _union_length(customer)
        talk = agent_time + customer_time
        silences = [
            {"start": round(a, 3), "end": round(b, 3), "seconds": round(b - a, 3)}
            for a, b in _gaps([(s.start, s.end) for s in spans if s.role in _TALKERS])
            if b - a >= self.silence_threshold
        ]
        interruptions = self._interruptions(spans)
        return replace(
            base,
            duration=round(duration, 3),
            agent_talk_time=round(agent_time, 3),
            customer_talk_time=round(customer_time, 3),
            talk_ratio=round(agent_time / talk, 4) if talk > 0 else None,
            silence_time=round(sum(float(s["seconds"]) for s in silences), 3),
            silences=tuple(silences),
            overtalk_time=round(_overlap(agent, customer), 3),
            interruptions=tuple(interruptions),
            agent_interruptions=sum(1 for i in interruptions if i["by"] == Role.AGENT.value),
            customer_interruptions=sum(1 for i in interruptions if i["by"] == Role.CUSTOMER.value),
            mean_agent_response_time=mean_rt,
            max_agent_response_time=max_rt,
        )

    def _interruptions(self, spans: list[_Span]) -> list[dict[str, object]]:
        """A turn that starts while the other party is still talking, and talks over them for a while."""
        found: list[dict[str, object]] = []
        ordered = sorted(spans, key=lambda s: (s.start, s.index))
        talking: list[_Span] = []  # earlier talker turns that may still overlap what comes next
        for later in ordered:
            # starts only increase: a turn that ends too soon for this one can't matter for later ones
            talking = [s for s in talking if s.end - later.start >= self.min_interruption_overlap]
            if later.role not in _TALKERS:
                continue
            candidates = list(talking)
            talking.append(later)
            if later.words <= self.backchannel_words:
                continue
            for earlier in candidates:
                if earlier.role is later.role:
                    continue
                overlap = min(earlier.end, later.end) - later.start
                if earlier.start < later.start and overlap >= self.min_interruption_overlap:
                    found.append(
                        {
                            "turn_index": later.index,
                            "interrupted_turn_index": earlier.index,
                            "by": later.role.value,
                            "interrupted": earlier.role.value,
                            "at": round(later.start, 3),
                            "overlap": round(overlap, 3),
                        }
                    )
                    break
        return found

    @staticmethod
    def _response_times(spans: list[_Span]) -> tuple[float | None, float | None]:
        """Seconds from the end of the customer's last turn to the agent's reply, per reply."""
        times: list[float] = []
        last_customer_end: float | None = None
        for s in sorted(spans, key=lambda s: (s.start, s.index)):
            if s.role is Role.CUSTOMER:
                last_customer_end = s.end
            elif s.role is Role.AGENT and last_customer_end is not None:
                times.append(max(0.0, s.start - last_customer_end))
                last_customer_end = None
        if not times:
            return None, None
        return round(sum(times) / len(times), 3), round(max(times), 3)
