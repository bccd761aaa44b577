"""Agent-behaviour training data: EPITOME and ESConv turns, with their customer context, as warmline behaviours.

Label mapping (see docs/models/behaviour_heads.md):

- ``acknowledge_emotion``: EPITOME emotional_reactions level >= 1.
- ``paraphrase``: EPITOME interpretations level >= 1; ESConv "Restatement or Paraphrasing" and
  "Reflection of feelings".
- ``open_question``: EPITOME explorations level >= 1; ESConv "Question" turns whose question is
  open-form by ``is_open_question`` (closed yes/no questions count as negatives).
- ``reassurance``, ``self_disclosure``, ``suggestion``, ``information``: the ESConv strategies
  "Affirmation and Reassurance", "Self-disclosure", "Providing Suggestions", "Information".

An ESConv supporter turn is labelled for every ESConv behaviour (its one strategy is positive, the
others negative); an EPITOME row only for its own mechanism. The context of an agent turn is the
customer's words just before it (EPITOME: the seeker post; ESConv: the seeker's last run of turns).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from warmline.behaviours.heads import split_sentences

DATA = Path("/work/shared/data")

EPITOME_FILES = {
    "acknowledge_emotion": "emotional_reactions",
    "paraphrase": "interpretations",
    "open_question": "explorations",
}

ESCONV_STRATEGIES = {
    "paraphrase": ("Restatement or Paraphrasing", "Reflection of feelings"),
    "open_question": ("Question",),
    "reassurance": ("Affirmation and Reassurance",),
    "self_disclosure": ("Self-disclosure",),
    "suggestion": ("Providing Suggestions",),
    "information": ("Information",),
}

# ESConv's "Reflection of feelings" names the seeker's feelings ("it sounds like you're feeling
# anxious"): acknowledging emotion as warmline's catalogue defines it, which EPITOME files partly
# under interpretations rather than emotional reactions. Supporter turns of strategies that carry
# no acknowledgement are its negatives; reassurance, restatement and "Others" turns are left
# unlabelled because they often hold an "I'm so sorry" that EPITOME counts as an emotional reaction.
ACK_POSITIVE = ("Reflection of feelings",)
ACK_NEGATIVE = ("Question", "Providing Suggestions", "Information", "Self-disclosure")

# failed_esconv.json spells a few strategies differently
FAILED_SPELLINGS = {
    "Questions": "Question",
    "Restatement": "Restatement or Paraphrasing",
    "Other": "Others",
}

#: Customer turns kept as the context of an agent turn (the seeker's last run of turns).
CONTEXT_TURNS = 3


@dataclass
class Example:
    """One agent turn with its customer context and the behaviours it is labelled for."""

    text: str
    context: str | None
    source: str  # "epitome" | "esconv" | "esconv_failed" | "handwritten"
    split: str  # "train" | "dev"
    group: str  # rows sharing a group never cross cross-validation folds
    labels: dict[str, int] = field(default_factory=dict)
    rationales: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    level: int | None = None  # EPITOME level of the one mechanism it is labelled for
    strategy: str | None = None  # ESConv strategy
    is_question: bool = False  # ESConv "Question", open or closed
    weight: float = 1.0


# --- open and closed questions ---------------------------------------------------------------

_WH = frozenset(
    [
        "how",
        "what",
        "why",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "what's",
        "whats",
        "how's",
        "hows",
        "why's",
        "where's",
        "who's",
    ]
)
_AUX = frozenset(
    [
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "am",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "will",
        "should",
        "may",
        "might",
        "shall",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "haven't",
        "hasn't",
        "won't",
        "wouldn't",
        "can't",
        "couldn't",
        "shouldn't",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "havent",
        "wont",
        "wouldnt",
        "cant",
        "couldnt",
    ]
)
# "can you tell me more", "would you like to talk about it": yes/no in form, open in function
_INVITE = frozenset(["tell", "describe", "explain", "share", "talk", "elaborate", "expand", "walk", "say", "discuss"])
_WORD = re.compile(r"[a-z']+")


def is_open_question(text: str) -> bool:
    """Whether a turn asks an open question (what/how/why..., or an invitation to tell more).

    Looks at each sentence ending in "?" (or the first sentence when none does): the first
    interrogative word decides — a wh-word is open, an auxiliary ("do", "is", "can"...) is closed
    unless an invitation verb ("tell", "describe", "share"...) follows within eight words; a
    sentence with neither (declarative "You mean your boss?", "Anything else?") is closed.
    """
    spans = split_sentences(text)
    questions = [text[s:e] for s, e in spans if text[s:e].rstrip().endswith("?")]
    if not questions and spans:
        questions = [text[spans[0][0] : spans[0][1]]]
    return any(_open_form(q) for q in questions)


def _open_form(sentence: str) -> bool:
    words = _WORD.findall(sentence.lower().replace("\u2019", "'"))
    for i, w in enumerate(words):
        if w in _WH:
            return True
        if w in _AUX:
            after = words[i + 1 : i + 9]
            return any(
                x in _INVITE or (x == "go" and nxt in ("into", "over"))
                for x, nxt in zip(after, [*after[1:], ""], strict=False)
            )
        if w in _INVITE and i <= 2:  # "tell me more about...", "please describe..."
            return True
    return False


# --- EPITOME -----------------------------------------------------------------------------------


def _locate(text: str, rationale: str) -> tuple[int, int] | None:
    rationale = rationale.strip()
    if len(rationale) < 3:
        return None
    at = text.find(rationale)
    if at < 0:
        at = text.lower().find(rationale.lower())
    if at < 0:
        return None
    return at, at + len(rationale)


def load_epitome(split: str) -> Iterator[Example]:
    """EPITOME rows of ``split`` ("train" or "dev"), one example per (mechanism file, row)."""
    for behaviour, stem in EPITOME_FILES.items():
        path = DATA / "epitome" / f"{stem}.{split}.csv"
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                text = row["response_post"]
                level = int(row["level"])
                spans = [s for r in (row["rationales"] or "").split("|") if (s := _locate(text, r))]
                yield Example(
                    text=text,
                    context=row["seeker_post"].strip() or None,
                    source="epitome",
                    split=split,
                    group=f"epitome:{row['sp_id']}",
                    labels={behaviour: int(level >= 1)},
                    rationales={behaviour: spans} if spans else {},
                    level=level,
                )


# --- ESConv ------------------------------------------------------------------------------------


def _esconv_examples(dialog: list[dict[str, str]], *, source: str, split: str, group: str) -> Iterator[Example]:
    customer_run: list[str] = []
    last_speaker = ""
    for turn in dialog:
        text = turn["text"].strip()
        if turn["speaker"] == "usr":
            if last_speaker != "usr":
                customer_run = []
            customer_run.append(text)
        elif turn["speaker"] == "sys" and text:
            strategy = turn.get("strategy") or "Others"
            labels = {b: int(strategy in names) for b, names in ESCONV_STRATEGIES.items()}
            if labels["open_question"]:
                labels["open_question"] = int(is_open_question(text))
            if strategy in ACK_POSITIVE:
                labels["acknowledge_emotion"] = 1
            elif strategy in ACK_NEGATIVE:
                labels["acknowledge_emotion"] = 0
            context = " ".join(customer_run[-CONTEXT_TURNS:]) or None
            yield Example(
                text=text,
                context=context,
                source=source,
                split=split,
                group=group,
                labels=labels,
                strategy=strategy,
                is_question=strategy == "Question",
            )
        last_speaker = turn["speaker"]


def load_esconv(split: str) -> Iterator[Example]:
    """ESConv supporter turns of ``split`` ("train" or "valid"; reported as "dev")."""
    path = DATA / "esconv" / f"{split}.jsonl"
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            dialog = json.loads(line)["dialog"]
            yield from _esconv_examples(
                dialog, source="esconv", split="train" if split == "train" else "dev", group=f"esconv:{split}:{n}"
            )


def load_esconv_failed() -> Iterator[Example]:
    """The dialogues that failed ESConv's quality bar (noisier; used only if it helps on dev)."""
    data = json.loads((DATA / "esconv" / "failed_esconv.json").read_text(encoding="utf-8"))
    for n, convo in enumerate(data):
        dialog = []
        for turn in convo["dialog"]:
            speaker = "usr" if turn["speaker"] == "speaker" else "sys"
            strategy = (turn.get("annotation") or {}).get("strategy")
            entry = {"speaker": speaker, "text": turn.get("content", "")}
            if strategy:
                entry["strategy"] = FAILED_SPELLINGS.get(strategy, strategy)
            dialog.append(entry)
        yield from _esconv_examples(dialog, source="esconv_failed", split="train", group=f"esconv_failed:{n}")


