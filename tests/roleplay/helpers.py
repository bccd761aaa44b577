"""Hand-built behaviour readers, a clock, and agent scripts, so the engine is tested without the models."""

from __future__ import annotations

from collections.abc import Sequence

from warmline.analysers.base import create
from warmline.behaviours.catalogue import BEHAVIOURS
from warmline.model import Annotation, Behaviour, Conversation, Evidence, Turn
from warmline.pipeline import Pipeline
from warmline.roleplay.engine import RoleplaySession
from warmline.roleplay.feedback import ScenarioEmotions, SessionBehaviours

#: Phrase (lower case) → the behaviour it shows, for the hand-built reader.
RULES: dict[str, str] = {
    "calm down": "dismissive",
    "these things happen": "dismissive",
    "not that serious": "dismissive",
    "policy": "negative_language",
    "nothing i can do": "negative_language",
    "i can't": "negative_language",
    "you should have": "blame",
    "your own fault": "blame",
    "poor thing": "sympathy_pity",
    "honestly, our": "personal_opinion",
    "i can hear": "acknowledge_emotion",
    "that sounds": "acknowledge_emotion",
    "so you": "paraphrase",
    "what happened": "open_question",
    "tell me more": "open_question",
    "i'll make sure": "ownership",
    "i will personally": "ownership",
    "you'll get": "next_steps",
    "within 24 hours": "next_steps",
    "your money is safe": "reassurance",
    "thanks for": "appreciation",
    "thank you for": "appreciation",
    "sorry": "apology",
    "does that make sense": "check_understanding",
    "anything else": "closure_check",
    "try restarting": "suggestion",
}


class PhraseReader:
    """Finds behaviours by fixed phrases; counts its calls so tests can see what it was asked."""

    def __init__(self, rules: dict[str, str] | None = None, confidence: float = 0.9) -> None:
        self.rules = RULES if rules is None else rules
        self.confidence = confidence
        self.calls: list[tuple[str, int]] = []

    def __call__(self, agent_text: str, history: Conversation) -> list[Behaviour]:
        self.calls.append((agent_text, len(history.turns)))
        index = len(history.turns)
        lowered = agent_text.lower()
        out: list[Behaviour] = []
        for phrase, behaviour in self.rules.items():
            at = lowered.find(phrase)
            if at < 0:
                continue
            out.append(
                Behaviour(
                    "test.phrases.v1",
                    index,
                    behaviour=behaviour,
                    confidence=self.confidence,
                    polarity=BEHAVIOURS[behaviour].polarity.value,
                    evidence=(Evidence(index, at, at + len(phrase), agent_text[at : at + len(phrase)]),),
                )
            )
        return out


class FakeClock:
    """Seconds that advance by ``step`` on every reading."""

    def __init__(self, start: float = 100.0, step: float = 4.0) -> None:
        self.now = start - step
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


#: A good agent: acknowledges and reflects, asks, then owns the fix with next steps.
GOOD = (
    "I can hear how upsetting this is. So you need this put right without chasing it again.",
    "What happened when you first noticed?",
    "I'll make sure this is put right today, and you'll get a confirmation email within 24 hours.",
)
#: A poor agent: dismisses, hides behind policy, blames.
POOR = (
    "Calm down, these things happen.",
    "It's policy, there's nothing I can do.",
    "You should have checked more carefully.",
    "Calm down, it's not that serious.",
    "I can't change that. It's policy.",
    "You should have read the terms.",
)


def play(session: RoleplaySession, lines: Sequence[str]) -> list[str]:
    """Play agent lines until the session ends; the customer's lines, opening first."""
    said = [session.opening()]
    for line in lines:
        reply = session.respond(line)
        said.append(reply.text)
        if reply.ended is not None:
            break
    return said


class NoScriptedPhrases:
    """Stands in for the scripted-phrases analyser (which loads the sentence encoder) in fast tests."""

    name = "test.no_scripted.v1"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("scripted_phrases",)

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        return []

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        return [[] for _ in conversations]


def fast_pipeline(session: RoleplaySession) -> Pipeline:
    """The session's scoring pipeline without the sentence encoder: real moments, trajectory and scorecard."""
    return Pipeline(
        [
            SessionBehaviours(behaviours=session.behaviours),
            ScenarioEmotions(),
            create("warmline.talk_metrics.v1"),
            create("warmline.emotional_moments.v1"),
            NoScriptedPhrases(),
            create("warmline.sentiment_trajectory.v1"),
            create("warmline.empathy_score.v1"),
        ]
    )
