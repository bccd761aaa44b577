"""The agent-behaviour catalogue as data: every behaviour id, its name, polarity, description and source."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Polarity(StrEnum):
    """Whether a behaviour is an empathic behaviour to encourage or an anti-pattern to coach away."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Source(StrEnum):
    """What detects a behaviour: the data-trained heads, the phrase bank (examples, regexes, rules), or both."""

    MODEL = "model"
    PHRASE_BANK = "phrase_bank"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class BehaviourSpec:
    """One behaviour a supervisor can look for in an agent turn."""

    id: str
    name: str
    polarity: Polarity
    description: str
    source: Source


CATALOGUE: tuple[BehaviourSpec, ...] = (
    # --- empathic behaviours -------------------------------------------------------------------
    BehaviourSpec(
        "acknowledge_emotion",
        "Acknowledges emotion",
        Polarity.POSITIVE,
        'Names or validates how the customer feels ("I can hear how frustrating this has been"), '
        'including genuine condolence ("I\'m so sorry for your loss").',
        Source.BOTH,
    ),
    BehaviourSpec(
        "paraphrase",
        "Paraphrases",
        Polarity.POSITIVE,
        "Restates the customer's situation in the agent's own words, showing it was heard "
        '("So the charge appeared twice after you cancelled").',
        Source.BOTH,
    ),
    BehaviourSpec(
        "open_question",
        "Asks an open question",
        Polarity.POSITIVE,
        'Invites the customer to explain in their own words ("What happened when you tried to log in?"); '
        "routine yes/no or data-collection questions do not count.",
        Source.BOTH,
    ),
    BehaviourSpec(
        "ownership",
        "Takes ownership",
        Polarity.POSITIVE,
        'Personally commits to resolving the issue ("I\'ll make sure this is fixed today", "leave it with me").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "reassurance",
        "Reassures",
        Polarity.POSITIVE,
        'Lowers worry about the outcome ("your money is safe", "we\'ll get this sorted", "this is easy to fix").',
        Source.BOTH,
    ),
    BehaviourSpec(
        "appreciation",
        "Shows appreciation",
        Polarity.POSITIVE,
        "Thanks the customer for their patience, information, loyalty or for raising the issue.",
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "apology",
        "Apologises",
        Polarity.POSITIVE,
        'Says sorry for a fault, an inconvenience or a loss ("I\'m sorry about the delay").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "next_steps",
        "Explains next steps",
        Polarity.POSITIVE,
        'Tells the customer what happens next in their case and when ("you\'ll get an email within 24 hours").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "check_understanding",
        "Checks understanding",
        Polarity.POSITIVE,
        "Checks that the agent understood the customer, or the customer the agent "
        '("have I got that right?", "does that make sense?").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "closure_check",
        "Checks for closure",
        Polarity.POSITIVE,
        "Checks that everything the customer wanted is covered before closing "
        '("is there anything else I can help with today?").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "personalisation",
        "Personalises",
        Polarity.POSITIVE,
        'Uses the customer\'s name or refers to their own history ("I can see you called on Tuesday about this").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "self_disclosure",
        "Self-discloses",
        Polarity.POSITIVE,
        "Shares a relevant experience of the agent's own (\"I've had the same thing with my own broadband\").",
        Source.BOTH,
    ),
    BehaviourSpec(
        "suggestion",
        "Makes a suggestion",
        Polarity.POSITIVE,
        'Suggests something the customer could do ("you could try restarting the router").',
        Source.BOTH,
    ),
    BehaviourSpec(
        "information",
        "Gives information",
        Polarity.POSITIVE,
        'Gives facts or explanations the customer needs ("refunds take three to five working days to show").',
        Source.MODEL,
    ),
    # --- anti-patterns -------------------------------------------------------------------------
    BehaviourSpec(
        "sympathy_pity",
        "Pity instead of empathy",
        Polarity.NEGATIVE,
        'Pities or talks down to the customer ("oh you poor thing", "I feel so sorry for you") '
        "instead of acknowledging how they feel.",
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "dismissive",
        "Dismissive",
        Polarity.NEGATIVE,
        'Minimises or shuts down the customer\'s concern ("calm down", "that\'s just how it is").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "blame",
        "Blames the customer",
        Polarity.NEGATIVE,
        'Puts the fault on the customer ("you should have read the terms", "you must have typed it wrong").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "negative_language",
        "Negative language",
        Polarity.NEGATIVE,
        'Says what can\'t be done instead of what can ("I can\'t", "that\'s not my department", "it\'s policy").',
        Source.PHRASE_BANK,
    ),
    BehaviourSpec(
        "personal_opinion",
        "Personal opinion",
        Polarity.NEGATIVE,
        "Voices the agent's private opinion of the company, colleagues, other firms or unrelated matters "
        '("honestly, our billing system is a joke").',
        Source.PHRASE_BANK,
    ),
)

#: Every behaviour by id, in catalogue order.
BEHAVIOURS: dict[str, BehaviourSpec] = {b.id: b for b in CATALOGUE}

#: Behaviour ids in catalogue order (positive behaviours first, then anti-patterns).
BEHAVIOUR_IDS: tuple[str, ...] = tuple(BEHAVIOURS)


def get_behaviour(behaviour_id: str) -> BehaviourSpec:
    """The catalogue entry for a behaviour id.

    Raises
    ------
    KeyError
        when the id is not in the catalogue.

    Examples
    --------
    >>> get_behaviour("dismissive").polarity
    <Polarity.NEGATIVE: 'negative'>
    """
    return BEHAVIOURS[behaviour_id]
