"""The embedding analyser: one shared TurnEmbedding per turn, the same from the batch and the live entry point."""

from __future__ import annotations

import pickle

import numpy as np

from warmline.analysers.base import create, registered
from warmline.analysers.embedding import EmbeddingAnalyser
from warmline.encoders import get_encoder
from warmline.model import Analysis, Conversation, Role, Turn, TurnEmbedding

BILLING = Conversation(
    id="billing",
    turns=(
        Turn(0, Role.CUSTOMER, "Why was I charged twice this month?"),
        Turn(1, Role.AGENT, "I'm sorry about that, let me look into it."),
        Turn(2, Role.CUSTOMER, ""),
        Turn(3, Role.AGENT, "I've refunded the second charge; it will show in three to five days."),
    ),
)
DELIVERY = Conversation(
    id="delivery",
    turns=(
        Turn(0, Role.CUSTOMER, "My parcel says delivered but it isn't here."),
        Turn(1, Role.AGENT, "That's really frustrating, I'll open a trace with the courier."),
    ),
)


def test_embedding_is_registered_with_its_contract() -> None:
    assert "warmline.embedding.v1" in registered()
    analyser = create("warmline.embedding.v1")
    assert analyser.name == "warmline.embedding.v1"
    assert analyser.requires == ()
    assert analyser.assigns == ("embedding",)


def test_embedding_one_vector_per_turn_in_turn_order() -> None:
    results = EmbeddingAnalyser().annotate([BILLING, DELIVERY], [[], []])
    assert len(results) == 2
    for convo, found in zip([BILLING, DELIVERY], results, strict=True):
        assert [a.turn_index for a in found] == [t.index for t in convo.turns]
        for a in found:
            assert isinstance(a, TurnEmbedding)
            assert a.analyser == "warmline.embedding.v1"
            assert a.model == get_encoder().name
            assert len(a.vector) == 384
            assert all(type(x) is float for x in a.vector)
            assert abs(float(np.linalg.norm(a.vector)) - 1.0) < 1e-5


def test_embedding_batch_and_turn_entry_points_agree() -> None:
    analyser = EmbeddingAnalyser()
    [batch] = analyser.annotate([BILLING], [[]])
    for turn, from_batch in zip(BILLING.turns, batch, strict=True):
        [live] = analyser.annotate_turn(turn, BILLING.upto(turn.index), [])
        assert isinstance(live, TurnEmbedding) and isinstance(from_batch, TurnEmbedding)
        assert live.turn_index == turn.index
        np.testing.assert_allclose(live.vector, from_batch.vector, atol=1e-5)


def test_embedding_vectors_match_the_encoder() -> None:
    [found] = EmbeddingAnalyser().annotate([DELIVERY], [[]])
    expected = get_encoder().encode([t.text for t in DELIVERY.turns])
    got = np.array([a.vector for a in found if isinstance(a, TurnEmbedding)])
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_embedding_empty_inputs() -> None:
    analyser = EmbeddingAnalyser()
    assert analyser.annotate([], []) == []
    assert analyser.annotate([Conversation(id="empty")], [[]]) == [[]]


def test_embedding_analyser_pickles_and_still_works() -> None:
    analyser = EmbeddingAnalyser(max_length=64)
    before = analyser.annotate([DELIVERY], [[]])
    restored = pickle.loads(pickle.dumps(analyser))
    assert restored.max_length == 64
    after = restored.annotate([DELIVERY], [[]])
    for a, b in zip(before[0], after[0], strict=True):
        assert isinstance(a, TurnEmbedding) and isinstance(b, TurnEmbedding)
        np.testing.assert_allclose(a.vector, b.vector, atol=1e-6)


def test_embedding_left_out_of_json_unless_asked() -> None:
    [found] = EmbeddingAnalyser().annotate([DELIVERY], [[]])
    analysis = Analysis(DELIVERY, tuple(found))
    assert all(t["annotations"] == [] for t in analysis.to_dict()["turns"])
    with_vectors = analysis.to_dict(include_embeddings=True)
    [first] = with_vectors["turns"][0]["annotations"]
    assert first["type"] == "embedding" and len(first["vector"]) == 384
