"""PII redaction before anything is stored: card numbers, security codes, SSNs, phones, e-mails, addresses, birth dates.

Each kind of personal data has a small detector (``detect_cards``, ``detect_phone_numbers``...) that
returns typed character spans; ``redact_text`` runs the detectors a ``RedactionPolicy`` switches on,
resolves overlaps (the longest span wins, then the most specific kind, and partly overlapping spans
are merged so that no fragment survives) and replaces every span by its placeholder (``[CARD]``,
``[PHONE]``...). ``redact_conversation`` does this for every turn of a conversation and returns a new
conversation and a report of what was replaced, by kind and position, never the values.

Voice transcripts spell numbers out ("four five three two, double one..."): ``normalise_spoken_digits``
turns such runs into digits with a map back to the words, so that the same checks (Luhn, lengths,
context) apply to them. Names are not redacted: that needs a named-entity model, which warmline does
not ship (see ``docs/redaction.md``).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from warmline.errors import ConfigError
from warmline.model import Conversation, Turn

__all__ = [
    "REDACTION_VERSION",
    "Detection",
    "DigitRun",
    "PIIKind",
    "RedactedSpan",
    "RedactionPolicy",
    "RedactionReport",
    "RedactionResult",
    "TurnRedaction",
    "detect_accounts",
    "detect_addresses",
    "detect_cards",
    "detect_dates_of_birth",
    "detect_emails",
    "detect_phone_numbers",
    "detect_security_codes",
    "detect_ssns",
    "luhn_valid",
    "normalise_spoken_digits",
    "redact_conversation",
    "redact_text",
    "resolve_overlaps",
]

#: Written into ``metadata["redaction"]["version"]``; bump it when what is detected changes.
REDACTION_VERSION = "warmline.redaction.v1"


class PIIKind(StrEnum):
    """A kind of personal data, named as in a policy (``"card"``) and replaced by its placeholder (``[CARD]``)."""

    CARD = "card"
    CVV = "cvv"
    SSN = "ssn"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    DOB = "dob"
    ACCOUNT = "account"

    @property
    def placeholder(self) -> str:
        return f"[{self.name}]"


# When two detections cover the same span, the more specific kind names it: a Luhn-checked card beats
# a range-checked SSN beats an e-mail... and a generic account number comes last.
_SPECIFICITY: dict[PIIKind, int] = {
    kind: rank
    for rank, kind in enumerate(
        (
            PIIKind.CARD,
            PIIKind.SSN,
            PIIKind.EMAIL,
            PIIKind.CVV,
            PIIKind.DOB,
            PIIKind.PHONE,
            PIIKind.ADDRESS,
            PIIKind.ACCOUNT,
        )
    )
}

_PLACEHOLDER = re.compile(r"\[(?:" + "|".join(k.name for k in PIIKind) + r")\]")


# --- policy ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedactionPolicy:
    """Which kinds of personal data to redact: everything but account numbers, unless told otherwise.

    Account numbers are off by default because "account number" in a contact centre is as often an
    order or customer reference the conversation needs as a bank account.

    Examples
    --------
    >>> RedactionPolicy().account
    False
    >>> sorted(RedactionPolicy.from_names(["card", "email"]).names)
    ['card', 'email']
    >>> RedactionPolicy(account=True).enabled(PIIKind.ACCOUNT)
    True
    """

    card: bool = True
    cvv: bool = True
    ssn: bool = True
    phone: bool = True
    email: bool = True
    address: bool = True
    dob: bool = True
    account: bool = False

    @classmethod
    def from_names(cls, names: Iterable[str] | str) -> RedactionPolicy:
        """A policy with exactly the named kinds on; a string is read as a comma-separated list.

        Raises
        ------
        ConfigError
            naming the unknown kind and the kinds there are.
        """
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()]
        wanted: dict[str, bool] = dict.fromkeys((f.name for f in fields(cls)), False)
        for raw in names:
            name = str(raw).strip().strip("[]").lower()
            if name not in wanted:
                allowed = ", ".join(k.value for k in PIIKind)
                raise ConfigError(f"unknown redaction kind {raw!r}; expected one of {allowed}", field="redaction")
            wanted[name] = True
        return cls(**wanted)

    @property
    def kinds(self) -> frozenset[PIIKind]:
        return frozenset(k for k in PIIKind if getattr(self, k.value))

    @property
    def names(self) -> tuple[str, ...]:
        """The kinds switched on, in the order of ``PIIKind``."""
        return tuple(k.value for k in PIIKind if getattr(self, k.value))

    def enabled(self, kind: PIIKind) -> bool:
        return bool(getattr(self, kind.value))


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Detection:
    """A detector's finding: ``text[start:end]`` is personal data of ``kind``; ``detector`` says which rule."""

    kind: PIIKind
    start: int
    end: int
    detector: str


@dataclass(frozen=True, slots=True)
class RedactedSpan:
    """One replacement: ``start``/``end`` in the original text, ``redacted_start``/``redacted_end`` of the
    placeholder in the redacted text. Never holds the original value."""

    kind: PIIKind
    start: int
    end: int
    redacted_start: int
    redacted_end: int
    detector: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.name,
            "start": self.start,
            "end": self.end,
            "redacted_start": self.redacted_start,
            "redacted_end": self.redacted_end,
            "detector": self.detector,
        }


def _count(spans: Iterable[RedactedSpan]) -> dict[str, int]:
    counts = Counter(s.kind for s in spans)
    return {k.name: counts[k] for k in PIIKind if counts[k]}


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text and what was replaced in it."""

    text: str
    spans: tuple[RedactedSpan, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Replacements by placeholder name, e.g. ``{"CARD": 1, "CVV": 1}``; kinds not found are left out."""
        return _count(self.spans)

    @property
    def changed(self) -> bool:
        return bool(self.spans)