#: Hand-written customer-service questions (by the warmline authors, not annotated data): closed
#: questions that check a fact or ask permission are not the open questions that explore the
#: customer's experience. None of them is a test sentence.
HANDWRITTEN_CLOSED = (
    "Is the address on the account still 14 Elm Street?",
    "Did the payment go through on your end?",
    "Are you calling about the order that shipped on Monday?",
    "Do you still have the original receipt?",
    "Have you already tried restarting the router?",
    "Would you like me to send the refund to the same card?",
    "Is this the best number to reach you on?",
    "Can I place you on a brief hold?",
    "Shall I go ahead and cancel the second order?",
    "Was the parcel left with a neighbour?",
    "Is the error message still showing?",
    "Do you want the replacement sent by express delivery?",
    "Could you read me the last four digits of the card?",
    "Are you the account holder?",
    "Has the technician visited yet?",
    "Is there anything else I can help with today?",
    "Would Tuesday morning work for the appointment?",
    "Did you receive the confirmation email?",
    "Can you spell your surname for me?",
    "Is the meter number 5521?",
    "Are you still seeing the same balance?",
    "Do you have the order reference handy?",
)
HANDWRITTEN_OPEN = (
    "What happened after the engineer left?",
    "How has the delay affected your plans?",
    "Can you tell me more about what the error says?",
    "What would a good outcome look like for you?",
    "How did the charge show up on your statement?",
    "What have you tried so far?",
    "Could you walk me through what you see on the screen?",
    "Why do you think the package was returned?",
    "What's been the most frustrating part of this for you?",
    "How can I make this right for you?",
    "Tell me a bit more about when the noise started.",
    "What changed after the last update?",
    "How are things going with the new plan so far?",
    "What would you like us to do about the missing item?",
    "Where did you first notice the leak?",
    "How has this been for you since the outage?",
)
#: Weight of a hand-written row relative to a data row.
HANDWRITTEN_WEIGHT = 3.0


