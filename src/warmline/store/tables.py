"""The store's tables as typed SQLAlchemy models; the schema itself changes only through migrations.

Conversations, turns, agents and teams hold what was imported. Every analysis belongs to a run
(``analysis_runs``) that records what produced it — analyser names and versions, scorecard id and
version, model checksums — so re-scoring adds a run and never overwrites an older one. ``scores``
holds one row per run and conversation. Users, their teams and their API tokens (stored hashed)
serve the web app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

#: Constraint names follow one pattern, so that later migrations can name what they drop (SQLite too).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("agent", "customer", "bot", "system")
CHANNELS = ("voice", "chat", "email")
USER_ROLES = ("agent", "supervisor", "admin")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """A date-time stored as UTC and read back timezone-aware on every backend.

    SQLite keeps no offset, so values are converted to UTC before they are written; a naive value is
    taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class TeamRow(Base):
    """A team of agents, by the name the source system gives it."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentRow(Base):
    """An agent, by the id the source system gives them; ``team_id`` is their current team."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnalysisRunRow(Base):
    """One run of the analyser pipeline over some conversations, and what produced its results."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    warmline_version: Mapped[str] = mapped_column(String(50))
    #: ``[{"name": "warmline.talk_metrics.v1", "version": "v1"}, ...]`` in pipeline order
    analysers: Mapped[list[Any]] = mapped_column(default=list)
    scorecard_id: Mapped[str | None] = mapped_column(String(200))
    scorecard_version: Mapped[str | None] = mapped_column(String(50))
    encoder_sha256: Mapped[str | None] = mapped_column(String(64))
    #: shipped model manifest name → sha256 of its weights
    models: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ConversationRow(Base):
    """A conversation as imported: ``external_id`` is its id in the source, unique per ``source``.

    ``started_at`` is stored in UTC; ``started_at_utc_offset`` keeps the offset it came with (in
    seconds; ``NULL`` when it came without one) so that it reads back as it was written.
    ``content_hash`` is the SHA-256 of its canonical JSON: re-importing identical content is a no-op.
    ``latest_run_id`` is the newest run that analysed this content (cleared when the content changes).
    """

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime | None] = mapped_column(index=True)
    started_at_utc_offset: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    latest_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_runs.id", ondelete="SET NULL"), index=True)


class TurnRow(Base):
    """One turn of a conversation; re-importing a changed conversation replaces all its turns."""

    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("conversation_id", "turn_index"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    turn_index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    speaker_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[float | None] = mapped_column(Float)
    end: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str | None] = mapped_column(String(50))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)


class AnnotationRow(Base):
    """One annotation from one run: ``payload`` is ``Annotation.to_dict()``.

    ``label`` copies the value list filters search on: a customer emotion's label, a behaviour's
    name, an emotional moment's status.
    """

    __tablename__ = "annotations"
    __table_args__ = (
        Index(None, "conversation_id", "run_id"),
        Index(None, "type", "label"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    turn_index: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(100))
    analyser: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column()


class ScoreRow(Base):
    """One row per run and conversation: the score that run gave (``NULL`` when it ran no scorecard).

    ``content_hash`` is the conversation's content when it was analysed.
    """

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("run_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    score: Mapped[float | None] = mapped_column(Float, index=True)
    scorecard_id: Mapped[str | None] = mapped_column(String(200))
    scorecard_version: Mapped[str | None] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))


class UserRow(Base):
    """Someone who signs in to the web app; ``password_hash`` is an argon2 hash."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", USER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserTeamRow(Base):
    """Which teams a user (a supervisor, say) may see."""

    __tablename__ = "user_teams"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)


class ApiTokenRow(Base):
    """An API token: only the SHA-256 of the token is kept; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
