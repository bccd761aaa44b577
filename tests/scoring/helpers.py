"""Hand-built upstream annotations, so scoring is tested without the models."""

from __future__ import annotations

from warmline.model import Annotation, Behaviour, Conversation, CustomerEmotion, Evidence, Role

EMOTIONS = ("neutral", "frustration", "anger", "anxiety", "sadness", "confusion", "satisfaction")
POSITIVE_BEHAVIOURS = {
    "acknowledge_emotion",
    "paraphrase",
    "open_question",
    "ownership",
    "reassurance",
    "appreciation",
    "apology",
    "next_steps",
    "check_understanding",
    "closure_check",
    "personalisation",
    "self_disclosure",
    "suggestion",
    "information",
}


def emotion(index: int, label: str, p: float = 0.8, sentiment: float = -0.6) -> CustomerEmotion:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    scores = {e: (p if e == label else rest) for e in EMOTIONS}
    return CustomerEmotion("test.emotion.v1", index, label=label, scores=scores, sentiment=sentiment, intensity=p)


def behaviour(convo: Conversation, index: int, name: str, phrase: str, confidence: float = 0.9) -> Behaviour:
    text = convo.turns[index].text
    start = text.index(phrase)
    return Behaviour(
        "test.behaviours.v1",
        index,
        behaviour=name,
        confidence=confidence,
        polarity="positive" if name in POSITIVE_BEHAVIOURS else "negative",
        evidence=(Evidence(index, start, start + len(phrase), phrase),),
    )


def customer_indexes(convo: Conversation) -> list[int]:
    return [t.index for t in convo.turns if t.role is Role.CUSTOMER]


def prior_for(*annotations: Annotation) -> list[list[Annotation]]:
    return [list(annotations)]
