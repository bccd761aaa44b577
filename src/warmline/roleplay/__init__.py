"""Role-play training: scenarios, the simulated customer who reacts to how the agent speaks, and feedback after.

Play at the terminal with ``warmline.roleplay.terminal.run_terminal`` (``python -m
warmline.roleplay.terminal``); drive a session from code with ``RoleplaySession``.
"""

from warmline.roleplay.engine import (
    AnalyserReader,
    BehaviourReader,
    CustomerReply,
    CustomerVoice,
    LineRequest,
    RoleplaySession,
    Signal,
    TurnEvent,
)
from warmline.roleplay.feedback import Feedback, build_feedback
from warmline.roleplay.scenario import Ending, Scenario, State, get_scenario, parse_scenario, shipped_scenarios

__all__ = [
    "AnalyserReader",
    "BehaviourReader",
    "CustomerReply",
    "CustomerVoice",
    "Ending",
    "Feedback",
    "LineRequest",
    "RoleplaySession",
    "Scenario",
    "Signal",
    "State",
    "TurnEvent",
    "build_feedback",
    "get_scenario",
    "parse_scenario",
    "shipped_scenarios",
]
