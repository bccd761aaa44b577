"""Small text utilities shared by analysers: sentence spans and turning a customer's words into a paraphrase."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9£$€])|\n+")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "no.", "approx.")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``, whitespace trimmed; never empty for non-blank text.

    Examples
    --------
    >>> t = "I'm sorry. So the charge appeared twice? Let me fix that."
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ["I'm sorry.", 'So the charge appeared twice?', 'Let me fix that.']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        if text[start:end].lower().endswith(_ABBREVIATIONS):
            continue
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed


_SWAPS = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'll": "you'll",
    "i'd": "you'd",
    "am": "are",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "we're": "you're",
    "we've": "you've",
}
_WAS_AFTER_I = re.compile(r"\b(I|i)\s+was\b")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|no|well|look|listen|so|ok|okay|um|uh|honestly|seriously|but|and)\b[,!.\s]*)+",
    re.IGNORECASE,
)


def second_person(clause: str) -> str:
    """Turn a customer's first-person words into the agent's second person.

    Examples
    --------
    >>> second_person("I was charged twice for my subscription")
    'you were charged twice for your subscription'
    >>> second_person("I've been waiting three weeks and I'm fed up")
    "you've been waiting three weeks and you're fed up"
    """
    clause = _WAS_AFTER_I.sub("you were", clause)

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        key = word.lower().replace("’", "'")
        return _SWAPS.get(key, word)

    return _WORD.sub(swap, clause)


def paraphrase_core(customer_text: str, *, max_words: int = 22) -> str | None:
    """The customer's main point, in the second person, for an agent to reflect back; None if there is none.

    Picks the customer's sentence that speaks about themselves (I, my) with the most content, drops
    greetings and fillers, and keeps it short.

    Examples
    --------
    >>> paraphrase_core("Hi. I was charged twice for my broadband this month! This is ridiculous.")
    'you were charged twice for your broadband this month'
    """
    best: tuple[int, str] | None = None
    for a, b in sentence_spans(customer_text):
        sentence = _FILLER.sub("", customer_text[a:b]).strip().rstrip(".!?…").strip()
        words = sentence.split()
        if len(words) < 3:
            continue
        personal = sum(1 for w in words if w.lower().strip(",.") in ("i", "my", "me", "i'm", "i've", "we", "our", "us"))
        rank = personal * 10 + min(len(words), max_words)
        if best is None or rank > best[0]:
            best = (rank, sentence)
    if best is None:
        return None
    words = best[1].split()
    if len(words) > max_words:
        words = words[:max_words]
    core = second_person(" ".join(words)).rstrip(",;:")
    return core[:1].lower() + core[1:] if core[:2] != "I " else core
