"""Speaker labels to roles: an alias table for labelled transcripts, text cues for unlabelled ones.

Importers call :func:`role_for_label` on every speaker label ("Agent 1", "CUSTOMER", "Caller").
When the labels are not roles at all (``SPEAKER_00``/``SPEAKER_01`` from diarisation, personal
names such as "Dana"), :func:`infer_roles` reads what each speaker said and decides who is the
agent: the one greeting in the company's voice, asking for account details, apologising and
describing process, rather than the one talking about "my bill".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from warmline.errors import InvalidInputError
from warmline.model import Role

# --- labels ------------------------------------------------------------------------------------

#: Normalised label (lower case, single spaces) → role. Multi-word entries win over single words.
ROLE_ALIASES: dict[str, Role] = {
    **dict.fromkeys(
        [
            "agent",
            "agt",
            "rep",
            "representative",
            "advisor",
            "adviser",
            "associate",
            "csr",
            "support",
            "operator",
            "specialist",
            "consultant",
            "agent name",
            "live agent",
            "human agent",
            "support agent",
            "customer service",
            "customer service agent",
            "customer service representative",
            "customer service rep",
            "customer care",
            "customer support",
            "client services",
            "client service",
            "customer services",
            "member services",
            "guest services",
            "user support",
            "sales rep",
            "staff",
            "employee",
        ],
        Role.AGENT,
    ),
    **dict.fromkeys(
        ["customer", "caller", "client", "user", "member", "guest", "cust", "visitor", "customer name", "end user"],
        Role.CUSTOMER,
    ),
    **dict.fromkeys(
        [
            "bot",
            "chatbot",
            "ivr",
            "virtual agent",
            "virtual assistant",
            "assistant",
            "automated",
            "automated assistant",
        ],
        Role.BOT,
    ),
    "system": Role.SYSTEM,
}

_BRACKETED = re.compile(r"\s*[\[(<][^\])>]*[\])>]\s*")
_TRAILING_NUMBER = re.compile(r"[\s#]*\d+$")


def _normalise(label: str) -> str:
    text = label.strip().strip(":").strip().strip("[]()<>").strip()
    text = re.sub(r"[_\-\s.]+", " ", text).strip().lower()
    return text


def role_for_label(label: str) -> Role | None:
    """The role a speaker label names, or ``None`` when it names a person or a diarisation speaker.

    Tolerates case, spacing, punctuation and a trailing number ("Agent 1", "CUSTOMER", "agent_2",
    "Customer:"); reads "Agent (Dana)" and "Agent - Dana" as agent, and "Support Agent" or
    "Sales Rep" by their last word.

    Examples
    --------
    >>> role_for_label("Agent 1"), role_for_label("CALLER"), role_for_label("SPEAKER_00")
    (<Role.AGENT: 'agent'>, <Role.CUSTOMER: 'customer'>, None)
    """
    if not label or not label.strip():
        return None
    text = _normalise(label)
    candidates = [text, _TRAILING_NUMBER.sub("", text).strip()]
    unbracketed = _BRACKETED.sub(" ", label).strip()
    if unbracketed and unbracketed != label.strip():
        candidates.append(_TRAILING_NUMBER.sub("", _normalise(unbracketed)).strip())
    for candidate in candidates:
        if candidate in ROLE_ALIASES:
            return ROLE_ALIASES[candidate]
    # "Agent Dana", "Agent - Dana": the first word says the role; "Support Agent": the last word does.
    words = candidates[1].split()
    if len(words) > 1:
        if " ".join(words[:2]) in ROLE_ALIASES:
            return ROLE_ALIASES[" ".join(words[:2])]
        if words[0] in ROLE_ALIASES:
            return ROLE_ALIASES[words[0]]
        if " ".join(words[-2:]) in ROLE_ALIASES:
            return ROLE_ALIASES[" ".join(words[-2:])]
        if words[-1] in ROLE_ALIASES:
            return ROLE_ALIASES[words[-1]]
    return None


def speaker_id_for_label(label: str, role: Role) -> str | None:
    """The speaker id to keep for a label: ``None`` when the label is just the role's own name.

    "Agent" says nothing beyond the role; "Agent 2", "Caller" and "Dana" are kept as written.
    """
    cleaned = label.strip().strip(":").strip()
    if not cleaned or cleaned.lower() == role.value:
        return None
    return cleaned


# --- inference from text -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cue:
    name: str
    pattern: re.Pattern[str]
    weight: float


def _cue(name: str, pattern: str, weight: float) -> _Cue:
    return _Cue(name, re.compile(pattern, re.IGNORECASE), weight)


#: What agents say: greeting in the company's voice, offers of help, verification, process, apology.
AGENT_CUES: tuple[_Cue, ...] = (
    _cue(
        "company_greeting",
        r"\bthanks? (?:you )?for (?:calling|contacting|choosing|reaching out(?: to)?|getting in touch with)\b"
        r"|\bwelcome to\b|\byou(?:'ve| have) reached\b"
        r"|\b(?:this is|my name is|i'm|i am) [a-z]+(?: [a-z]+)? (?:from|with|at|on behalf of)\b"
        r"|\bspeaking[,.!]",
        2.0,
    ),
    _cue(
        "offers_help",
        r"\bhow (?:can|may|might|could) (?:i|we) (?:help|assist)\b|\bwhat can i (?:do|help)\b"
        r"|\bhappy to help\b|\bhow can i be of (?:help|assistance)\b",
        2.0,
    ),
    _cue(
        "asks_account_details",
        r"\byour (?:account|reference|order|policy|membership|customer|booking|case|ticket) (?:number|id|reference)\b"
        r"|\byour (?:date of birth|post ?code|zip(?: code)?|full name|billing address|email address|"
        r"security (?:answer|question)|pin)\b"
        r"|\b(?:verify|confirm) (?:your|the account|the name|a few|some|the first line)\b"
        r"|\bsecurity (?:questions?|check|purposes)\b|\blast (?:four|4) digits\b"
        r"|\b(?:can|could|may) i (?:have|get|take|grab) (?:your|the) \w+",
        2.0,
    ),
    _cue(
        "anything_else",
        r"\b(?:is there )?anything else (?:i|we) can (?:help|do|assist)\b|\bis there anything else\b",
        2.0,
    ),
    _cue(
        "company_voice",
        r"\bour (?:records|system|systems|policy|policies|team|department|store|company|app|website|"
        r"technicians?|engineers?|end|billing team|customers)\b"
        r"|\bwe (?:can|will|'ll|could|do not|don't|offer|apologi[sz]e|have (?:sent|applied|credited|processed))\b"
        r"|\bwe'll\b",
        1.0,
    ),
    _cue(
        "apology",
        r"\b(?:i'm|i am|we're|we are)(?: so| very| really| truly)? sorry\b"
        r"|\b(?:very |so |really )?sorry (?:to hear|to see|to learn|about (?:that|the|this)|for (?:the|any) "
        r"(?:delay|inconvenience|trouble|wait|frustration|confusion|issues?|problems?))\b"
        r"|\b(?:i|we) (?:do |sincerely |truly )?apologi[sz]e\b|\bapologies for\b"
        r"|\bi understand (?:how|that|your|why|this)\b",
        1.5,
    ),
    _cue(
        "troubleshooting",
        r"\bhave you (?:tried|checked|restarted|been able|had a chance)\b|\bwere you able to\b"
        r"|\bare you (?:able to|using|seeing|still (?:having|seeing|experiencing))\b"
        r"|\bdo you (?:see|have (?:a|an|the|any)|mind)\b|\bdid you (?:try|order|receive|get a|see)\b"
        r"|\bwould you mind\b"
        r"|\bcould you (?:tell|confirm|send|check|try|let|please (?:confirm|send|check|try))\b(?! me)"
        r"|\bcan you (?:confirm|tell us|send us|try|check|share|please (?:confirm|send|try|check))\b"
        r"|\bis (?:the|this) (?:issue|problem) still\b|\bhere's how\b|\b(?:check|see) (?:out )?this (?:link|article)\b"
        r"|\bfollow (?:these|the) steps\b",
        1.5,
    ),
    _cue(
        "company_us",
        r"\b(?:tell|send|give|dm|follow|let|keep|tweet|reach out to|contact|message|email|call) us\b|\bdm me\b"
        r"|\b(?:we'd|we would) (?:be happy|love|like) to\b|\bwe (?:appreciate|value|understand|recommend|suggest)\b"
        r"|\bthanks? (?:you )?for (?:letting us know|the feedback|your feedback|bringing this|the heads up|"
        r"your (?:message|reply|patience))\b|\bglad to hear\b|\bhappy to hear\b",
        1.5,
    ),
    # "^JA", "*TCC", "- Pete": support teams sign their posts
    _cue(
        "sign_off",
        r"(?:^|\s)(?:[\^*]|[-–] ?)(?!(?:thanks|thank|thx|cheers|regards|please|help|yes|no|ok|okay)\b)"
        r"(?-i:[A-Z][A-Za-z]*)\.?\s*$",
        1.5,
    ),
    _cue(
        "process",
        r"\blet me (?:check|look|see|pull|have a look|take a look|get|just|find|transfer|put)\b"
        r"|\bi(?:'ll| will) (?:go ahead|check|look into|escalate|raise|process|send|arrange|refund|credit|transfer)\b"
        r"|\bbear with me\b|\b(?:one|a|just a) (?:moment|second|sec)\b|\bi can see (?:that|here|on|the|your)\b"
        r"|\bi(?:'ve| have) (?:gone ahead|processed|applied|credited|raised|escalated|refunded|updated)\b"
        r"|\bon (?:my|our) (?:end|side|system|screen)\b|\bplace you on (?:a brief )?hold\b",
        1.5,
    ),
    _cue(
        "closing",
        r"\bhave a (?:great|good|nice|lovely|wonderful) (?:day|evening|afternoon|weekend|one)\b"
        r"|\bthank(?:s| you) for (?:your patience|holding|waiting|bearing with)\b",
        1.0,
    ),
)

#: What customers say: their own account and problem, waiting, wanting something done.
CUSTOMER_CUES: tuple[_Cue, ...] = (
    _cue(
        "my_problem",
        r"\bmy (?:bill|account|order|card|phone|internet|broadband|package|parcel|payment|refund|contract|"
        r"subscription|service|policy|money|booking|delivery|router|connection|flight|statement|direct debit|"
        r"password|car|meter)\b",
        1.5,
    ),
    _cue(
        "waiting",
        r"\bi(?:'ve| have) been (?:waiting|trying|charged|on hold|calling|billed|told)\b"
        r"|\bi(?:'m| am) still waiting\b|\b(?:for|over) (?:an hour|weeks|days|a week|a month)\b",
        2.0,
    ),
    _cue(
        "wants_action",
        r"\bi (?:want|need|would like|'d like) to (?:cancel|complain|speak|talk|know|return|change|close|"
        r"upgrade|report|dispute|get)\b"
        r"|\bi(?:'d| would) like to (?:cancel|complain|speak|talk|know|return|change|close|upgrade|report)\b"
        r"|\bi want (?:a|my) (?:refund|money)\b|\bspeak to (?:a|your) (?:manager|supervisor)\b",
        2.0,
    ),
    _cue(
        "calling_about",
        r"\bi(?:'m| am) (?:calling|ringing|writing|contacting you|phoning) (?:about|because|to|regarding|as)\b"
        r"|\bi (?:called|rang|emailed|phoned) (?:yesterday|last|before|twice|three|already)\b",
        2.0,
    ),
    _cue(
        "reports_problem",
        r"\bstopped working\b|\b(?:doesn't|does not|isn't|is not|won't|will not|can't|cannot|didn't|did not) "
        r"(?:work|load|connect|turn on|let me|arrive|show up)\b|\bnot working\b"
        r"|\bkeeps? (?:crashing|dropping|freezing|failing|saying|coming up|asking|charging)\b"
        r"|\bany ideas\b|\bplease help\b|\bcan (?:you|anyone|someone|u) help\b|\bhelp me\b",
        1.5,
    ),
    _cue(
        "tried_already",
        r"\bi(?:'ve| have)? (?:already )?(?:tried|restarted|reinstalled|checked|paid|ordered|bought|purchased|"
        r"booked|received|got|lost|returned)\b",
        1.0,
    ),
    _cue(
        "complaint",
        r"\bthis is (?:ridiculous|unacceptable|a joke|the (?:second|third|fourth) time)\b"
        r"|\bi was (?:told|charged|promised|billed|overcharged|cut off)\b"
        r"|\b(?:why|how come) (?:was|am|is|did|have|has) (?:i|my)\b|\bi (?:can't|cannot) (?:log|access|get|pay|use)\b",
        1.5,
    ),
)

#: First-person words: a weak, rate-based customer cue (agents say "I'll check" too, just less often).
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|my|(?<!let )me)\b", re.IGNORECASE)

#: How strongly a higher first-person rate (share of words that are I/me/my) than the others' counts as customer.
_FIRST_PERSON_WEIGHT = 4.0
#: A cue repeated in many turns counts at most this many times, so one chatty speaker cannot swamp the rest.
_MAX_HITS_PER_CUE = 3
#: Confidence = 1 - exp(-margin / scale): a margin of one strong cue (2.0) gives 0.49, three give 0.86.
_CONFIDENCE_SCALE = 3.0


@dataclass(frozen=True, slots=True)
class RoleInference:
    """Who is the agent, inferred from what each speaker said.

    ``speakers`` maps each speaker label to a role; ``confidence`` in [0, 1] says how sure the
    inference is (from the margin between the most agent-like and the most customer-like speaker);
    ``cues`` lists, per speaker, the cues found; ``scores`` is each speaker's agent-minus-customer
    score; ``note`` explains a low confidence.
    """

    speakers: Mapping[str, Role]
    confidence: float
    method: str = "text-cues"
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scores: Mapping[str, float] = field(default_factory=dict)
    note: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        """The JSON-safe form for ``Conversation.metadata["role_inference"]``."""
        out: dict[str, Any] = {
            "method": self.method,
            "confidence": self.confidence,
            "speakers": {name: role.value for name, role in self.speakers.items()},
            "cues": {name: list(found) for name, found in self.cues.items()},
        }
        if self.note:
            out["note"] = self.note
        return out

    @property
    def decided(self) -> bool:
        """Whether the text told the speakers apart at all (``confidence > 0``)."""
        return self.confidence > 0.0


def _score_speaker(texts: Sequence[str]) -> tuple[float, float, list[str], float]:
    """Agent score, customer score, the cues found, and the share of words that are I/me/my."""
    agent = 0.0
    customer = 0.0
    found: list[str] = []
    texts = [t.replace("\u2019", "'") for t in texts]  # curly apostrophes from word processors and ASR
    for cues, sign in ((AGENT_CUES, 1), (CUSTOMER_CUES, -1)):
        for cue in cues:
            hits = min(_MAX_HITS_PER_CUE, sum(1 for t in texts if cue.pattern.search(t)))
            if not hits:
                continue
            # diminishing returns: the first hit counts fully, repeats a little
            value = cue.weight * (1.0 + 0.25 * (hits - 1))
            if sign > 0:
                agent += value
            else:
                customer += value
            found.append(cue.name)
    words = sum(len(t.split()) for t in texts)
    rate = sum(len(_FIRST_PERSON.findall(t)) for t in texts) / words if words else 0.0
    return agent, customer, found, rate


def infer_roles(speaker_texts: Mapping[str, Sequence[str]]) -> RoleInference:
    """Decide which speaker is the agent from what each one said.

    Each speaker gets an agent-minus-customer score from text cues. With two speakers the higher
    scorer is the agent and the other the customer; with more, the highest is an agent, the lowest
    the customer, and those between are agents when they score at least half the top agent score
    (a transfer). ``confidence`` grows with the margin between the weakest agent and the strongest
    customer. With one speaker, or no cues at all, the confidence is low and ``note`` says why.

    Parameters
    ----------
    speaker_texts
        Speaker label → the texts of that speaker's turns, in order of first appearance.

    Examples
    --------
    >>> result = infer_roles({
    ...     "Dana": ["Thank you for calling Northwind, this is Dana. Can I take your account number?"],
    ...     "Sam": ["Hi, my bill is wrong again and I've been waiting a week for a call back."],
    ... })
    >>> result.speakers["Dana"], result.confidence > 0.7
    (<Role.AGENT: 'agent'>, True)
    """
    names = list(speaker_texts)
    if not names:
        return RoleInference({}, 0.0, note="no speakers")
    scores: dict[str, float] = {}
    cues: dict[str, tuple[str, ...]] = {}
    evidence = 0.0
    rates: dict[str, float] = {}
    for name in names:
        agent, customer, found, rates[name] = _score_speaker(speaker_texts[name])
        scores[name] = agent - customer
        cues[name] = tuple(found)
        evidence += agent + customer
    if len(names) > 1:
        # agents say "I'll check" too: only a speaker clearly more first-person than the rest leans customer
        for name in names:
            others = min(rates[n] for n in names if n != name)
            lean = _FIRST_PERSON_WEIGHT * (rates[name] - others)
            if lean > 0.25:
                scores[name] -= lean
                cues[name] = (*cues[name], "first_person")
                evidence += lean
    scores = {name: round(value, 3) for name, value in scores.items()}

    if len(names) == 1:
        only = names[0]
        role = Role.AGENT if scores[only] > 0 else Role.CUSTOMER
        # one voice cannot be compared with another: never more than a coin's worth of certainty
        confidence = 0.5 * (1.0 - math.exp(-abs(scores[only]) / _CONFIDENCE_SCALE))
        alone = "only one speaker: role read from that speaker's cues alone"
        if evidence == 0:
            alone = "only one speaker and no role cues in the text"
        return RoleInference({only: role}, round(confidence, 3), cues=cues, scores=scores, note=alone)

    # stable: on equal scores the earlier speaker ranks first (agents usually open a call)
    ranked = sorted(names, key=lambda n: -scores[n])
    top, bottom = ranked[0], ranked[-1]
    roles: dict[str, Role] = {top: Role.AGENT, bottom: Role.CUSTOMER}
    for name in ranked[1:-1]:
        roles[name] = Role.AGENT if scores[name] > 0 and scores[name] >= 0.5 * scores[top] else Role.CUSTOMER
    weakest_agent = min(scores[n] for n in names if roles[n] is Role.AGENT)
    strongest_customer = max(scores[n] for n in names if roles[n] is Role.CUSTOMER)
    margin = max(0.0, weakest_agent - strongest_customer)
    confidence = 1.0 - math.exp(-margin / _CONFIDENCE_SCALE)
    note: str | None = None
    if evidence == 0:
        note = "no role cues in the text: the first speaker was taken as the agent"
    elif margin == 0:
        note = "the speakers' cues do not tell them apart"
    elif confidence < 0.5:
        note = "weak cues: check the roles or pass a speaker map"
    ordered = {name: roles[name] for name in names}
    return RoleInference(ordered, round(confidence, 3), cues=cues, scores=scores, note=note)


class UnknownSpeakerError(InvalidInputError):
    """A speaker label that is neither a role nor a name the text could place; ``label`` says which."""

    def __init__(self, message: str, *, label: str) -> None:
        super().__init__(message, field="speaker")
        self.label = label


ROLE_CHOICES = "agent, customer, bot or system"


def _mapped_role(label: str, speaker_map: Mapping[str, str | Role] | None) -> Role | None:
    if not speaker_map:
        return None
    value = speaker_map.get(label)
    if value is None:
        folded = label.strip().casefold()
        value = next((v for k, v in speaker_map.items() if k.strip().casefold() == folded), None)
    if value is None:
        return None
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        raise InvalidInputError(
            f"speaker map sends {label!r} to {value!r}, which is not {ROLE_CHOICES}", field="speaker_map"
        ) from None


def resolve_speakers(
    speaker_texts: Mapping[str, Sequence[str]],
    speaker_map: Mapping[str, str | Role] | None = None,
) -> tuple[dict[str, Role], RoleInference | None]:
    """The role of every speaker label in one conversation, the way every text importer decides it.

    A label is looked up in ``speaker_map`` (exact, then case-insensitive), then in the alias table.
    When no label names the agent or the customer (names, ``SPEAKER_00``), the roles are inferred
    from the text and the inference is returned too. Labels that name agent or customer mixed with
    labels that name neither are an error: the odd ones are most likely typos ("agnet").

    Raises
    ------
    UnknownSpeakerError
        naming the first label that cannot be placed, or saying the text does not tell the
        speakers apart.
    """
    roles: dict[str, Role] = {}
    unknown: list[str] = []
    for label in speaker_texts:
        role = _mapped_role(label, speaker_map) or role_for_label(label)
        if role is None:
            unknown.append(label)
        else:
            roles[label] = role
    if not unknown:
        return roles, None
    if any(r in (Role.AGENT, Role.CUSTOMER) for r in roles.values()):
        label = unknown[0]
        raise UnknownSpeakerError(f"{label!r} is not {ROLE_CHOICES} — use a speaker map", label=label)
    inference = infer_roles({label: speaker_texts[label] for label in unknown})
    if not inference.decided:
        raise UnknownSpeakerError(
            f"cannot tell which speaker is the agent among {', '.join(repr(u) for u in unknown)}: "
            "nothing they say tells them apart — use a speaker map",
            label=unknown[0],
        )
    roles.update(inference.speakers)
    return {label: roles[label] for label in speaker_texts}, inference


__all__ = [
    "ROLE_ALIASES",
    "RoleInference",
    "UnknownSpeakerError",
    "infer_roles",
    "resolve_speakers",
    "role_for_label",
    "speaker_id_for_label",
]
