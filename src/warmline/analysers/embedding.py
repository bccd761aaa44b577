"""The shared turn embedding: every turn encoded once, for every model head that requires ``"embedding"``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from warmline.analysers.base import register
from warmline.encoders import SentenceEncoder, get_encoder
from warmline.model import Annotation, Conversation, Turn, TurnEmbedding


@register("warmline.embedding.v1")
class EmbeddingAnalyser:
    """Embeds every turn with the shared sentence encoder (all-MiniLM-L6-v2, int8 ONNX).

    Produces one ``TurnEmbedding`` per turn: an L2-normalised 384-dimensional vector. ``annotate``
    encodes all turns of all conversations in one call; ``annotate_turn`` encodes the new turn alone
    and gives the same vector.

    Parameters
    ----------
    model_dir
        Another encoder folder (with its ``encoder.json``); the shipped one by default.
    max_length
        Token limit per turn. With the defaults the process-wide shared encoder is used; other
        settings get a private encoder (loaded once per analyser).

    Examples
    --------
    >>> from warmline.model import Conversation, Role, Turn
    >>> convo = Conversation(id="c1", turns=(Turn(0, Role.CUSTOMER, "My bill is wrong again."),))
    >>> [emb] = EmbeddingAnalyser().annotate([convo], [[]])[0]
    >>> len(emb.vector)
    384
    """

    name = "warmline.embedding.v1"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("embedding",)

    def __init__(self, *, model_dir: str | Path | None = None, max_length: int = 128) -> None:
        self.model_dir = model_dir
        self.max_length = max_length

    @property
    def encoder(self) -> SentenceEncoder:
        shared = get_encoder()
        if self.model_dir is None and self.max_length == shared.max_length:
            return shared
        # a private encoder is cached on the instance; it pickles without its session
        cached: SentenceEncoder | None = self.__dict__.get("_encoder")
        if cached is None:
            cached = SentenceEncoder(model_dir=self.model_dir, max_length=self.max_length)
            self.__dict__["_encoder"] = cached
        return cached

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        enc = self.encoder
        [row] = enc.encode([turn.text])
        return [TurnEmbedding(analyser=self.name, turn_index=turn.index, model=enc.name, vector=tuple(row.tolist()))]

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        enc = self.encoder
        texts = [turn.text for convo in conversations for turn in convo.turns]
        vectors = enc.encode(texts).tolist()  # tolist gives Python floats, much faster than float() per value
        out: list[list[Annotation]] = []
        position = 0
        for convo in conversations:
            found: list[Annotation] = []
            for turn in convo.turns:
                found.append(
                    TurnEmbedding(
                        analyser=self.name, turn_index=turn.index, model=enc.name, vector=tuple(vectors[position])
                    )
                )
                position += 1
            out.append(found)
        return out
