"""The data-trained behaviour heads: clear cases score as expected, spans point at the evidence, files are checked."""

from __future__ import annotations

import itertools
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from warmline.behaviours.heads import (
    BEHAVIOURS,
    DEFAULT_MODEL_PATH,
    MAX_SENTENCES,
    BehaviourHeads,
    HeadResult,
    get_heads,
    split_sentences,
)
from warmline.errors import ModelError

BILLING = "I've been charged twice for my subscription this month"
PARAPHRASE = "So you were billed two times for the same month's subscription, is that right?"


def _by_name(results: list[HeadResult]) -> dict[str, HeadResult]:
    return {r.behaviour: r for r in results}


def _score(text: str, context: str | None = None) -> dict[str, HeadResult]:
    [results] = get_heads().predict([text], [context])
    return _by_name(results)


# --- sentences ---------------------------------------------------------------------------------


def test_split_sentences_spans_cover_each_sentence() -> None:
    text = "  Thanks for waiting.  I'm so sorry about this! What happened next?\nLet me check. "
    pieces = [text[s:e] for s, e in split_sentences(text)]
    assert pieces == ["Thanks for waiting.", "I'm so sorry about this!", "What happened next?", "Let me check."]


def test_split_sentences_keeps_abbreviations_and_initials_together() -> None:
    text = "Dr. Patel at the U.S. office will call, e.g. tomorrow at 3.30 pm. Is that okay?"
    pieces = [text[s:e] for s, e in split_sentences(text)]
    assert pieces == ["Dr. Patel at the U.S. office will call, e.g. tomorrow at 3.30 pm.", "Is that okay?"]


def test_split_sentences_joins_wordless_pieces_and_handles_empty_text() -> None:
    assert split_sentences("") == []
    assert split_sentences("   ") == []
    for text, expected in (
        ("Thanks so much! :)", ["Thanks so much! :)"]),
        ("Great. ... See you soon.", ["Great. ...", "See you soon."]),
        ("... okay", ["... okay"]),
    ):
        assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_split_sentences_groups_long_turns() -> None:
    text = " ".join(f"Sentence number {i}." for i in range(20))
    spans = split_sentences(text)
    assert len(spans) == MAX_SENTENCES
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


# --- clear cases -------------------------------------------------------------------------------


def test_heads_acknowledge_emotion_on_a_clear_case() -> None:
    scores = _score("That sounds incredibly stressful, I'm so sorry you've had to deal with this", BILLING)
    ack = scores["acknowledge_emotion"]
    assert ack.detected, ack
    neutral = _score("Your new card will arrive within five working days.", BILLING)["acknowledge_emotion"]
    assert neutral.probability < ack.probability
    assert not neutral.detected


def test_heads_paraphrase_depends_on_what_the_customer_said() -> None:
    matching = _score(PARAPHRASE, BILLING)["paraphrase"]
    unrelated = _score(PARAPHRASE, "My dog has been barking at the neighbours all week.")["paraphrase"]
    assert matching.detected, matching
    assert unrelated.probability < matching.probability


def test_heads_open_question_scores_open_above_closed() -> None:
    open_q = _score("What happened when you tried to log in?", "I can't get into my account.")["open_question"]
    closed_q = _score("Can you confirm your date of birth?", "I can't get into my account.")["open_question"]
    assert open_q.detected, open_q
    assert closed_q.probability < open_q.probability


def test_heads_span_points_at_the_sentence_that_shows_the_behaviour() -> None:
    text = "Thanks for waiting while I pulled up the account. I'm so sorry, that must have been really upsetting."
    scores = _score(text, "The engineer never turned up and I took the day off work for it.")
    start, end = scores["acknowledge_emotion"].span
    assert text[start:end] == "I'm so sorry, that must have been really upsetting."
    text = "Okay, I have your account open now. What happened when the engineer didn't arrive?"
    start, end = _score(text, "Nobody came to fix my broadband.")["open_question"].span
    assert text[start:end] == "What happened when the engineer didn't arrive?"


def test_heads_lean_mode_scores_whole_turns_and_still_points_at_a_sentence() -> None:
    text = "Thanks for waiting while I pulled up the account. I'm so sorry, that must have been really upsetting."
    context = "The engineer never turned up and I took the day off work for it."
    heads = get_heads()
    [lean] = heads.predict([text], [context], score_sentences=False)
    sentences = split_sentences(text)
    for r in lean:
        assert r.span in sentences
        assert 0.0 <= r.probability <= 1.0
    start, end = _by_name(lean)["acknowledge_emotion"].span
    assert text[start:end] == "I'm so sorry, that must have been really upsetting."
    # one sentence: lean and full mode are the same computation
    one = ["I'm so sorry to hear that."]
    assert heads.predict(one, [context], score_sentences=False) == heads.predict(one, [context])


