"""The analyser pipeline: analysers in dependency order over batches of conversations, or turn by turn.

One pipeline serves the CLI, the server, live sessions and batch jobs alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from warmline.analysers.base import Analyser, create
from warmline.errors import PipelineError
from warmline.model import Analysis, Annotation, Conversation, Turn

#: The analysers ``warmline analyze`` runs unless told otherwise, by versioned name.
DEFAULT_ANALYSERS: tuple[str, ...] = (
    "warmline.turn_stats.v1",
    "warmline.talk_metrics.v1",
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
    def from_names(cls, names: Iterable[str], *, batch_size: int = 64) -> Pipeline:
        return cls([create(n) for n in names], batch_size=batch_size)

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
        plus what earlier analysers produced for this turn.
        """
        new: list[Annotation] = []
        for analyser in self.analysers:
            new.extend(analyser.annotate_turn(turn, history, [*prior, *new]))
        return new
