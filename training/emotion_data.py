"""Loaders and label maps for the customer-emotion training data (GoEmotions, MELD, TweetSumm, ESConv).

Training-time only: warmline never imports this module, and nothing here is read at run time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

#: warmline's customer-emotion labels, in the order of the shipped head's outputs.
LABELS: tuple[str, ...] = ("neutral", "frustration", "anger", "anxiety", "sadness", "confusion", "satisfaction")

#: GoEmotions label -> warmline label, with the reason (copied into the model card). ``None`` means
#: the label has no customer-service counterpart: a row carrying only such labels is left out.
GOEMOTIONS_MAP: dict[str, tuple[str | None, str]] = {
    "neutral": ("neutral", "no emotion expressed"),
    "realization": (
        "neutral",
        "noticing or finding out ('oh, I see now'): a statement of fact, not a feeling to act on",
    ),
    "curiosity": (
        "neutral",
        "an interested question; most customer questions are plain information seeking, and flagging every "
        "question as confusion would trigger clarification nudges on ordinary requests",
    ),
    "annoyance": ("frustration", "mild irritation at something not working: the classic frustrated customer"),
    "disapproval": ("frustration", "'that's not right', 'this shouldn't happen': objecting to how things are going"),
    "disappointment": (
        "frustration",
        "an unmet expectation ('still hasn't been fixed'); in service the agent's answer is to own and fix it, as for "
        "frustration, not the condolence that sadness calls for (GoEmotions' Ekman grouping puts it under sadness)",
    ),
    "anger": ("anger", "anger proper"),
    "disgust": ("anger", "'this is disgusting service': hostile rejection, handled as anger in service"),
    "fear": ("anxiety", "fear of harm or loss ('someone is using my card')"),
    "nervousness": ("anxiety", "worry and unease"),
    "embarrassment": (
        "anxiety",
        "self-conscious discomfort ('embarrassing, my card was declined'); the agent's answer is reassurance",
    ),
    "sadness": ("sadness", "sadness proper"),
    "grief": ("sadness", "loss, bereavement ('my husband passed away')"),
    "remorse": ("sadness", "regret and apology; Ekman grouping puts it under sadness"),
    "confusion": ("confusion", "not understanding ('I don't understand this charge')"),
    "gratitude": ("satisfaction", "thanks: the clearest satisfied-customer signal"),
    "joy": ("satisfaction", "happiness"),
    "approval": ("satisfaction", "agreement, 'that works', 'great'"),
    "admiration": ("satisfaction", "praise ('you've been brilliant')"),
    "relief": ("satisfaction", "'phew, that's sorted': a resolved worry"),
    "love": ("satisfaction", "strong positive regard ('love this service')"),
    "optimism": ("satisfaction", "hope that it will work out"),
    "amusement": ("satisfaction", "laughing along ('haha')"),
    "excitement": ("satisfaction", "eagerness, enthusiasm"),
    "pride": ("satisfaction", "positive self-regard"),
    "caring": ("satisfaction", "warmth towards others ('take care', 'hope your day gets better')"),
    "surprise": (None, "valence-ambiguous ('wow, great' vs 'shockingly bad'): no single customer-service class"),
    "desire": (None, "wanting or wishing: valence-ambiguous ('I wish it worked' vs 'I'd love one')"),
}

#: GoEmotions' own Ekman grouping (Demszky et al. 2020, ``ekman_mapping.json``); neutral stays neutral.
EKMAN_MAP: dict[str, str] = {
    **dict.fromkeys(["anger", "annoyance", "disapproval"], "anger"),
    "disgust": "disgust",
    **dict.fromkeys(["fear", "nervousness"], "fear"),
    **dict.fromkeys(
        [
            "joy",
            "amusement",
            "approval",
            "excitement",
            "gratitude",
            "love",
            "optimism",
            "relief",
            "pride",
            "admiration",
            "desire",
            "caring",
        ],
        "joy",
    ),
    **dict.fromkeys(["sadness", "disappointment", "embarrassment", "grief", "remorse"], "sadness"),
    **dict.fromkeys(["surprise", "realization", "confusion", "curiosity"], "surprise"),
    "neutral": "neutral",
}
EKMAN_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")

#: GoEmotions' sentiment grouping; ambiguous labels (surprise, realization, confusion, curiosity) count as
#: neutral for warmline's three-way sentiment.
SENTIMENT_OF_GOEMOTION: dict[str, int] = {
    **dict.fromkeys(
        [
            "amusement",
            "excitement",
            "joy",
            "love",
            "desire",
            "optimism",
            "caring",
            "pride",
            "admiration",
            "gratitude",
            "relief",
            "approval",
        ],
        1,
    ),
    **dict.fromkeys(
        [
            "fear",
            "nervousness",
            "remorse",
            "embarrassment",
            "disappointment",
            "sadness",
            "grief",
            "disgust",
            "anger",
            "annoyance",
            "disapproval",
        ],
        -1,
    ),
    **dict.fromkeys(["realization", "surprise", "curiosity", "confusion", "neutral"], 0),
}

MELD_LABELS: tuple[str, ...] = ("neutral", "anger", "disgust", "fear", "joy", "sadness", "surprise")
MELD_SENTIMENT: dict[str, int] = {"negative": -1, "neutral": 0, "positive": 1}


@dataclass(frozen=True)
class GoEmotionsSplit:
    """One GoEmotions split: texts and their raw label names (multi-label)."""

    texts: list[str]
    labels: list[list[str]]

    def ours(self) -> np.ndarray:
        """Soft targets over ``LABELS`` (rows sum to 1, or 0 where no label maps)."""
        out = np.zeros((len(self.texts), len(LABELS)), dtype=np.float64)
        for i, names in enumerate(self.labels):
            mapped = {GOEMOTIONS_MAP[n][0] for n in names} - {None}
            for m in mapped:
                assert m is not None
                out[i, LABELS.index(m)] = 1.0 / len(mapped)
        return out

    def multi_hot(self, labels: Sequence[str], mapping: dict[str, str] | None = None) -> np.ndarray:
        """Multi-hot targets over ``labels`` (the 28 raw names, or a grouping through ``mapping``)."""
        out = np.zeros((len(self.texts), len(labels)), dtype=np.int8)
        for i, names in enumerate(self.labels):
            for n in names:
                out[i, labels.index(mapping[n] if mapping else n)] = 1
        return out

    def sentiment(self) -> np.ndarray:
        """-1/0/+1 per row from GoEmotions' sentiment grouping; mixed positive and negative rows are 0."""
        out = np.zeros(len(self.texts), dtype=np.int64)
        for i, names in enumerate(self.labels):
            signs = {SENTIMENT_OF_GOEMOTION[n] for n in names} - {0}
            out[i] = signs.pop() if len(signs) == 1 else 0
        return out