def load_handwritten() -> Iterator[Example]:
    """The hand-written open and closed customer-service questions, labelled for open_question only."""
    for n, (text, label) in enumerate([(t, 0) for t in HANDWRITTEN_CLOSED] + [(t, 1) for t in HANDWRITTEN_OPEN]):
        yield Example(
            text=text,
            context=None,
            source="handwritten",
            split="train",
            group=f"handwritten:{n}",
            labels={"open_question": label},
            weight=HANDWRITTEN_WEIGHT,
        )


def sentence_labels(example: Example, behaviour: str) -> list[tuple[tuple[int, int], int]] | None:
    """Per-sentence labels of an EPITOME response from its rationales, or None where they are unknown.

    A sentence is positive when it holds at least half of a rationale span (or half of the sentence is
    rationale). Level-0 responses have every sentence negative; a positive response whose rationale
    cannot be located yields None.
    """
    if example.level is None or behaviour not in example.labels:
        return None
    spans = split_sentences(example.text)
    if example.labels[behaviour] == 0:
        return [(s, 0) for s in spans]
    rationales = example.rationales.get(behaviour)
    if not rationales:
        return None
    out = []
    for s, e in spans:
        hit = 0
        for rs, re_ in rationales:
            overlap = min(e, re_) - max(s, rs)
            if overlap > 0 and (overlap >= 0.5 * (re_ - rs) or overlap >= 0.5 * (e - s)):
                hit = 1
        out.append(((s, e), hit))
    return out
