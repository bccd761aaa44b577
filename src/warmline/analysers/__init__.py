"""Analyses of conversations: one module per analysis, each registered by versioned name."""

from warmline.analysers.base import Analyser, TurnByTurn, create, register, registered

__all__ = ["Analyser", "TurnByTurn", "create", "register", "registered"]
