"""What the store hands back: plain frozen records, never database rows, so callers hold no session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from warmline.errors import WarmlineError
from warmline.model import Channel

T = TypeVar("T")


class UserRole(StrEnum):
    """What a user may see: their own conversations, their teams', or everything."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass
class IngestResult:
    """What an import did: conversations created, updated in place, left unchanged, and bad records.

    Examples
    --------
    >>> r = IngestResult(created=2, unchanged=1)
    >>> r.stored, r.ok
    (3, True)
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[WarmlineError] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Conversations now in the store as given (created, updated or already there)."""
        return self.created + self.updated + self.unchanged

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, other: IngestResult) -> None:
        """Count ``other``'s conversations and errors into this result."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors.extend(other.errors)


@dataclass(frozen=True, slots=True)
class ConversationFilters:
    """Which conversations to list; every filter given must match.

    ``since <= started_at < until``; ``min_score <= score <= max_score`` where the score is the one the
    conversation's latest analysis gave (conversations without one do not match a score filter);
    ``emotion`` matches conversations whose latest analysis found that customer emotion in some turn.
    """

    agent: str | None = None
    team: str | None = None
    channel: Channel | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float | None = None
    max_score: float | None = None
    emotion: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of a conversation list: who, when, where, how long, and the latest score."""

    id: str
    source: str
    channel: Channel
    started_at: datetime | None
    agent_id: str | None
    customer_id: str | None
    team: str | None
    turn_count: int
    score: float | None
    run_id: int | None
    ingested_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: ``items`` from ``offset``, at most ``limit`` of them, out of ``total``."""

    items: tuple[T, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    """An analysis run as it concerns one conversation: what produced it, and the score it gave.

    ``current`` is true when the run analysed the conversation's present content (a re-import that
    changed the conversation makes older runs not current); ``latest`` marks the run ``get_analysis``
    returns by default.
    """

    id: int
    created_at: datetime
    warmline_version: str
    analysers: tuple[str, ...]
    scorecard_id: str | None
    scorecard_version: str | None
    encoder_sha256: str | None
    models: Mapping[str, Any]
    score: float | None
    content_hash: str
    current: bool
    latest: bool


@dataclass(frozen=True, slots=True)
class User:
    """A web-app user; ``agent_id`` links an agent user to their conversations."""

    id: int
    username: str
    role: UserRole
    agent_id: str | None
    teams: tuple[str, ...]
    is_active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token's record (never the token itself)."""

    id: int
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
