"""Sentiment trajectory: start, end, lowest point, recovery, turning point, timeline."""

from __future__ import annotations

from warmline.model import Conversation, Role, SentimentTrajectory, Turn
from warmline.scoring.trajectory import SentimentTrajectoryAnalyser

from .helpers import emotion


def _convo(n: int) -> Conversation:
    roles = [Role.CUSTOMER if i % 2 == 0 else Role.AGENT for i in range(n)]
    return Conversation(id="t", turns=tuple(Turn(i, r, f"turn {i}", start=float(i * 5)) for i, r in enumerate(roles)))


def _trajectory(convo: Conversation, sentiments: list[float]) -> SentimentTrajectory:
    prior = [emotion(i * 2, "frustration" if s < 0 else "satisfaction", sentiment=s) for i, s in enumerate(sentiments)]
    (t,) = SentimentTrajectoryAnalyser().annotate([convo], [prior])[0]
    assert isinstance(t, SentimentTrajectory)
    return t


def test_trajectory_recovery_and_turning_point() -> None:
    t = _trajectory(_convo(10), [-0.3, -0.8, -0.6, 0.1, 0.7])
    assert (t.start, t.end, t.lowest, t.lowest_turn_index) == (-0.3, 0.7, -0.8, 2)
    assert t.recovery == 1.5
    assert t.turning_point_turn_index == 6  # first climb of ≥ 0.3 from the low that stays above it
    assert [p["turn_index"] for p in t.timeline] == [0, 2, 4, 6, 8]
    assert t.timeline[1]["start"] == 10.0 and t.timeline[1]["emotion"] == "frustration"


def test_trajectory_no_turning_point_when_it_never_recovers() -> None:
    t = _trajectory(_convo(8), [-0.2, -0.4, -0.1, -0.6])
    assert t.turning_point_turn_index is None
    assert t.recovery == 0.0 and t.end == -0.6


def test_trajectory_without_customer_emotions_is_empty() -> None:
    (t,) = SentimentTrajectoryAnalyser().annotate([_convo(2)], [[]])[0]
    assert isinstance(t, SentimentTrajectory) and t.start is None and t.timeline == ()