@dataclass(frozen=True, slots=True)
class TurnRedaction:
    """What was replaced in one turn."""

    turn_index: int
    spans: tuple[RedactedSpan, ...]

    @property
    def counts(self) -> dict[str, int]:
        return _count(self.spans)

    def to_dict(self) -> dict[str, Any]:
        return {"turn_index": self.turn_index, "counts": self.counts, "spans": [s.to_dict() for s in self.spans]}


@dataclass(frozen=True, slots=True)
class RedactionReport:
    """What ``redact_conversation`` replaced, turn by turn (turns with nothing replaced are left out).

    Safe to log and store: it holds kinds, counts and positions, never the original values.
    """

    conversation_id: str
    version: str
    kinds: tuple[str, ...]
    turns: tuple[TurnRedaction, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return _count(s for t in self.turns for s in t.spans)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "version": self.version,
            "kinds": list(self.kinds),
            "counts": self.counts,
            "turns": [t.to_dict() for t in self.turns],
        }


# --- spoken digits -----------------------------------------------------------------------------

_WORD_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# a lone "o" only counts as zero when it is not "o'clock"
_WORD_DIGIT = r"(?:zero|oh|o(?![’'])|nought|one|two|three|four|five|six|seven|eight|nine)"
_DIGIT_TOKEN = re.compile(
    rf"\b(?:(?P<times>double|triple)[\s-]+(?P<repeated>{_WORD_DIGIT}|\d)|(?P<word>{_WORD_DIGIT})"
    # written digits join a spoken run only as short groups, and never a handle or a code ("@312190 Oh no")
    rf"|(?<![@#\w])(?P<number>\d{{1,5}}))\b",
    re.IGNORECASE,
)
# what may sit between two digits of one spoken run: pauses written as commas, dashes, full stops
# followed by a space (ASR sentence breaks), and hesitations
_RUN_GAP = re.compile(r"(?:[\s,;–—-]|[.:](?=\s)|\b(?:uh|um|er|erm|ah|hmm)\b)*", re.IGNORECASE)
_MAX_GAP = 12
_ANY_DIGIT_WORD = re.compile(rf"\b(?:{_WORD_DIGIT}|double|triple)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DigitRun:
    """A run of digits read out as words (possibly mixed with written digits), normalised.

    ``digits[i]`` came from ``text[spans[i][0]:spans[i][1]]`` (both digits of "double five" map to the
    whole phrase).

    Examples
    --------
    >>> run = normalise_spoken_digits("it's oh seven double five, one two")[0]
    >>> run.digits, run.start, run.end
    ('075512', 5, 34)
    """

    digits: str
    spans: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]

    def source_span(self, first: int, stop: int) -> tuple[int, int]:
        """The original text span of ``digits[first:stop]``."""
        return self.spans[first][0], self.spans[stop - 1][1]


def normalise_spoken_digits(text: str) -> list[DigitRun]:
    """Runs of digits said as words ("four five three two", "oh", "double five"), with a map back to the text.

    Only runs with at least one digit word are returned (written-out numbers are the written detectors'
    job); written digits inside a spoken run ("4532 one one one one") are kept. Number words beyond
    single digits ("forty", "four thousand") are not digits and end a run.
    """
    runs: list[DigitRun] = []
    if _ANY_DIGIT_WORD.search(text) is None:
        return runs  # the common case in chat: no number said as words, so no need to walk every number
    digits: list[str] = []
    spans: list[tuple[int, int]] = []
    spoken = False
    last_end = -1

    def close() -> None:
        if digits and spoken:
            runs.append(DigitRun("".join(digits), tuple(spans)))

    for match in _DIGIT_TOKEN.finditer(text):
        start, end = match.span()
        if match.group("number") is not None:
            value, is_word = match.group("number"), False
        elif match.group("word") is not None:
            value, is_word = _WORD_DIGITS[match.group("word").lower()], True
        else:
            repeated = match.group("repeated").lower()
            one = _WORD_DIGITS.get(repeated, repeated)
            value, is_word = one * (2 if match.group("times").lower() == "double" else 3), True
        gap = text[last_end:start] if last_end >= 0 else None
        if gap is None or len(gap) > _MAX_GAP or _RUN_GAP.fullmatch(gap) is None:
            close()
            digits, spans, spoken = [], [], False
        digits.extend(value)
        spans.extend([(start, end)] * len(value))
        spoken = spoken or is_word
        last_end = end
    close()
    return runs


# --- shared helpers ----------------------------------------------------------------------------

# a value and its cue must not have another number (or an already redacted value) between them
_BLOCKER = re.compile(r"[\d\[]")
_CUE_BEFORE = 60
_CUE_AFTER = 32
# how far into a turn an answer to the previous turn's question may start ("It's 737.")
_ANSWER_OPENING = 40


