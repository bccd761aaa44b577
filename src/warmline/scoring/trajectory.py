"""The customer's sentiment over the conversation: start, end, lowest point, recovery and turning point."""

from __future__ import annotations

from collections.abc import Sequence

from warmline.analysers.base import register
from warmline.model import Annotation, Conversation, CustomerEmotion, SentimentTrajectory, Turn


def trajectory_of(
    emotions: Sequence[CustomerEmotion], convo: Conversation, *, analyser: str, min_rise: float
) -> SentimentTrajectory:
    """The trajectory of the customer's turns' emotions, in turn order.

    The turning point is the customer turn after the lowest point from which sentiment rose by at
    least ``min_rise`` and stayed above the low, the moment the conversation turned around.
    """
    series = sorted(emotions, key=lambda e: e.turn_index or 0)
    if not series:
        return SentimentTrajectory(analyser=analyser, turn_index=None)
    starts = {t.index: t.start for t in convo.turns}
    timeline = tuple(
        {
            "turn_index": e.turn_index,
            "start": starts.get(e.turn_index or 0),
            "sentiment": round(e.sentiment, 4),
            "emotion": e.label,
            "intensity": round(e.intensity, 4),
        }
        for e in series
    )
    values = [e.sentiment for e in series]
    low_pos = min(range(len(values)), key=lambda i: (values[i], i))
    low = values[low_pos]
    turning: int | None = None
    for pos in range(low_pos + 1, len(values)):
        if values[pos] - low >= min_rise and all(v > low for v in values[pos:]):
            turning = series[pos].turn_index
            break
    return SentimentTrajectory(
        analyser=analyser,
        turn_index=None,
        start=round(values[0], 4),
        end=round(values[-1], 4),
        lowest=round(low, 4),
        lowest_turn_index=series[low_pos].turn_index,
        recovery=round(values[-1] - low, 4),
        turning_point_turn_index=turning,
        timeline=timeline,
    )


@register("warmline.sentiment_trajectory.v1")
class SentimentTrajectoryAnalyser:
    """Where the customer's sentiment went, with an emotion timeline (conversation level).

    Parameters
    ----------
    min_rise:
        how far sentiment must climb from its lowest point to mark a turning point.
    """

    name = "warmline.sentiment_trajectory.v1"
    requires: tuple[str, ...] = ("customer_emotion",)
    assigns: tuple[str, ...] = ("sentiment_trajectory",)

    def __init__(self, *, min_rise: float = 0.3) -> None:
        self.min_rise = min_rise

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        return [[self._of(convo, found)] for convo, found in zip(conversations, prior, strict=True)]

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        return [self._of(history.with_turn(turn), prior)]

    def _of(self, convo: Conversation, found: Sequence[Annotation]) -> SentimentTrajectory:
        emotions = [a for a in found if isinstance(a, CustomerEmotion)]
        return trajectory_of(emotions, convo, analyser=self.name, min_rise=self.min_rise)
