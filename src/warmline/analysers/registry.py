"""Imports every built-in analyser module once, so each registers itself (one place, no import cycles)."""

from warmline.analysers import (  # noqa: F401
    customer_emotion,
    embedding,
    talk_metrics,
    turn_stats,
)
from warmline.behaviours import analyser as agent_behaviours  # noqa: F401
from warmline.scoring import moments, score, scripted, trajectory  # noqa: F401