def _last_match(cue: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for last in cue.finditer(text):  # noqa: B007  (the last one is wanted)
        pass
    return last


def _cue_near(
    cue: re.Pattern[str],
    text: str,
    start: int,
    end: int,
    preceding: str | None,
    *,
    before: int = _CUE_BEFORE,
    after: int = _CUE_AFTER,
) -> bool:
    """True when ``cue`` is said just before or just after ``text[start:end]``, or at the end of the previous turn."""
    window = text[max(0, start - before) : start]
    found = _last_match(cue, window)
    if found is not None and _BLOCKER.search(window, found.end()) is None:
        return True
    if after:
        tail = text[end : end + after]
        found = cue.search(tail)
        if found is not None and _BLOCKER.search(tail, 0, found.start()) is None:
            return True
    if preceding and start <= _ANSWER_OPENING and _BLOCKER.search(text, 0, start) is None:
        closing = preceding[-160:]
        found = _last_match(cue, closing)
        if found is not None and _BLOCKER.search(closing, found.end()) is None:
            return True
    return False


def _mentions(cue: re.Pattern[str], text: str, preceding: str | None) -> bool:
    """Cheap pre-check so that context detectors skip long texts that never name their cue."""
    if cue.search(text) is not None:
        return True
    return preceding is not None and cue.search(preceding[-160:]) is not None


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes.

    Examples
    --------
    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_SEP_CHARS = " \u00a0\u202f\\-\u2010\u2011\u2013"
_SEP = f"[{_SEP_CHARS}]"
# a chain of digit groups joined by single spaces or dashes, taken whole (atomic) and never started
# in the middle of another number or just after a currency sign
_DIGIT_CHAIN = re.compile(rf"(?<![\w$£€¥#+])(?<!\d[.,:/{_SEP_CHARS}])(?>\d+(?:{_SEP}\d+)*)")
_GROUP = re.compile(r"\d+")


def _digit_chains(text: str) -> Iterator[list[re.Match[str]]]:
    """Digit groups of each chain, less a last group that runs on into letters, a decimal or a date."""
    for chain in _DIGIT_CHAIN.finditer(text):
        groups = list(_GROUP.finditer(text, chain.start(), chain.end()))
        end = chain.end()
        after = text[end : end + 2]
        if after and (after[0].isalnum() or after[0] in "%_" or (after[0] in ".,:/" and after[1:2].isdigit())):
            groups.pop()
        if groups:
            yield groups


def _digit_count(groups: Sequence[re.Match[str]]) -> int:
    return sum(g.end() - g.start() for g in groups)


# --- cards -------------------------------------------------------------------------------------

_CARD_LENGTHS = range(13, 20)
# ISO/IEC 7812 major industry identifiers 1-6: airlines, travel, banking and finance
_CARD_FIRST_DIGITS = range(1, 7)


def _card_like(digits: str) -> bool:
    # int() rather than comparing characters: cards typed in other scripts' digits ("٤١١١...") count too
    return len(digits) in _CARD_LENGTHS and int(digits[0]) in _CARD_FIRST_DIGITS and luhn_valid(digits)


def _card_windows(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """Group ranges of a chain that could hold a card: the whole chain, then the groups from its start or
    up to its end that add up to 13–19 digits (a card followed by its expiry or code); a long chain costs
    no more than a short one."""
    windows = [(0, len(sizes))] if sum(sizes) in _CARD_LENGTHS else []
    total = 0
    for stop, size in enumerate(sizes[:-1], start=1):
        total += size
        if total > 19:
            break
        if total >= 13:
            windows.append((0, stop))
    total = 0
    for first in range(len(sizes) - 1, 0, -1):
        total += sizes[first]
        if total > 19:
            break
        if total >= 13:
            windows.append((first, len(sizes)))
    return windows


def detect_cards(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """Payment card numbers: 13–19 digits, whole or in groups of 3–6 ("4-4-4-4", Amex "4-6-5"), Luhn-checked.

    A chain longer than a card (card number then expiry or code) is checked from its start and from its
    end, group by group. Spoken numbers ("four five three two, one one...") are normalised first.
    Numbers that fail Luhn (order numbers, serials) are not cards.

    Examples
    --------
    >>> [(d.kind.name, d.start, d.end) for d in detect_cards("card 4111 1111 1111 1111 please")]
    [('CARD', 5, 24)]
    >>> detect_cards("order 4111 1111 1111 1112")
    []
    """
    out: list[Detection] = []
    for groups in _digit_chains(text):
        if _digit_count(groups) < 13:
            continue
        sizes = [g.end() - g.start() for g in groups]
        if len(groups) > 1 and not all(3 <= s <= 6 for s in sizes[:-1]):
            continue
        for first, stop in _card_windows(sizes):
            if _card_like("".join(g.group() for g in groups[first:stop])):
                out.append(Detection(PIIKind.CARD, groups[first].start(), groups[stop - 1].end(), "card.written"))
                break
    for run in normalise_spoken_digits(text) if spoken is None else spoken:
        n = len(run.digits)
        candidates = [(0, n)] if n in _CARD_LENGTHS else []
        if n > 19:
            candidates += [(0, 16), (0, 15), (n - 16, n), (n - 15, n)]
        for first, stop in candidates:
            if _card_like(run.digits[first:stop]):
                out.append(Detection(PIIKind.CARD, *run.source_span(first, stop), "card.spoken"))
                break
    return out


# --- security codes ----------------------------------------------------------------------------

_CVV_CUE = re.compile(
    r"\b(?:cvv2?|cvc2?|csc|cvn|security (?:code|number|digits)|card verification (?:code|value|number)"
    r"|(?:three|3|four|4)[- ]digit (?:code|number)"
    r"|(?:three|3|four|4|last) (?:digits|numbers) (?:on|at|from) the (?:back|front|reverse)"
    r"|(?:digits|numbers) on the back|code on the back of (?:the|your|my) card"
    # a card PIN is a security code too, and no conversation should keep one
    r"|pin(?: number| code)?)\b",
    re.IGNORECASE,
)
_SHORT_NUMBER = re.compile(r"(?<![\w$£€¥#+.,:/\-])\d{3,4}(?![\w%]|[.,:/\-]\d)")


def detect_security_codes(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """Card security codes: 3–4 digits (written or spoken) said next to "CVV", "security code",
    "three digits on the back"..., or given in answer to a previous turn that asked for one.

    Examples
    --------
    >>> [d.kind.name for d in detect_security_codes("and the CVV is 737")]
    ['CVV']
    >>> detect_security_codes("I waited 737 days")
    []
    """
    if not _mentions(_CVV_CUE, text, preceding):
        return []
    out: list[Detection] = []
    for match in _SHORT_NUMBER.finditer(text):
        if _cue_near(_CVV_CUE, text, match.start(), match.end(), preceding):
            out.append(Detection(PIIKind.CVV, match.start(), match.end(), "cvv.context"))
    for run in normalise_spoken_digits(text) if spoken is None else spoken:
        if len(run.digits) in (3, 4) and _cue_near(_CVV_CUE, text, run.start, run.end, preceding):
            out.append(Detection(PIIKind.CVV, run.start, run.end, "cvv.spoken"))
    return out


# --- US social security numbers ----------------------------------------------------------------

_SSN_DELIMITED = re.compile(
    r"(?<![\w$£€#+.,:/\-])(?<!\d )(?P<area>\d{3})(?P<sep>[- ])(?P<group>\d{2})(?P=sep)(?P<serial>\d{4})"
    r"(?![\w%]|[.,:/\-]\d|[ \-]\d)"
)
_NINE_DIGITS = re.compile(r"(?<![\w$£€#+.,:/\-])(?<!\d )\d{9}(?![\w%]|[.,:/\-]\d|[ \-]\d)")
_SSN_CUE = re.compile(r"\b(?:social security(?: number| no\.?| #)?|social|ssn|s\.s\.n\.?|ss#)", re.IGNORECASE)


def _ssn_valid(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def detect_ssns(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """US social security numbers: AAA-GG-SSSS dashed or spaced anywhere; nine digits in a row (written or
    spoken) only next to "social security", "SSN", "social". Never-issued numbers (area 000, 666 or 9xx,
    group 00, serial 0000) are not SSNs.

    Examples
    --------
    >>> [d.kind.name for d in detect_ssns("SSN 219-09-9999")]
    ['SSN']
    >>> detect_ssns("ref 666-12-3456")
    []
    """
    out: list[Detection] = []
    for match in _SSN_DELIMITED.finditer(text):
        if _ssn_valid(match.group("area") + match.group("group") + match.group("serial")):
            out.append(Detection(PIIKind.SSN, match.start(), match.end(), "ssn.delimited"))
    if not _mentions(_SSN_CUE, text, preceding):
        return out
    for match in _NINE_DIGITS.finditer(text):
        if _ssn_valid(match.group()) and _cue_near(_SSN_CUE, text, match.start(), match.end(), preceding):
            out.append(Detection(PIIKind.SSN, match.start(), match.end(), "ssn.context"))
    for run in normalise_spoken_digits(text) if spoken is None else spoken:
        if len(run.digits) == 9 and _ssn_valid(run.digits) and _cue_near(_SSN_CUE, text, run.start, run.end, preceding):
            out.append(Detection(PIIKind.SSN, run.start, run.end, "ssn.spoken"))
    return out


# --- phone numbers -----------------------------------------------------------------------------

_PHONE = re.compile(
    r"""
    (?<![\w+#$£€¥.,/:\-])(?<!\d[ .\-])
    (?:
        (?P<international>(?:\+|00(?=\d{1,3}[ .\-]))\d{1,3}(?:[ .\-]?\(0\))?(?:[ .\-]?(?:\(\d{1,5}\)|(?>\d{1,6}))){1,5})
      | (?P<area>\(\d{3}\)[ .\-]?\d{3}[ .\-]?\d{4})
      | (?P<nanp>(?:1[ .\-])?\d{3}(?P<sep>[ .\-])\d{3}(?P=sep)\d{4})
      | (?P<national>0\d{2,4}(?:[ .\-]?\d{3,4}){2})
      | (?P<bare>\d{10})
      | (?P<local>\d{3}[ .\-]\d{4})
    )
    (?![\w%]|[ .\-]?\d|[.,:/]\d)
    """,
    re.VERBOSE,
)
_PHONE_CUE = re.compile(
    r"\b(?:phone|telephone|tel|mobile|mob|cell(?:phone)?|landline|fax|whats ?app|ext(?:ension)?"
    r"|(?:contact|best|callback) number|number to (?:call|reach|ring|text)|my number|this number|my line"
    r"|call(?:ed|s)? from|call ?back|(?:call|ring|dial|text|reach|contact)(?: (?:me|us|you|him|her|them))?"
    r"(?: back)?(?: on| at)?)\b",
    re.IGNORECASE,
)
_PLUS_BEFORE = re.compile(r"plus\s+$", re.IGNORECASE)


def detect_phone_numbers(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """Phone numbers: E.164 ("+44 7911 123456"), US ("(555) 123-4567", "555.123.4567"), UK national
    ("07700 900123", "020 7946 0958") with spaces, dots or dashes; seven-digit and bare ten-digit numbers
    only next to a phone cue ("call me on", "mobile"); spoken digits next to a cue or shaped like a UK
    mobile ("oh seven seven...").

    Order references like "4471-2290", amounts, dates and times are not phone numbers.

    Examples
    --------
    >>> [d.kind.name for d in detect_phone_numbers("call me on (555) 123-4567")]
    ['PHONE']
    >>> detect_phone_numbers("order 4471-2290 arrived on 12/03/2026 at 10:30")
    []
    """
    out: list[Detection] = []
    cue_said: bool | None = None
    for match in _PHONE.finditer(text):
        digits = sum(ch.isdigit() for ch in match.group())
        if match.group("international"):
            if match.group().startswith("00"):  # the dialling prefix is not part of the number
                digits -= 2
            found = 8 <= digits <= 15
        elif match.group("area") or match.group("nanp"):
            found = digits == 10 or (digits == 11 and match.group().startswith("1"))
        elif match.group("national"):
            found = digits in (10, 11)
        else:
            if cue_said is None:
                cue_said = _mentions(_PHONE_CUE, text, preceding)
            found = cue_said and _cue_near(_PHONE_CUE, text, match.start(), match.end(), preceding)
        if found:
            out.append(Detection(PIIKind.PHONE, match.start(), match.end(), "phone.written"))
    for run in normalise_spoken_digits(text) if spoken is None else spoken:
        n = len(run.digits)
        if not 7 <= n <= 13:
            continue
        start = run.start
        plus = _PLUS_BEFORE.search(text, max(0, start - 10), start)
        if plus is not None:
            start = plus.start()
        uk_mobile = (n == 11 and run.digits.startswith("07")) or (
            n == 12 and plus is not None and run.digits.startswith("447")
        )
        if uk_mobile or _cue_near(_PHONE_CUE, text, start, run.end, preceding):
            out.append(Detection(PIIKind.PHONE, start, run.end, "phone.spoken"))
    return out


# --- e-mail addresses --------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+%\-])[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])")
_SPOKEN_JOIN = r"(?:\s*\.\s*|\s+(?:dot|underscore|under score|dash|hyphen|plus)\s+|[_\-])"
_SPOKEN_WORD = r"[^\W_][\w+]*"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.@])(?P<local>{_SPOKEN_WORD}(?:{_SPOKEN_JOIN}{_SPOKEN_WORD}){{0,4}})"
    rf"(?:\s+at(?: sign)?\s+|\s*@\s*)"
    rf"(?P<domain>{_SPOKEN_WORD}(?:(?:\s*\.\s*|\s+dot\s+){_SPOKEN_WORD}){{1,4}})\b",
    re.IGNORECASE,
)
_TOP_LEVEL = _words(
    "com org net edu gov io co uk us ca au nz ie de fr es it nl be ch at se no dk fi pl pt in info biz me tv"
)
_MAIL_PROVIDERS = _words(
    "gmail googlemail hotmail outlook live msn yahoo icloud me aol protonmail proton btinternet sky"
    " virginmedia talktalk gmx mail zoho"
)
_EMAIL_CUE = re.compile(r"\b(?:e-?mail(?: address)?|mail address|address)\b", re.IGNORECASE)
_SPOKEN_AT = re.compile(r"\bat\b|\s@|@\s", re.IGNORECASE)
_EMAIL_LEAD = re.compile(
    r"\be-?mail(?: address)?(?:\s+(?:is|was|it's|it is))?[\s:,]+(?P<words>(?:(?!(?:is|was|it's)\s)[^\W\d_]+\s+){1,2})$",
    re.IGNORECASE,
)
_JOINED = re.compile(r"\.|_|-|\b(?:dot|underscore|dash|hyphen|plus)\b", re.IGNORECASE)


def detect_emails(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """E-mail addresses, written ("jo.smith@example.com") or spoken ("jo dot smith at example dot co dot uk").

    A spoken address needs a known top-level domain and one of: an e-mail cue nearby ("my email is"), a
    joined local part ("jo dot smith", "priya underscore shah") or a known mail provider ("at gmail dot
    com"), so that "I bought it at amazon dot com" stays.

    Examples
    --------
    >>> [d.kind.name for d in detect_emails("it's john dot smith at example dot com")]
    ['EMAIL']
    """
    out = [Detection(PIIKind.EMAIL, m.start(), m.end(), "email.written") for m in _EMAIL.finditer(text)]
    if _SPOKEN_AT.search(text) is None:
        return out
    for match in _SPOKEN_EMAIL.finditer(text):
        if "@" in match.group() and not re.search(r"\s", match.group()):
            continue  # written, found above
        labels = re.split(r"\s*\.\s*|\s+dot\s+", match.group("domain").lower())
        if labels[-1] not in _TOP_LEVEL:
            continue
        joined = _JOINED.search(match.group("local")) is not None
        start = match.start()
        if joined or labels[0] in _MAIL_PROVIDERS or _cue_near(_EMAIL_CUE, text, start, match.end(), preceding):
            # "my email is john smith at ...": an address has no spaces, so the words just after the cue are
            # the start of the local part that the transcript split up
            lead = _EMAIL_LEAD.search(text, max(0, start - 60), start)
            if lead is not None:
                start = lead.start("words")
            out.append(Detection(PIIKind.EMAIL, start, match.end(), "email.spoken"))
    return out


# --- street addresses and postcodes ------------------------------------------------------------

# suffixes that are rarely anything but a street, in any case; the weak ones ("way", "close", "drive")
# are ordinary words too, so they count only when the street name and suffix are capitalised
_STRONG_SUFFIXES = (
    "street|st|road|rd|avenue|ave|av|boulevard|blvd|lane|ln|crescent|cres|terrace|parkway|pkwy|highway|hwy"
    "|mews|gardens|gdns"
)
_STRONG_SUFFIX_SET = frozenset(_STRONG_SUFFIXES.split("|"))
_WEAK_SUFFIXES = "way|close|drive|dr|court|ct|place|pl|grove|square|sq|hill|walk|row|circle|cir|trail|parade|green"
_UNIT = r"(?:flat|apt\.?|apartment|unit|suite|ste\.?|\#)\s*\w{1,5}"
# the UK's postcode areas, and the letters an inward code can end with (never C, I, K, M, O, V), so that
# booking references ("H2A8OK") are not taken for postcodes
_UK_POSTCODE_AREAS = (
    "AB|AL|BA|BB|BD|BF|BH|BL|BN|BR|BS|BT|B|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL|DN|DT|DY|EC|EH|EN|EX|E"
    "|FK|FY|GL|GU|GY|G|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|JE|KA|KT|KW|KY|LA|LD|LE|LL|LN|LS|LU|L|ME|MK|ML|M|NE|NG"
    "|NN|NP|NR|NW|N|OL|OX|PA|PE|PH|PL|PO|PR|RG|RH|RM|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|S|TA|TD|TF|TN|TQ"
    "|TR|TS|TW|UB|WA|WC|WD|WF|WN|WR|WS|WV|W|YO|ZE"
)
_UK_POSTCODE = rf"(?:GIR[ ]?0AA|(?:{_UK_POSTCODE_AREAS})\d[A-Z\d]?[ ]?\d[ABD-HJLNP-UW-Z]{{2}})"
_US_STATE = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND"
    "|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_TOWN = r"[A-Z][a-z\u00df-\u00ff'’\-]+(?:\s+[A-Z][a-z\u00df-\u00ff'’\-]+){0,2}"
_ADDRESS = re.compile(
    rf"""
    (?<![\w£$€¥.,/:\-])
    (?:{_UNIT},?\s+)?
    (?P<number>\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?),?\s+
    (?P<name>(?:[^\W\d_][\w'’.\-]*\s+|\d{{1,3}}(?:st|nd|rd|th)\s+){{1,4}}?)
    (?P<suffix>{_STRONG_SUFFIXES}|{_WEAK_SUFFIXES})\b
    (?:\s+(?-i:N|S|E|W|NE|NW|SE|SW)\b)?
    (?:,?\s+{_UNIT}\b)?
    (?:,\s*(?-i:{_TOWN})|\s+(?-i:{_TOWN})(?=,?\s+(?:(?-i:(?:{_US_STATE})\s+\d{{5}})|{_UK_POSTCODE})))?
    (?:,?\s*(?:(?-i:(?:{_US_STATE})\s+)?\d{{5}}(?:-\d{{4}})?|{_UK_POSTCODE})(?!\w))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_STREET_STOPWORDS = _words(
    "a an the and or but of in on at to for from by with about into over under down up out off my your"
    " our his her their its this that these those it is was are were be been i you we he she they me us"
    " them there here then than so not no yes all some any each every more most other another such only"
    " own same too very just also times minutes hours days weeks months years people kids items doors"
    " agents calls pounds dollars euros different"
)
_POSTCODE_ALONE = re.compile(rf"(?<![\w\-])(?-i:{_UK_POSTCODE})(?![\w\-])")
_POSTCODE_CUE = re.compile(r"\b(?:post ?code|postal code|zip(?: ?code)?)\b", re.IGNORECASE)
# "zip" is a weak word on its own, so a code must follow its cue directly ("zip code: 94103", "postcode is m1 1ae")
_POSTCODE_CUE_JUST_BEFORE = re.compile(
    r"\b(?:post ?code|postal code|zip(?: ?code)?)[\s:,.\-]{0,3}(?:(?:is|was|it's|it is|of)\s+)?$", re.IGNORECASE
)
_POSTCODE_ANY_CASE = re.compile(
    rf"(?<![\w\-])(?:{_UK_POSTCODE}|\d{{5}}(?:-\d{{4}})?)(?![\w\-]|[.,:/]\d)", re.IGNORECASE
)
_CITY_STATE_ZIP = re.compile(rf"\b(?-i:{_TOWN}),\s*(?-i:{_US_STATE})\s+\d{{5}}(?:-\d{{4}})?(?![\w\-])")


def detect_addresses(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """Street addresses: a house number, a street name and a street suffix ("12 Baker Street", "350 Fifth
    Ave"), with a flat or apartment, town and UK postcode or US state and ZIP when they follow; full UK
    postcodes on their own ("SW1A 1AA"); postcodes and ZIP codes next to "postcode" or "zip"; "City, ST
    12345".

    Best-effort: addresses in free form ("the blue house past the church") and house numbers said as
    words ("twelve Baker Street") are not found.

    Examples
    --------
    >>> text = "I live at 221B Baker Street, London NW1 6XE."
    >>> [text[d.start : d.end] for d in detect_addresses(text)]  # the postcode alone too: redaction merges them
    ['221B Baker Street, London NW1 6XE', 'NW1 6XE']
    >>> detect_addresses("they left it 2 doors down the road")
    []
    """
    out: list[Detection] = []
    for match in _ADDRESS.finditer(text):
        words = match.group("name").split()
        if any(w.lower().strip(".,") in _STREET_STOPWORDS for w in words):
            continue
        suffix = match.group("suffix")
        if suffix.lower() not in _STRONG_SUFFIX_SET and not (
            suffix[0].isupper() and all(w[0].isupper() or w[0].isdigit() for w in words)
        ):
            continue
        out.append(Detection(PIIKind.ADDRESS, match.start(), match.end(), "address.street"))
    out.extend(
        Detection(PIIKind.ADDRESS, m.start(), m.end(), "address.postcode") for m in _POSTCODE_ALONE.finditer(text)
    )
    out.extend(Detection(PIIKind.ADDRESS, m.start(), m.end(), "address.zip") for m in _CITY_STATE_ZIP.finditer(text))
    if _mentions(_POSTCODE_CUE, text, preceding):
        for match in _POSTCODE_ANY_CASE.finditer(text):
            start = match.start()
            if _POSTCODE_CUE_JUST_BEFORE.search(text, max(0, start - 30), start) or _cue_near(
                _POSTCODE_CUE, text, start, match.end(), preceding, before=0, after=0
            ):
                out.append(Detection(PIIKind.ADDRESS, match.start(), match.end(), "address.postcode"))
    return out


# --- dates of birth ----------------------------------------------------------------------------

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_UNIT_WORD = "one|two|three|four|five|six|seven|eight|nine"
_TEEN = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_ORDINAL_UNIT = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
_ORDINAL = (
    rf"(?:(?:twenty|thirty)[\s\-](?:{_ORDINAL_UNIT})|{_ORDINAL_UNIT}|tenth|eleventh|twelfth|thirteenth|fourteenth"
    r"|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINAL})"
_YEAR_WORDS = (
    rf"(?:(?:nineteen|twenty)[\s\-](?:(?:oh|o)[\s\-](?:{_UNIT_WORD})|(?:{_TENS})(?:[\s\-](?:{_UNIT_WORD}))?|{_TEEN}"
    rf"|hundred)|two[\s\-]thousand(?:[\s\-]and)?(?:[\s\-](?:(?:{_TENS})(?:[\s\-](?:{_UNIT_WORD}))?|{_TEEN}|{_UNIT_WORD}))?)"
)
_YEAR = rf"(?:\d{{4}}|['’]\d{{2}}|{_YEAR_WORDS})"
_DATE = re.compile(
    rf"""
    (?<![\w.,/:\-])
    (?:
        \d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})
      | \d{{4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,2}}
      | (?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?
      | {_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+{_YEAR})?
      | {_MONTH},?\s+{_YEAR}
    )
    (?![\w]|[/.\-]\d)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DOB_CUE = re.compile(r"\b(?:date of birth|d\.?o\.?b\b\.?|birth ?date|born(?: on| in)?|birthday)", re.IGNORECASE)


def detect_dates_of_birth(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """Dates next to "date of birth", "DOB", "born on", "birthday" (or given in answer to a previous turn
    that asked for one): "14/07/1985", "1979-11-02", "22nd June 1971", "March 5, 1990", "the third of
    April nineteen eighty two". Other dates ("12/03/2026" for a delivery) are not redacted.

    Examples
    --------
    >>> [d.kind.name for d in detect_dates_of_birth("my date of birth is 14/07/1985")]
    ['DOB']
    >>> detect_dates_of_birth("the engineer comes on 14/07/2026")
    []
    """
    if not _mentions(_DOB_CUE, text, preceding):
        return []
    return [
        Detection(PIIKind.DOB, m.start(), m.end(), "dob.context")
        for m in _DATE.finditer(text)
        if _cue_near(_DOB_CUE, text, m.start(), m.end(), preceding)
    ]


# --- account numbers (off by default) ----------------------------------------------------------

_ACCOUNT_CUE = re.compile(
    r"\b(?:account(?: number| no\.?| num| #)?|acct\.?(?: no\.?| number| #)?|a/c(?: no\.?)?|sort code|iban"
    r"|member(?:ship)? (?:number|no\.?)|customer (?:number|no\.?|id)|policy (?:number|no\.?)|routing number)",
    re.IGNORECASE,
)
_IBAN = re.compile(r"(?<![\w\-])(?-i:[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![\w\-])")


def _iban_valid(value: str) -> bool:
    compact = value.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def detect_accounts(
    text: str, *, preceding: str | None = None, spoken: Sequence[DigitRun] | None = None
) -> list[Detection]:
    """Account numbers: 6–20 digits (written or spoken) next to "account number", "sort code", "policy
    number"..., and IBANs anywhere (mod-97 checked). Off in the default policy.

    Examples
    --------
    >>> [d.kind.name for d in detect_accounts("account number 4471-2290")]
    ['ACCOUNT']
    """
    out = [
        Detection(PIIKind.ACCOUNT, m.start(), m.end(), "account.iban")
        for m in _IBAN.finditer(text)
        if _iban_valid(m.group())
    ]
    if not _mentions(_ACCOUNT_CUE, text, preceding):
        return out
    for groups in _digit_chains(text):
        start, end = groups[0].start(), groups[-1].end()
        if 6 <= _digit_count(groups) <= 20 and _cue_near(_ACCOUNT_CUE, text, start, end, preceding):
            out.append(Detection(PIIKind.ACCOUNT, start, end, "account.context"))
    for run in normalise_spoken_digits(text) if spoken is None else spoken:
        if 6 <= len(run.digits) <= 20 and _cue_near(_ACCOUNT_CUE, text, run.start, run.end, preceding):
            out.append(Detection(PIIKind.ACCOUNT, run.start, run.end, "account.spoken"))
    return out


# --- redaction ---------------------------------------------------------------------------------

Detector = Callable[..., list[Detection]]

_DETECTORS: dict[PIIKind, Detector] = {
    PIIKind.CARD: detect_cards,
    PIIKind.CVV: detect_security_codes,
    PIIKind.SSN: detect_ssns,
    PIIKind.PHONE: detect_phone_numbers,
    PIIKind.EMAIL: detect_emails,
    PIIKind.ADDRESS: detect_addresses,
    PIIKind.DOB: detect_dates_of_birth,
    PIIKind.ACCOUNT: detect_accounts,
}
_DEFAULT_POLICY = RedactionPolicy()
_ANY_DIGIT = re.compile(r"\d")
_WITHOUT_DIGITS = frozenset({PIIKind.EMAIL, PIIKind.DOB})


@functools.lru_cache(maxsize=64)
def _kinds_in_order(policy: RedactionPolicy) -> tuple[PIIKind, ...]:
    return tuple(k for k in PIIKind if policy.enabled(k))


def resolve_overlaps(detections: Iterable[Detection], protected: Sequence[tuple[int, int]] = ()) -> list[Detection]:
    """Non-overlapping spans in text order: overlapping detections merge into one span (so no fragment of
    either survives) named by the longest, then the most specific kind (card, SSN, e-mail, security code,
    date of birth, phone, address, account); detections touching a ``protected`` span are dropped.

    Examples
    --------
    >>> found = [Detection(PIIKind.ACCOUNT, 8, 27, "a"), Detection(PIIKind.CARD, 8, 27, "c")]
    >>> [(d.kind.name, d.start, d.end) for d in resolve_overlaps(found)]
    [('CARD', 8, 27)]
    """
    ordered = sorted(protected)
    ends = [end for _, end in ordered]

    def touches_protected(d: Detection) -> bool:
        i = bisect.bisect_right(ends, d.start)  # the first protected span ending after d starts
        return i < len(ordered) and ordered[i][0] < d.end

    kept = [d for d in detections if d.end > d.start and not touches_protected(d)]
    kept.sort(key=lambda d: (d.start, -d.end))
    resolved: list[Detection] = []
    cluster: list[Detection] = []
    cluster_end = -1

    def flush() -> None:
        if cluster:
            best = min(cluster, key=lambda d: (-(d.end - d.start), _SPECIFICITY[d.kind]))
            resolved.append(Detection(best.kind, cluster[0].start, cluster_end, best.detector))

    for d in kept:
        if cluster and d.start < cluster_end:
            cluster.append(d)
            cluster_end = max(cluster_end, d.end)
        else:
            flush()
            cluster, cluster_end = [d], d.end
    flush()
    return resolved


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PLACEHOLDER.finditer(text)] if "[" in text else []


def redact_text(text: str, *, policy: RedactionPolicy | None = None, preceding: str | None = None) -> RedactionResult:
    """Replace the personal data in ``text`` by typed placeholders.

    Parameters
    ----------
    text
        One turn, message or e-mail.
    policy
        Which kinds to redact; the default redacts all but account numbers.
    preceding
        The text just before this one (the previous turn), if any: a number at the start of ``text``
        counts as a security code, date of birth, phone or account number when ``preceding`` ends by
        asking for one ("And the three digits on the back?" → "737").

    Returns
    -------
    RedactionResult
        The redacted text and the replaced spans (kinds and positions only). Redacting the result again
        changes nothing: placeholders are never redacted.

    Examples
    --------
    >>> redact_text("My card is 4111 1111 1111 1111, security code 123.").text
    'My card is [CARD], security code [CVV].'
    >>> redact_text("Order 4471-2290 cost £48.00 on 12/03/2026 at 10:30.").text
    'Order 4471-2290 cost £48.00 on 12/03/2026 at 10:30.'
    """
    policy = _DEFAULT_POLICY if policy is None else policy
    kinds = _kinds_in_order(policy)
    if not text or not kinds:
        return RedactionResult(text)
    spoken = normalise_spoken_digits(text)
    # most turns hold no digit, said or written: only e-mails and dates in words can be in them
    numbers = bool(spoken) or _ANY_DIGIT.search(text) is not None
    detections: list[Detection] = []
    for kind in kinds:
        if numbers or kind in _WITHOUT_DIGITS:
            detections.extend(_DETECTORS[kind](text, preceding=preceding, spoken=spoken))
    if not detections:
        return RedactionResult(text)
    pieces: list[str] = []
    spans: list[RedactedSpan] = []
    cursor = 0
    length = 0
    for d in resolve_overlaps(detections, _protected_spans(text)):
        pieces.append(text[cursor : d.start])
        length += d.start - cursor
        placeholder = d.kind.placeholder
        spans.append(RedactedSpan(d.kind, d.start, d.end, length, length + len(placeholder), d.detector))
        pieces.append(placeholder)
        length += len(placeholder)
        cursor = d.end
    pieces.append(text[cursor:])
    return RedactionResult("".join(pieces), tuple(spans))


def redact_conversation(
    convo: Conversation, *, policy: RedactionPolicy | None = None
) -> tuple[Conversation, RedactionReport]:
    """A copy of ``convo`` with personal data in every turn's text replaced by placeholders, and a report.

    Each turn is redacted with the (redacted) previous turn as context, so that an answer to "Can I take
    the security code?" is caught. The new conversation's ``metadata["redaction"]`` records the version,
    the kinds redacted and the counts by placeholder (``{"CARD": 2, "CVV": 1}``); redacting an already
    redacted conversation again adds to those and changes no text. ``convo`` is not modified.

    Examples
    --------
    >>> from warmline.model import Role
    >>> convo = Conversation("c1", (Turn(0, Role.AGENT, "And the security code?"), Turn(1, Role.CUSTOMER, "It's 737")))
    >>> redacted, report = redact_conversation(convo)
    >>> redacted.turns[1].text, redacted.metadata["redaction"]["counts"]
    ("It's [CVV]", {'CVV': 1})
    """
    policy = _DEFAULT_POLICY if policy is None else policy
    turns: list[Turn] = []
    reports: list[TurnRedaction] = []
    previous: str | None = None
    for turn in convo.turns:
        result = redact_text(turn.text, policy=policy, preceding=previous)
        turns.append(replace(turn, text=result.text, metadata=dict(turn.metadata)))
        if result.spans:
            reports.append(TurnRedaction(turn.index, result.spans))
        previous = result.text
    report = RedactionReport(convo.id, REDACTION_VERSION, policy.names, tuple(reports))
    metadata = dict(convo.metadata)
    metadata["redaction"] = _merged_record(convo.metadata.get("redaction"), policy, report.counts)
    return replace(convo, turns=tuple(turns), metadata=metadata), report


def _merged_record(earlier: Any, policy: RedactionPolicy, counts: Mapping[str, int]) -> dict[str, Any]:
    """The metadata record, adding to an earlier pass's counts and kinds so that redacting twice loses nothing."""
    total: Counter[str] = Counter(counts)
    kinds = set(policy.names)
    if isinstance(earlier, Mapping):
        earlier_counts = earlier.get("counts")
        if isinstance(earlier_counts, Mapping):
            total.update({str(k): int(v) for k, v in earlier_counts.items() if isinstance(v, int)})
        earlier_kinds = earlier.get("kinds")
        if isinstance(earlier_kinds, list | tuple):
            kinds.update(str(k) for k in earlier_kinds)
    return {
        "version": REDACTION_VERSION,
        "kinds": [k.value for k in PIIKind if k.value in kinds],
        "counts": {k.name: total[k.name] for k in PIIKind if total[k.name]},
    }
