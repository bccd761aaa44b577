"""Emotional moments: a customer turn whose negative emotion crosses a threshold, met, missed or mishandled.

A moment opens on a negative customer turn (consecutive customer turns before the agent answers
belong to the same moment). The agent's next ``window_turns`` turns (and, with timestamps, only those
within ``window_seconds``) decide it: *mishandled* if one answers with pity, dismissal or blame;
*met* if one acknowledges the feeling or reflects the issue back; *missed* if they go straight to
process. A moment nobody has answered yet is *open*. Batch and live runs share one state machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from warmline.analysers.base import register
from warmline.coach.statements import StatementLibrary, better_response
from warmline.model import Annotation, Behaviour, Conversation, CustomerEmotion, EmotionalMoment, Evidence, Role, Turn
from warmline.text import sentence_spans

NEGATIVE_EMOTIONS = ("frustration", "anger", "anxiety", "sadness", "confusion")

_REASONS = {
    "sympathy_pity": "answered with pity rather than empathy",
    "dismissive": "dismissed the customer's feelings",
    "blame": "blamed the customer",
    "acknowledge_emotion": "acknowledged the customer's feeling",
    "paraphrase": "reflected the customer's issue back",
}


def negativity(emotion: CustomerEmotion) -> float:
    """Probability mass on the negative emotions."""
    return sum(emotion.scores.get(e, 0.0) for e in NEGATIVE_EMOTIONS)


def customer_first_name(convo: Conversation) -> str | None:
    name = convo.metadata.get("customer_name")
    if isinstance(name, str) and name.strip():
        first = name.strip().split()[0]
        return first if first.lower() not in ("mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr.") else name.strip()
    return None


@register("warmline.emotional_moments.v1")
class EmotionalMomentsAnalyser:
    """Finds emotional moments and whether the agent met them.

    Parameters
    ----------
    threshold:
        negative probability mass (frustration + anger + anxiety + sadness + confusion) at which a
        customer turn whose top emotion is negative opens a moment.
    window_turns:
        how many agent turns after the moment may answer it.
    window_seconds:
        with timestamps, answers must start within this many seconds of the customer's turn ending.
    met_by, mishandled_by:
        the behaviours that meet or mishandle a moment.
    """

    name = "warmline.emotional_moments.v1"
    requires: tuple[str, ...] = ("customer_emotion", "behaviours")
    assigns: tuple[str, ...] = ("moments",)

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        window_turns: int = 1,
        window_seconds: float | None = None,
        met_by: tuple[str, ...] = ("acknowledge_emotion", "paraphrase"),
        mishandled_by: tuple[str, ...] = ("sympathy_pity", "dismissive", "blame"),
        statements: StatementLibrary | None = None,
    ) -> None:
        self.threshold = threshold
        self.window_turns = window_turns
        self.window_seconds = window_seconds
        self.met_by = met_by
        self.mishandled_by = mishandled_by
        self.statements = statements

    # --- entry points ---------------------------------------------------------------------------

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        out: list[list[Annotation]] = []
        for convo, found in zip(conversations, prior, strict=True):
            moments: dict[int, EmotionalMoment] = {}
            for turn in convo.turns:
                turn_prior = [a for a in found if a.turn_index == turn.index]
                for m in self._step(turn, convo.upto(turn.index), turn_prior, moments):
                    moments[m.turn_index or 0] = m
            # the conversation is over: a moment answered but undecided was missed
            out.append([self._finish(m, convo) for m in moments.values()])
        return out

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        moments: dict[int, EmotionalMoment] = {}
        for a in prior:
            if isinstance(a, EmotionalMoment) and a.turn_index is not None and a.turn_index < turn.index:
                moments[a.turn_index] = a
        return list(self._step(turn, history, [a for a in prior if a.turn_index == turn.index], moments))

    # --- the state machine ----------------------------------------------------------------------

    def _step(
        self, turn: Turn, history: Conversation, turn_prior: Sequence[Annotation], moments: dict[int, EmotionalMoment]
    ) -> list[EmotionalMoment]:
        if turn.role is Role.CUSTOMER:
            emotion = next((a for a in turn_prior if isinstance(a, CustomerEmotion)), None)
            return self._customer_turn(turn, emotion, history, moments)
        if turn.role is Role.AGENT:
            behaviours = [a for a in turn_prior if isinstance(a, Behaviour)]
            return self._agent_turn(turn, behaviours, history, moments)
        return []

    def _customer_turn(
        self, turn: Turn, emotion: CustomerEmotion | None, history: Conversation, moments: dict[int, EmotionalMoment]
    ) -> list[EmotionalMoment]:
        if emotion is None:
            return []
        negative = emotion.label in NEGATIVE_EMOTIONS and negativity(emotion) >= self.threshold
        waiting = [m for m in moments.values() if m.status == "open" and not m.response_turn_indexes]
        evidence = Evidence.whole_turn(turn)
        if waiting:  # the customer is still talking: the same moment, now with more to answer
            m = waiting[-1]
            if not negative:
                return []
            stronger = emotion.intensity > m.intensity
            return [
                replace(
                    m,
                    emotion=emotion.label if stronger else m.emotion,
                    intensity=max(m.intensity, emotion.intensity),
                    sentiment=min(m.sentiment, emotion.sentiment),
                    evidence=(*m.evidence, evidence),
                )
            ]
        if not negative:
            return []
        return [
            EmotionalMoment(
                analyser=self.name,
                turn_index=turn.index,
                emotion=emotion.label,
                intensity=emotion.intensity,
                sentiment=emotion.sentiment,
                status="open",
                reason=f"the customer showed {emotion.label} ({negativity(emotion):.0%} negative)",
                evidence=(evidence,),
            )
        ]

    def _agent_turn(
        self, turn: Turn, behaviours: Sequence[Behaviour], history: Conversation, moments: dict[int, EmotionalMoment]
    ) -> list[EmotionalMoment]:
        changed: list[EmotionalMoment] = []
        for m in moments.values():
            if m.status != "open" or len(m.response_turn_indexes) >= self.window_turns:
                continue
            if not self._in_time(m, turn, history):
                continue
            responses = (*m.response_turn_indexes, turn.index)
            bad = [b for b in behaviours if b.behaviour in self.mishandled_by]
            good = [b for b in behaviours if b.behaviour in self.met_by]
            if bad:
                status, used = "mishandled", bad
            elif good:
                status, used = "met", good
            elif len(responses) >= self.window_turns:
                status, used = "missed", []
            else:
                status, used = "open", []
            evidence = tuple(ev for b in used for ev in b.evidence) or (_first_sentence(turn),)
            updated = replace(
                m,
                status=status,
                response_turn_indexes=responses,
                behaviours=tuple(sorted({b.behaviour for b in used})),
                reason=self._reason(m, status, used),
                evidence=(*[e for e in m.evidence if e.turn_index < turn.index], *evidence),
            )
            if status in ("missed", "mishandled"):
                updated = replace(updated, better_response=self._better(updated, history))
            changed.append(updated)
        return changed

    def _finish(self, m: EmotionalMoment, convo: Conversation) -> EmotionalMoment:
        if m.status == "open" and m.response_turn_indexes:
            missed = replace(m, status="missed", reason=self._reason(m, "missed", []))
            return replace(missed, better_response=self._better(missed, convo))
        return m

    def _in_time(self, m: EmotionalMoment, turn: Turn, history: Conversation) -> bool:
        if self.window_seconds is None or turn.start is None:
            return True
        ends = [t.end if t.end is not None else t.start for t in history.turns if t.index == m.evidence[-1].turn_index]
        if not ends or ends[0] is None:
            return True
        return turn.start - ends[0] <= self.window_seconds

    def _reason(self, m: EmotionalMoment, status: str, used: Sequence[Behaviour]) -> str:
        opened = f"the customer showed {m.emotion}"
        if status == "open":
            return f"{opened}; not yet answered"
        if status == "missed":
            return f"{opened}; the agent went straight to process without acknowledging it"
        what = " and ".join(sorted({_REASONS.get(b.behaviour, b.behaviour) for b in used}))
        return f"{opened}; the agent {what}"

    def _better(self, m: EmotionalMoment, convo: Conversation) -> str:
        library = self.statements or StatementLibrary.load()
        customer_text = " ".join(e.text for e in m.evidence if _role_of(convo, e.turn_index) is Role.CUSTOMER)
        return better_response(
            library,
            emotion=m.emotion,
            customer_text=customer_text,
            name=customer_first_name(convo),
            seed=f"{convo.id}:{m.turn_index}",
        )


def _role_of(convo: Conversation, index: int) -> Role | None:
    return next((t.role for t in convo.turns if t.index == index), None)


def _first_sentence(turn: Turn) -> Evidence:
    spans = sentence_spans(turn.text)
    if not spans:
        return Evidence.whole_turn(turn)
    a, b = spans[0]
    return Evidence(turn.index, a, b, turn.text[a:b])
