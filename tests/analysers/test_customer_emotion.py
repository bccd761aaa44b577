"""The customer-emotion analyser: clear customer turns read right, valid outputs, batch == live, checked weights."""

from __future__ import annotations

import json
import math
import pickle
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from warmline.analysers import customer_emotion as ce
from warmline.analysers.base import create, registered
from warmline.analysers.customer_emotion import (
    LABELS,
    CustomerEmotionAnalyser,
    EmotionModel,
    classify_emotion,
    clean_text,
    lexicon_hits,
    vader_compound,
)
from warmline.analysers.embedding import EmbeddingAnalyser
from warmline.encoders import get_encoder
from warmline.errors import ModelError
from warmline.model import Annotation, Conversation, CustomerEmotion, Role, Turn, TurnEmbedding
from warmline.pipeline import Pipeline

# (customer turn, labels that count as read right, expected sign of the sentiment or 0 for "any")
CLEAR_CASES = [
    ("This is the third time I've called and it's STILL not fixed!", {"frustration", "anger"}, -1),
    ("I'm really worried someone has been using my card", {"anxiety"}, -1),
    ("My husband passed away last month and I need to close his account", {"sadness"}, -1),
    ("I don't understand what this charge is", {"confusion"}, 0),
    ("Thank you so much, that's sorted it", {"satisfaction"}, 1),
]

REFUND = Conversation(
    id="refund",
    turns=(
        Turn(0, Role.AGENT, "Thanks for contacting Northwind, how can I help?"),
        Turn(1, Role.CUSTOMER, "I've been waiting three weeks for my refund and nobody has called me back."),
        Turn(2, Role.AGENT, "I'm sorry about the wait, let me find out what happened."),
        Turn(3, Role.CUSTOMER, "@NorthwindHelp ok, thanks for looking https://t.co/abc123"),
        Turn(4, Role.BOT, "Your case number is 55120."),
        Turn(5, Role.CUSTOMER, "Brilliant, that's sorted it. Thank you!"),
    ),
)


def _emotions(found: Sequence[Annotation]) -> list[CustomerEmotion]:
    return [a for a in found if isinstance(a, CustomerEmotion)]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "expected", "sign"), CLEAR_CASES)
def test_customer_emotion_reads_clear_customer_turns(text: str, expected: set[str], sign: int) -> None:
    [result] = classify_emotion([text], [None])
    assert result.label in expected, (result.label, result.scores)
    if sign:
        assert math.copysign(1, result.sentiment) == sign and abs(result.sentiment) > 0.1, result.sentiment


@pytest.mark.slow
def test_customer_emotion_outputs_are_distributions_and_in_range() -> None:
    texts = [t for t, _, _ in CLEAR_CASES] + ["", "ok", "WHY IS THIS STILL BROKEN?!?!"]
    for r in classify_emotion(texts, [None] * len(texts)):
        assert list(r.scores) == list(LABELS)
        assert math.isclose(sum(r.scores.values()), 1.0, abs_tol=1e-5)
        assert all(0.0 <= p <= 1.0 for p in r.scores.values())
        assert r.label == max(r.scores, key=lambda k: r.scores[k])
        assert -1.0 <= r.sentiment <= 1.0
        assert 0.0 <= r.intensity <= 1.0


@pytest.mark.slow
def test_customer_emotion_intensity_rises_with_shouting() -> None:
    calm, loud = classify_emotion(["this is still not fixed", "THIS IS STILL NOT FIXED!!!"], [None, None])
    assert loud.intensity > calm.intensity


def test_customer_emotion_is_registered_with_its_contract() -> None:
    assert "warmline.customer_emotion.v1" in registered()
    analyser = create("warmline.customer_emotion.v1")
    assert analyser.name == "warmline.customer_emotion.v1"
    assert analyser.requires == ("embedding",)
    assert analyser.assigns == ("customer_emotion",)


@pytest.mark.slow
def test_customer_emotion_only_customer_turns_are_annotated() -> None:
    [found] = CustomerEmotionAnalyser().annotate([REFUND], [[]])
    emotions = _emotions(found)
    assert [a.turn_index for a in emotions] == [1, 3, 5]
    assert all(a.analyser == "warmline.customer_emotion.v1" for a in emotions)
    assert emotions[0].label in {"frustration", "anger"} and emotions[0].sentiment < 0
    assert emotions[2].label == "satisfaction" and emotions[2].sentiment > 0
    agent_turn = REFUND.turns[0]
    assert CustomerEmotionAnalyser().annotate_turn(agent_turn, REFUND.upto(0), []) == []