# --- the contract ------------------------------------------------------------------------------


def test_heads_results_cover_every_behaviour_in_range_and_are_deterministic() -> None:
    texts = [
        "I completely understand how frustrating that is. Let me fix it right now.",
        "You could try resetting the router by holding the button for ten seconds.",
        "",
        "Our store opens at 9am on weekdays.",
    ]
    contexts: list[str | None] = [BILLING, "The internet keeps dropping.", None, None]
    heads = get_heads()
    first = heads.predict(texts, contexts)
    second = heads.predict(texts, contexts)
    assert first == second
    assert heads.behaviours == BEHAVIOURS
    for text, results in zip(texts, first, strict=True):
        assert [r.behaviour for r in results] == list(BEHAVIOURS)
        for r in results:
            assert 0.0 <= r.probability <= 1.0
            assert 0.0 < r.threshold < 1.0
            start, end = r.span
            assert 0 <= start <= end <= len(text)
    assert all(r.probability == 0.0 and r.span == (0, 0) for r in first[2])


def test_heads_batch_scores_match_one_at_a_time() -> None:
    texts = ["I'm so sorry to hear that.", "Have you tried turning it off and on again? It often helps."]
    contexts = [BILLING, None]
    heads = get_heads()
    together = heads.predict(texts, contexts)
    alone = [heads.predict([t], [c])[0] for t, c in zip(texts, contexts, strict=True)]
    for a, b in zip(together, alone, strict=True):
        assert [r.span for r in a] == [r.span for r in b]
        np.testing.assert_allclose([r.probability for r in a], [r.probability for r in b], atol=1e-5)


def test_heads_reuse_the_callers_turn_embeddings() -> None:
    from warmline.encoders import get_encoder

    texts = ["That must be so frustrating.", "I see. So the charge appeared twice after you cancelled?"]
    contexts = [BILLING, BILLING]
    encoder = get_encoder()
    given = get_heads().predict(
        texts, contexts, agent_embeddings=encoder.encode(texts), context_embeddings=encoder.encode(contexts)
    )
    computed = get_heads().predict(texts, contexts)
    for a, b in zip(given, computed, strict=True):
        np.testing.assert_allclose([r.probability for r in a], [r.probability for r in b], atol=1e-5)


def test_heads_reject_mismatched_inputs() -> None:
    heads = get_heads()
    with pytest.raises(ValueError, match="contexts"):
        heads.predict(["a", "b"], [None])
    with pytest.raises(ValueError, match="agent_embeddings"):
        heads.predict(["a"], [None], agent_embeddings=np.zeros((2, 384), dtype=np.float32))
    with pytest.raises(TypeError):
        heads.predict("a", [None])  # type: ignore[arg-type]
    assert heads.predict([], []) == []


def test_heads_pickle_without_their_weights() -> None:
    heads = BehaviourHeads().load()
    clone = pickle.loads(pickle.dumps(heads))
    assert clone.predict(["I'm sorry."], [None]) == heads.predict(["I'm sorry."], [None])


# --- the files ---------------------------------------------------------------------------------


def _copy_model(tmp_path: Path) -> Path:
    target = tmp_path / DEFAULT_MODEL_PATH.name
    shutil.copy(DEFAULT_MODEL_PATH, target)
    shutil.copy(DEFAULT_MODEL_PATH.with_suffix(".json"), target.with_suffix(".json"))
    return target


def test_heads_sha256_mismatch_raises_model_error(tmp_path: Path) -> None:
    path = _copy_model(tmp_path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    heads = BehaviourHeads(model_path=path)  # storing the path loads nothing
    with pytest.raises(ModelError, match="sha256") as caught:
        heads.predict(["I'm sorry."], [None])
    assert caught.value.path == str(path)


def test_heads_missing_files_raise_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing"):
        BehaviourHeads(model_path=tmp_path / "nowhere.npz").load()
    path = _copy_model(tmp_path)
    path.unlink()
    with pytest.raises(ModelError, match="missing"):
        BehaviourHeads(model_path=path).load()
