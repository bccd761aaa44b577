"""Turn statistics: words, characters and questions per turn (no model needed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from warmline.analysers.base import TurnByTurn, register
from warmline.model import Annotation, Conversation, Turn, TurnStats

_WORD = re.compile(r"\w+(?:['’]\w+)?")


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


@register("warmline.turn_stats.v1")
class TurnStatsAnalyser(TurnByTurn):
    """Counts words, characters and question marks in every turn."""

    name = "warmline.turn_stats.v1"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ("turn_stats",)
    uses_history = False

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        return [
            TurnStats(
                analyser=self.name,
                turn_index=turn.index,
                words=count_words(turn.text),
                characters=len(turn.text),
                questions=turn.text.count("?"),
            )
        ]