@pytest.mark.slow
def test_customer_emotion_batch_and_live_entry_points_agree() -> None:
    pipeline = Pipeline([CustomerEmotionAnalyser(), EmbeddingAnalyser()])
    [analysis] = pipeline.analyse([REFUND])
    batch = {a.turn_index: a for a in analysis.of_type(CustomerEmotion)}
    prior: list[Annotation] = []
    live: dict[int | None, CustomerEmotion] = {}
    for turn in REFUND.turns:
        new = pipeline.analyse_turn(turn, REFUND.upto(turn.index), prior)
        prior.extend(new)
        live.update({a.turn_index: a for a in _emotions(new)})
    standalone = {a.turn_index: a for a in _emotions(CustomerEmotionAnalyser().annotate([REFUND], [[]])[0])}
    assert batch.keys() == live.keys() == standalone.keys() == {1, 3, 5}
    for index, expected in batch.items():
        for other in (live[index], standalone[index]):
            assert other.label == expected.label
            for label in LABELS:
                assert other.scores[label] == pytest.approx(expected.scores[label], abs=1e-5)
            assert other.sentiment == pytest.approx(expected.sentiment, abs=1e-5)
            assert other.intensity == pytest.approx(expected.intensity, abs=1e-5)


@pytest.mark.slow
def test_customer_emotion_reuses_prior_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    turn = Turn(0, Role.CUSTOMER, "I'm really worried someone has been using my card")
    convo = Conversation(id="c", turns=(turn,))
    [vector] = get_encoder().encode([turn.text])
    prior = [
        TurnEmbedding(analyser="warmline.embedding.v1", turn_index=0, model=get_encoder().name, vector=tuple(vector))
    ]
    CustomerEmotionAnalyser().annotate([convo], [prior])  # loads the head before the encoder is stubbed

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the turn was encoded again although its embedding was in prior")

    monkeypatch.setattr(type(get_encoder()), "encode", refuse)
    [found] = CustomerEmotionAnalyser().annotate([convo], [prior])
    assert _emotions(found)[0].label == "anxiety"
    assert _emotions(CustomerEmotionAnalyser().annotate_turn(turn, convo.upto(0), prior))[0].label == "anxiety"


@pytest.mark.slow
def test_customer_emotion_is_deterministic_and_pickles() -> None:
    analyser = CustomerEmotionAnalyser()
    first = analyser.annotate([REFUND], [[]])
    restored = pickle.loads(pickle.dumps(analyser))
    assert restored.annotate([REFUND], [[]]) == first


def test_customer_emotion_classify_checks_context_length() -> None:
    with pytest.raises(ValueError, match="contexts"):
        classify_emotion(["a", "b"], [None])
    assert classify_emotion([], []) == []


def _copy_model(tmp_path: Path) -> Path:
    for name in ("customer_emotion.json", "customer_emotion.npz"):
        shutil.copy(ce.DEFAULT_MODEL_DIR / name, tmp_path / name)
    return tmp_path


def test_customer_emotion_sha256_mismatch_raises_model_error(tmp_path: Path) -> None:
    model_dir = _copy_model(tmp_path)
    weights = model_dir / "customer_emotion.npz"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256") as info:
        EmotionModel(model_dir=model_dir).predict(["hello"], np.zeros((1, 384), dtype=np.float32))
    assert info.value.path == str(weights)


def test_customer_emotion_missing_or_mislabelled_metadata_raises_model_error(tmp_path: Path) -> None:
    model_dir = _copy_model(tmp_path)
    meta_path = model_dir / "customer_emotion.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["labels"] = [*LABELS[:-1], "delight"]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="labels"):
        EmotionModel(model_dir=model_dir).load()
    meta_path.unlink()
    with pytest.raises(ModelError, match="missing"):
        EmotionModel(model_dir=model_dir).load()


def test_customer_emotion_shipped_metadata_matches_the_weights() -> None:
    meta = EmotionModel().load().metadata
    assert meta["labels"] == list(LABELS)
    assert meta["encoder"]["model_sha256"] == get_encoder().model_sha256
    assert 0.0 < meta["temperature"] < 10.0
    assert (ce.DEFAULT_MODEL_DIR / meta["file"]).stat().st_size < 5_000_000


def test_customer_emotion_clean_text_drops_handles_and_links() -> None:
    assert clean_text("@AskeBay why do I need to wait?? https://t.co/x1") == "why do I need to wait??"
    assert clean_text("email me at jo@example.com") == "email me at jo@example.com"
    plain = "Thanks,  that's   great"
    assert clean_text(plain) is plain


def test_customer_emotion_lexicon_longest_phrase_and_negation() -> None:
    assert lexicon_hits("I'm not happy, this is the third time") == [
        ("frustration", "not happy"),
        ("frustration", "third time"),
    ]
    assert lexicon_hits("I'm not worried about it") == []
    assert ("anxiety", "worried") in lexicon_hits("I’m worried about my card")


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        # reference compound scores from vaderSentiment 3.3.2 itself
        ("The book was good.", 0.4404),
        ("VADER is not smart, handsome, nor funny.", -0.7424),
        ("At least it isn't a horrible book.", 0.431),
        ("The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042),
        ("Today SUX!", -0.5461),
        ("Not bad at all", 0.431),
        ("Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875),
    ],
)
def test_customer_emotion_vader_port_matches_the_reference(text: str, reference: float) -> None:
    assert round(vader_compound(text), 4) == reference