def goemotion_names() -> list[str]:
    return (DATA / "goemotions" / "emotions.txt").read_text(encoding="utf-8").split()


def load_goemotions(split: str) -> GoEmotionsSplit:
    names = goemotion_names()
    texts: list[str] = []
    labels: list[list[str]] = []
    with (DATA / "goemotions" / f"{split}.tsv").open(encoding="utf-8") as f:
        for line in f:
            text, ids, _ = line.rstrip("\n").split("\t")
            texts.append(text)
            labels.append([names[int(i)] for i in ids.split(",")])
    return GoEmotionsSplit(texts, labels)


@dataclass(frozen=True)
class MeldSplit:
    """MELD utterances in dialogue order, each with the previous utterance of its dialogue (or None)."""

    texts: list[str]
    contexts: list[str | None]
    emotions: list[str]
    sentiments: list[int]
    dialogues: list[int]


def load_meld(split: str) -> MeldSplit:
    rows: list[tuple[int, int, str, str, str]] = []
    with (DATA / "meld" / f"{split}_sent_emo.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows.append(
                (int(r["Dialogue_ID"]), int(r["Utterance_ID"]), r["Utterance"].strip(), r["Emotion"], r["Sentiment"])
            )
    rows.sort(key=lambda r: (r[0], r[1]))
    texts, contexts, emotions, sentiments, dialogues = [], [], [], [], []
    prev_dialogue, prev_text = -1, None
    for dialogue, _, text, emotion, sentiment in rows:
        contexts.append(prev_text if dialogue == prev_dialogue else None)
        texts.append(text)
        emotions.append(emotion)
        sentiments.append(MELD_SENTIMENT[sentiment])
        dialogues.append(dialogue)
        prev_dialogue, prev_text = dialogue, text
    return MeldSplit(texts, contexts, emotions, sentiments, dialogues)


@dataclass(frozen=True)
class TweetSummDialogue:
    """One TweetSumm support conversation: (role, text) turns and the hand label ``is_negative``."""

    dialog_id: str
    turns: list[tuple[str, str]]
    is_negative: int


def load_tweetsumm() -> list[TweetSummDialogue]:
    out: list[TweetSummDialogue] = []
    with (DATA / "tweetsumm" / "dialogs.train.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            turns: list[tuple[str, str]] = []
            for line in r["text"].split("\n"):
                parts = line.split("\t")
                if len(parts) >= 3 and parts[1].rstrip(":") in ("Customer", "Agent"):
                    turns.append((parts[1].rstrip(":").lower(), "\t".join(parts[2:]).strip()))
            out.append(TweetSummDialogue(r["dialog_id"], turns, int(r["is_negative"])))
    return out


@dataclass(frozen=True)
class EsconvDialogue:
    """One ESConv conversation: seeker turns and the seeker's own initial emotion intensity (1-5)."""

    seeker_turns: list[str]
    initial_intensity: float


def load_esconv(split: str = "valid") -> list[EsconvDialogue]:
    out: list[EsconvDialogue] = []
    with (DATA / "esconv" / f"{split}.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            seeker = [t["text"].strip() for t in d["dialog"] if t["speaker"] == "usr"]
            try:
                intensity = float(d["survey_score"]["seeker"]["initial_emotion_intensity"])
            except (KeyError, TypeError, ValueError):
                continue
            if seeker:
                out.append(EsconvDialogue(seeker, intensity))
    return out
