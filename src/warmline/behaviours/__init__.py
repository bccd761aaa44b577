"""Agent behaviours: the catalogue, the phrase bank, the data-trained heads and the combined analyser."""

from warmline.behaviours.catalogue import BEHAVIOUR_IDS, BEHAVIOURS, CATALOGUE, BehaviourSpec, Polarity, Source
from warmline.behaviours.phrase_bank import PhraseBank, PhraseMatch, split_clauses

__all__ = [
    "BEHAVIOURS",
    "BEHAVIOUR_IDS",
    "CATALOGUE",
    "BehaviourSpec",
    "PhraseBank",
    "PhraseMatch",
    "Polarity",
    "Source",
    "split_clauses",
]
