"""Imports every built-in analyser module once, so each registers itself (one place, no import cycles)."""

from warmline.analysers import (  # noqa: F401
    talk_metrics,
    turn_stats,
)
