"""The analyser pipeline: analysers in dependency order over batches of conversations, or turn by turn.

One pipeline serves the CLI, the server, live sessions and batch jobs alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import islice
from typing import Any

from warmline.analysers.base import Analyser, create
from warmline.errors import PipelineError
from warmline.model import Analysis, Annotation, Conversation, Turn

#: The analysers ``warmline analyze`` runs unless told otherwise, by versioned name.
DEFAULT_ANALYSERS: tuple[str, ...] = (
    "warmline.turn_stats.v1",
    "warmline.talk_metrics.v1",
    "warmline.embedding.v1",
    "warmline.customer_emotion.v1",
    "warmline.agent_behaviours.v1",
    "warmline.emotional_moments.v1",
    "warmline.sentiment_trajectory.v1",
    "warmline.scripted_phrases.v1",
    "warmline.empathy_score.v1",
)


def order_analysers(analysers: Sequence[Analyser]) -> list[Analyser]:
    """Sort analysers so each runs after those that assign what it requires (stable otherwise).

    Raises
    ------
    PipelineError
        when something required is assigned by no analyser, or requirements form a cycle.
    """
    providers: dict[str, int] = {}
    for i, a in enumerate(analysers):
        for what in a.assigns:
            providers.setdefault(what, i)
    for a in analysers:
        for what in a.requires:
            if what not in providers:
                raise PipelineError(f"analyser {a.name} requires {what!r}, which no analyser in the pipeline assigns")
    ordered: list[Analyser] = []
    placed: set[int] = set()
    visiting: set[int] = set()

    def visit(i: int) -> None:
        if i in placed:
            return
        if i in visiting:
            raise PipelineError(f"analyser requirements form a cycle at {analysers[i].name}")
        visiting.add(i)
        for what in analysers[i].requires:
            visit(providers[what])
        visiting.discard(i)
        placed.add(i)
        ordered.append(analysers[i])

    for i in range(len(analysers)):
        visit(i)
    return ordered


class Pipeline:
    """Runs analysers in dependency order.

    Examples
    --------
    >>> from warmline.model import Conversation, Turn, Role
    >>> pipe = Pipeline.default()
    >>> convo = Conversation(id="c1", turns=(Turn(0, Role.CUSTOMER, "Hello?"), Turn(1, Role.AGENT, "Hi!")))
    >>> analysis = pipe.analyse([convo])[0]
    >>> len(analysis.annotations) > 0
    True
    """

    def __init__(self, analysers: Sequence[Analyser], *, batch_size: int = 64) -> None:
        self.analysers = order_analysers(analysers)
        self.batch_size = batch_size

    @classmethod
    def from_names(
        cls, names: Iterable[str], *, batch_size: int = 64, params: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Pipeline:
        """Build analysers by versioned name; ``params`` gives keyword arguments per analyser name."""
        params = params or {}
        return cls([create(n, **params.get(n, {})) for n in names], batch_size=batch_size)

    @classmethod
    def default(cls, *, batch_size: int = 64) -> Pipeline:
        return cls.from_names(DEFAULT_ANALYSERS, batch_size=batch_size)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.analysers]

    def analyse(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        """Annotate one batch of conversations with every analyser."""
        found: list[list[Annotation]] = [[] for _ in conversations]
        for analyser in self.analysers:
            results = analyser.annotate(conversations, found)
            if len(results) != len(conversations):
                raise PipelineError(
                    f"analyser {analyser.name} returned {len(results)} results for {len(conversations)} conversations"
                )
            for acc, new in zip(found, results, strict=True):
                acc.extend(new)
        return [Analysis(c, tuple(a)) for c, a in zip(conversations, found, strict=True)]

    def analyse_stream(
        self, conversations: Iterable[Conversation], *, on_batch: Callable[[int], None] | None = None
    ) -> Iterator[Analysis]:
        """Annotate conversations in batches of ``batch_size`` as they come (bounded memory)."""
        it = iter(conversations)
        while batch := list(islice(it, self.batch_size)):
            yield from self.analyse(batch)
            if on_batch is not None:
                on_batch(len(batch))

    def analyse_turn(self, turn: Turn, history: Conversation, prior: Sequence[Annotation] = ()) -> list[Annotation]:
        """Annotate one new turn given the conversation so far (live coaching).

        ``prior`` holds the annotations already produced for earlier turns; analysers see those
        plus what earlier analysers produced for this turn. An annotation returned here may revise
        one produced earlier (a moment that is now met, the conversation's running score):
        ``merge_live`` keeps the latest.
        """
        current = list(prior)
        new: list[Annotation] = []
        for analyser in self.analysers:
            found = analyser.annotate_turn(turn, history, current)
            current = merge_live(current, found)
            new.extend(found)
        return new

    def live(self, conversation: Conversation) -> LiveAnalysis:
        """A live analysis that grows one turn at a time, starting from ``conversation``'s turns."""
        session = LiveAnalysis(self, replace(conversation, turns=()))
        for turn in conversation.turns:
            session.add_turn(turn)
        return session


def _key(a: Annotation) -> tuple[str, str, int | None] | None:
    """What a revision replaces: same analyser, same kind, same turn. Behaviours and other multi-valued
    annotations are never revised, so they have no key."""
    if getattr(a, "revisable", False) or a.turn_index is None:
        return (a.analyser, a.type, a.turn_index)
    return None


def merge_live(annotations: Sequence[Annotation], revisions: Sequence[Annotation]) -> list[Annotation]:
    """``annotations`` with ``revisions`` added, each replacing the earlier one it revises."""
    keys = {k for k in (_key(a) for a in revisions) if k is not None}
    kept = [a for a in annotations if _key(a) not in keys] if keys else list(annotations)
    return [*kept, *revisions]


class LiveAnalysis:
    """The running analysis of a conversation in progress: add turns as they come, read the state.

    Examples
    --------
    >>> from warmline.model import Role
    >>> live = Pipeline.default().live(Conversation(id="live-1"))
    >>> new = live.add_turn(Turn(0, Role.CUSTOMER, "Hello?"))
    >>> live.analysis().conversation.turns[0].text
    'Hello?'
    """

    def __init__(self, pipeline: Pipeline, conversation: Conversation) -> None:
        self.pipeline = pipeline
        self.conversation = conversation
        self.annotations: list[Annotation] = []

    def add_turn(self, turn: Turn) -> list[Annotation]:
        turn = replace(turn, index=len(self.conversation.turns))
        new = self.pipeline.analyse_turn(turn, self.conversation, self.annotations)
        self.conversation = self.conversation.with_turn(turn)
        self.annotations = merge_live(self.annotations, new)
        return new

    def analysis(self) -> Analysis:
        return Analysis(self.conversation, tuple(self.annotations))
