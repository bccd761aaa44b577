"""The analyser contract and the registry of analysers by versioned name.

An analyser *returns* annotations; it never mutates the conversation it was given. It has two entry
points: ``annotate_turn`` for one new turn with the history so far (live coaching) and ``annotate``
for whole conversations in batches (everything else). Both receive ``prior``: the annotations that
analysers earlier in the pipeline produced (the shared turn embeddings, say), so that each turn is
encoded once for every head.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol, runtime_checkable

from warmline.errors import PipelineError
from warmline.model import Annotation, Conversation, Turn

#: Entry-point group through which other packages register analysers.
ENTRY_POINT_GROUP = "warmline.analysers"


@runtime_checkable
class Analyser(Protocol):
    """What every analyser implements.

    ``name`` is versioned (``"warmline.talk_metrics.v1"``); ``requires`` names what it reads
    (``"embedding"``); ``assigns`` names what it produces. The pipeline orders analysers so that each
    runs after those that assign what it requires.
    """

    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]: ...

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]: ...


class TurnByTurn:
    """Base for analysers that look at one turn at a time: ``annotate`` loops over ``annotate_turn``.

    Set ``uses_history = False`` when ``annotate_turn`` never reads the history: the batch loop then
    skips building it, which keeps very long conversations linear.
    """

    name = "warmline.base.v0"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    uses_history: ClassVar[bool] = True

    def annotate_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation]) -> list[Annotation]:
        raise NotImplementedError

    def annotate(
        self, conversations: Sequence[Conversation], prior: Sequence[Sequence[Annotation]]
    ) -> list[list[Annotation]]:
        out: list[list[Annotation]] = []
        for convo, convo_prior in zip(conversations, prior, strict=True):
            by_turn: dict[int | None, list[Annotation]] = defaultdict(list)
            for a in convo_prior:
                by_turn[a.turn_index].append(a)
            no_history = replace(convo, turns=())
            found: list[Annotation] = []
            for turn in convo.turns:
                history = convo.upto(turn.index) if self.uses_history else no_history
                found.extend(self.annotate_turn(turn, history, by_turn.get(turn.index, [])))
            out.append(found)
        return out


Factory = Callable[..., Analyser]

_FACTORIES: dict[str, Factory] = {}
_ENTRY_POINTS_LOADED = False


def register(name: str) -> Callable[[Factory], Factory]:
    """Register an analyser factory under a versioned name.

    Examples
    --------
    >>> @register("acme.hold_time.v1")          # doctest: +SKIP
    ... class HoldTime(TurnByTurn): ...
    """

    def decorate(factory: Factory) -> Factory:
        _FACTORIES[name] = factory
        return factory

    return decorate


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _FACTORIES.setdefault(ep.name, ep.load())


def registered() -> dict[str, Factory]:
    """Every analyser factory by name: built-ins, then those from the entry-point group."""
    from warmline.analysers import registry  # noqa: F401  (registers the built-ins)

    _load_entry_points()
    return dict(_FACTORIES)


def create(name: str, **params: Any) -> Analyser:
    factories = registered()
    if name not in factories:
        known = ", ".join(sorted(factories))
        raise PipelineError(f"unknown analyser {name!r}; registered: {known}")
    return factories[name](**params)
