"""The conversation store: import conversations, save analysis runs, list and read them back, manage users.

Every method opens its own short transaction, so one ``Store`` serves a CLI import, a web request or a
batch job alike. Imports commit one conversation at a time: a bad record, or a crash part-way, never
undoes the conversations already stored, and importing the same file again changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, Table, and_, delete, exists, func, insert, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError
from warmline.model import Analysis, Annotation, Channel, Conversation, Score, TurnEmbedding
from warmline.store import accounts
from warmline.store.convert import PreparedConversation, annotation_label, join_started_at, prepare, to_conversation
from warmline.store.engine import make_engine
from warmline.store.errors import ConflictError, NotFoundError, StoreError
from warmline.store.records import (
    ApiToken,
    ConversationFilters,
    ConversationSummary,
    IngestResult,
    Page,
    RunSummary,
    User,
    UserRole,
)
from warmline.store.runs import RunInfo
from warmline.store.settings import get_settings
from warmline.store.tables import (
    AgentRow,
    AnalysisRunRow,
    AnnotationRow,
    ApiTokenRow,
    Base,
    ConversationRow,
    ScoreRow,
    TeamRow,
    TurnRow,
    UserRow,
    UserTeamRow,
    utcnow,
)

#: The source a conversation belongs to unless the caller names one: ids are unique per source.
DEFAULT_SOURCE = "default"
#: The most conversations one page of a list holds.
MAX_PAGE = 1000
#: Scores written per statement while saving a run.
_SCORE_BATCH = 500

Outcome = Literal["created", "updated", "unchanged"]

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")


class Store:
    """Conversations, analyses and users in a SQL database (SQLite or PostgreSQL).

    Parameters
    ----------
    engine:
        a SQLAlchemy engine for a database migrated to the current schema (``Store.open`` makes one).

    Examples
    --------
    >>> store = Store.open("sqlite:////tmp/warmline-doc.db")          # doctest: +SKIP
    >>> store.ingest([conversation]).created                         # doctest: +SKIP
    1
    >>> store.ingest([conversation]).unchanged                       # doctest: +SKIP
    1
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | URL | None = None, *, upgrade: bool = True) -> Store:
        """Open the database at ``url`` (default: ``get_settings().database_url``).

        With ``upgrade`` (the default) the schema is migrated to the current revision first; without it
        a database that is not up to date raises ``SchemaError``.

        Raises
        ------
        StoreError
            when the database cannot be reached.
        """
        from warmline.store import migrate  # not at import: `python -m warmline.store.migrate` runs it as __main__

        engine = make_engine(url if url is not None else get_settings().database_url)
        try:
            if upgrade:
                migrate.upgrade(engine)
            else:
                migrate.check(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            where = engine.url.render_as_string(hide_password=True)
            raise StoreError(f"cannot open the database {where}: {_reason(exc)}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- conversations ----------------------------------------------------------------------

    def ingest(
        self,
        conversations: Iterable[Conversation | RecordError],
        *,
        source: str = DEFAULT_SOURCE,
        on_error: Callable[[WarmlineError], None] | None = None,
    ) -> IngestResult:
        """Store conversations, one transaction each; the same id again updates in place.

        A conversation whose id is already stored (in ``source``) replaces the stored one — its turns
        are replaced, never duplicated — unless its content is identical (same content hash), when it
        is left unchanged. A conversation that cannot be stored, and every ``RecordError`` among
        ``conversations``, is counted in ``IngestResult.errors`` and passed to ``on_error`` (a callback
        that raises stops the import there); the rest are stored. If ``conversations`` raises part-way,
        the exception propagates and every conversation before it stays stored.

        Examples
        --------
        >>> result = store.ingest(iter_conversations([Path("calls/")]))   # doctest: +SKIP
        >>> result.created, result.updated, result.unchanged, len(result.errors)   # doctest: +SKIP
        (120, 0, 0, 2)
        """
        result = IngestResult()

        def failed(error: WarmlineError) -> None:
            result.errors.append(error)
            if on_error is not None:
                on_error(error)

        names = _Names()
        with self._sessions() as session:
            for item in conversations:
                if isinstance(item, RecordError):
                    failed(item.error)
                    continue
                try:
                    outcome = self._ingest_one(session, prepare(item), source, names)
                except WarmlineError as exc:
                    failed(exc.located(record=item.id))
                    continue
                if outcome == "created":
                    result.created += 1
                elif outcome == "updated":
                    result.updated += 1
                else:
                    result.unchanged += 1
                session.expunge_all()  # keep memory flat over long imports
        return result

    def _ingest_one(self, session: Session, prepared: PreparedConversation, source: str, names: _Names) -> Outcome:
        for attempt in (1, 2):
            try:
                with session.begin():
                    outcome, _ = _upsert(session, prepared, source, utcnow(), names)
                return outcome
            except IntegrityError as exc:
                names.forget()  # what the transaction created went with it
                # another importer stored the same conversation, agent or team first: once more finds it
                if attempt == 2:
                    raise StoreError(f"the database refused this conversation: {_reason(exc)}") from None
            except SQLAlchemyError as exc:
                names.forget()
                raise StoreError(f"the database refused this conversation: {_reason(exc)}") from None
            except BaseException:
                names.forget()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def get_conversation(self, conversation_id: str, *, source: str = DEFAULT_SOURCE) -> Conversation:
        """The stored conversation, turns in index order.

        Raises
        ------
        NotFoundError
            when no conversation has that id in ``source``.
        """
        with self._sessions() as session:
            return self._load(session, conversation_id, source)[0]

    def _load(self, session: Session, conversation_id: str, source: str) -> tuple[Conversation, ConversationRow]:
        found = session.execute(
            select(ConversationRow, AgentRow.external_id, TeamRow.name)
            .outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
            .outerjoin(TeamRow, TeamRow.id == ConversationRow.team_id)
            .where(ConversationRow.source == source, ConversationRow.external_id == conversation_id)
        ).one_or_none()
        if found is None:
            raise NotFoundError(f"no conversation {conversation_id!r} in source {source!r}", record=conversation_id)
        row, agent_id, team = found
        turns = session.scalars(
            select(TurnRow).where(TurnRow.conversation_id == row.id).order_by(TurnRow.turn_index)
        ).all()
        return to_conversation(row, turns, agent_id=agent_id, team=team), row

    def list_conversations(
        self, filters: ConversationFilters | None = None, *, limit: int = 50, offset: int = 0
    ) -> Page[ConversationSummary]:
        """One page of conversations matching ``filters``, newest first, with the total that match.

        Examples
        --------
        >>> wanted = ConversationFilters(team="billing", max_score=60)      # doctest: +SKIP
        >>> page = store.list_conversations(wanted, limit=20)              # doctest: +SKIP
        >>> page.total, [c.id for c in page.items]                         # doctest: +SKIP
        """
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if offset < 0:
            raise InvalidInputError("offset must not be negative", field="offset")
        conditions = _conditions(filters or ConversationFilters())
        columns = (ConversationRow, AgentRow.external_id, TeamRow.name, ScoreRow.score)
        with self._sessions() as session:
            total = session.execute(_joined(select(func.count(ConversationRow.id))).where(*conditions)).scalar_one()
            rows = session.execute(
                _joined(select(*columns))
                .where(*conditions)
                .order_by(ConversationRow.started_at.desc().nulls_last(), ConversationRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        items = tuple(
            ConversationSummary(
                id=row.external_id,
                source=row.source,
                channel=Channel(row.channel),
                started_at=join_started_at(row.started_at, row.started_at_utc_offset),
                agent_id=agent_id,
                customer_id=row.customer_id,
                team=team,
                turn_count=row.turn_count,
                score=score,
                run_id=row.latest_run_id,
                ingested_at=row.ingested_at,
                updated_at=row.updated_at,
            )
            for row, agent_id, team, score in rows
        )
        return Page(items=items, total=int(total), limit=limit, offset=offset)

    # --- analyses -------------------------------------------------------------------------

    def save_analyses(
        self,
        analyses: Iterable[Analysis],
        run_info: RunInfo | None = None,
        *,
        source: str = DEFAULT_SOURCE,
        include_embeddings: bool = False,
    ) -> int:
        """Save analyses as one new run, all or nothing, and return the run's id.

        Each analysed conversation is stored (or updated) first, so the run always refers to the
        content it analysed; it becomes the conversation's latest run. Older runs stay: re-scoring
        with a new model or scorecard adds a run beside them. Turn embeddings are left out unless
        ``include_embeddings``. The scorecard id and version default to those of the saved scores.

        Raises
        ------
        InvalidInputError
            for a conversation that cannot be stored, or one given twice (nothing is saved).
        """
        info = run_info if run_info is not None else RunInfo()
        now = utcnow()
        with self._sessions() as session:
            try:
                with session.begin():
                    run = AnalysisRunRow(
                        created_at=now,
                        warmline_version=info.warmline_version,
                        analysers=info.analysers_json(),
                        scorecard_id=info.scorecard_id,
                        scorecard_version=info.scorecard_version,
                        encoder_sha256=info.encoder_sha256,
                        models=dict(info.models),
                    )
                    session.add(run)
                    session.flush()
                    seen: set[int] = set()
                    names = _Names()
                    scores: list[dict[str, Any]] = []
                    for analysis in analyses:
                        convo_id = analysis.conversation.id
                        try:
                            score, row = _save_one(
                                session, run.id, analysis, source, now, include_embeddings, seen, names
                            )
                        except WarmlineError as exc:
                            raise exc.located(record=convo_id) from None
                        if score is not None and run.scorecard_id is None:
                            run.scorecard_id, run.scorecard_version = score.scorecard, score.scorecard_version
                        scores.append(row)
                        if len(scores) >= _SCORE_BATCH:
                            _save_scores(session, run.id, scores)
                            scores.clear()
                    _save_scores(session, run.id, scores)
                    return run.id
            except SQLAlchemyError as exc:
                raise StoreError(f"the database refused the analysis run: {_reason(exc)}") from None

    def get_analysis(self, conversation_id: str, run: int | None = None, *, source: str = DEFAULT_SOURCE) -> Analysis:
        """The conversation with the annotations of one run: its latest run unless ``run`` names another.

        Annotations come back as they were saved (``Annotation.from_dict`` of their ``to_dict``), in
        the order the pipeline produced them. An older run's annotations come with the conversation
        as it is now: ``runs_for`` says whether each run analysed the present content.

        Raises
        ------
        NotFoundError
            when the conversation is not stored, has no analysis of its present content (without
            ``run``), or was not analysed by ``run``.
        """
        with self._sessions() as session:
            conversation, row = self._load(session, conversation_id, source)
            run_id = run if run is not None else row.latest_run_id
            if run_id is None:
                raise NotFoundError(
                    f"conversation {conversation_id!r} has no analysis of its present content; "
                    "analyse it and save the run",
                    record=conversation_id,
                )
            analysed = session.scalar(
                select(ScoreRow.id).where(ScoreRow.run_id == run_id, ScoreRow.conversation_id == row.id)
            )
            if analysed is None:
                raise NotFoundError(
                    f"run {run_id} did not analyse conversation {conversation_id!r}", record=conversation_id
                )
            payloads = session.scalars(
                select(AnnotationRow.payload)
                .where(AnnotationRow.conversation_id == row.id, AnnotationRow.run_id == run_id)
                .order_by(AnnotationRow.id)
            ).all()
        return Analysis(conversation, tuple(Annotation.from_dict(p) for p in payloads))

    def runs_for(self, conversation_id: str, *, source: str = DEFAULT_SOURCE) -> list[RunSummary]:
        """Every run that analysed the conversation, newest first, with the score each gave.

        Raises
        ------
        NotFoundError
            when the conversation is not stored.
        """
        with self._sessions() as session:
            row = _conversation_row(session, conversation_id, source)
            found = session.execute(
                select(AnalysisRunRow, ScoreRow)
                .join(ScoreRow, ScoreRow.run_id == AnalysisRunRow.id)
                .where(ScoreRow.conversation_id == row.id)
                .order_by(AnalysisRunRow.id.desc())
            ).all()
        return [
            RunSummary(
                id=run.id,
                created_at=run.created_at,
                warmline_version=run.warmline_version,
                analysers=tuple(str(a["name"]) for a in run.analysers),
                scorecard_id=score.scorecard_id if score.scorecard_id is not None else run.scorecard_id,
                scorecard_version=score.scorecard_version
                if score.scorecard_version is not None
                else run.scorecard_version,
                encoder_sha256=run.encoder_sha256,
                models=dict(run.models),
                score=score.score,
                content_hash=score.content_hash,
                current=score.content_hash == row.content_hash,
                latest=run.id == row.latest_run_id,
            )
            for run, score in found
        ]

    # --- users and tokens --------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: UserRole | str,
        *,
        agent_id: str | None = None,
        teams: Iterable[str] = (),
    ) -> User:
        """Add a user who signs in with ``password`` (kept as an argon2id hash).

        Raises
        ------
        InvalidInputError
            for a username that is not 1–100 letters, digits and ``._@+-``, a password under 8
            characters, or a role that is not agent, supervisor or admin.
        ConflictError
            when the username is taken.
        """
        if not _USERNAME.fullmatch(username):
            raise InvalidInputError(
                f"{username!r} is not a username: use 1-100 letters, digits and . _ @ + -", field="username"
            )
        try:
            user_role = UserRole(str(role).strip().lower())
        except ValueError:
            raise InvalidInputError(f"{role!r} is not one of agent, supervisor, admin", field="role") from None
        team_names = sorted({t.strip() for t in teams if t.strip()})
        password_hash = accounts.hash_password(password)
        with self._sessions() as session:
            names = _Names()
            try:
                with session.begin():
                    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                        raise ConflictError(f"user {username!r} already exists", field="username")
                    agent_pk = names.agent(session, agent_id, None) if agent_id else None
                    user = UserRow(
                        username=username,
                        password_hash=password_hash,
                        role=user_role.value,
                        agent_id=agent_pk,
                        is_active=True,
                        created_at=utcnow(),
                    )
                    session.add(user)
                    session.flush()
                    for name in team_names:
                        session.add(UserTeamRow(user_id=user.id, team_id=names.team(session, name)))
            except IntegrityError:
                raise ConflictError(f"user {username!r} already exists", field="username") from None
            return _user_record(session, user)

    def get_user(self, username: str) -> User:
        """The user with that username.

        Raises
        ------
        NotFoundError
            when there is none.
        """
        with self._sessions() as session:
            return _user_record(session, _user_row(session, username))

    def verify_password(self, username: str, password: str) -> User | None:
        """The user, if ``password`` is theirs and they are active; else ``None`` (taking as long either way)."""
        with self._sessions() as session, session.begin():
            row = session.scalar(select(UserRow).where(UserRow.username == username))
            if row is None:
                accounts.spend_a_check(password)
                return None
            if not accounts.check_password(row.password_hash, password) or not row.is_active:
                return None
            if accounts.needs_rehash(row.password_hash):
                row.password_hash = accounts.hash_password(password)
            return _user_record(session, row)

    def create_token(self, user: User | str, name: str) -> str:
        """A new API token for ``user`` (a ``User`` or a username): shown once, kept only as a hash.

        Raises
        ------
        NotFoundError
            when the user does not exist.
        """
        label = name.strip()
        if not label or len(label) > 100:
            raise InvalidInputError("a token needs a name of 1-100 characters", field="name")
        token = accounts.new_token()
        username = user.username if isinstance(user, User) else user
        with self._sessions() as session, session.begin():
            row = _user_row(session, username)
            session.add(
                ApiTokenRow(user_id=row.id, name=label, token_hash=accounts.token_digest(token), created_at=utcnow())
            )
        return token

    def user_for_token(self, token: str) -> User | None:
        """The active user a token belongs to, recording its use; ``None`` for an unknown or revoked token."""
        if not token.startswith(accounts.TOKEN_PREFIX):
            return None
        with self._sessions() as session, session.begin():
            found = session.execute(
                select(ApiTokenRow, UserRow)
                .join(UserRow, UserRow.id == ApiTokenRow.user_id)
                .where(ApiTokenRow.token_hash == accounts.token_digest(token))
            ).one_or_none()
            if found is None:
                return None
            token_row, user_row = found
            if token_row.revoked_at is not None or not user_row.is_active:
                return None
            token_row.last_used_at = utcnow()
            return _user_record(session, user_row)

    def tokens_for(self, user: User | str) -> list[ApiToken]:
        """The user's API tokens (names and dates, never the tokens), oldest first."""
        username = user.username if isinstance(user, User) else user
        with self._sessions() as session:
            row = _user_row(session, username)
            tokens = session.scalars(
                select(ApiTokenRow).where(ApiTokenRow.user_id == row.id).order_by(ApiTokenRow.id)
            ).all()
        return [
            ApiToken(
                id=t.id,
                username=username,
                name=t.name,
                created_at=t.created_at,
                last_used_at=t.last_used_at,
                revoked_at=t.revoked_at,
            )
            for t in tokens
        ]

    def revoke_token(self, token_id: int) -> None:
        """Revoke an API token by its id: it stops working at once; its record stays.

        Raises
        ------
        NotFoundError
            when there is no token with that id.
        """
        with self._sessions() as session, session.begin():
            row = session.get(ApiTokenRow, token_id)
            if row is None:
                raise NotFoundError(f"no API token with id {token_id}", field="token")
            if row.revoked_at is None:
                row.revoked_at = utcnow()


# --- helpers ------------------------------------------------------------------------------------


def _reason(exc: SQLAlchemyError) -> str:
    """The database's own message, first line only (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _upsert(
    session: Session, prepared: PreparedConversation, source: str, now: datetime, names: _Names
) -> tuple[Outcome, int]:
    c = prepared.conversation
    existing = session.scalar(
        select(ConversationRow).where(ConversationRow.source == source, ConversationRow.external_id == c.id)
    )
    if existing is not None and existing.content_hash == prepared.content_hash:
        return "unchanged", existing.id
    team_pk = names.team(session, c.team) if c.team else None
    values: dict[str, Any] = {
        "channel": Channel(c.channel).value,
        "started_at": prepared.started_at,
        "started_at_utc_offset": prepared.started_at_utc_offset,
        "agent_id": names.agent(session, c.agent_id, team_pk) if c.agent_id else None,
        "customer_id": c.customer_id,
        "team_id": team_pk,
        "meta": prepared.metadata,
        "turn_count": len(prepared.turns),
        "content_hash": prepared.content_hash,
        "updated_at": now,
    }
    outcome: Outcome
    if existing is None:
        row = ConversationRow(source=source, external_id=c.id, ingested_at=now, **values)
        session.add(row)
        session.flush()
        outcome = "created"
    else:
        row = existing
        for key, value in values.items():
            setattr(row, key, value)
        row.latest_run_id = None  # its analyses were of other content
        session.flush()
        session.execute(delete(TurnRow).where(TurnRow.conversation_id == row.id))
        outcome = "updated"
    _insert_rows(session, _table(TurnRow), [{**t, "conversation_id": row.id} for t in prepared.turns])
    return outcome, row.id


def _table(mapped: type[Base]) -> Table:
    return Base.metadata.tables[mapped.__tablename__]


def _insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in few round trips.

    With RETURNING, SQLAlchemy sends an executemany as batched multi-row ``VALUES`` statements
    ("insertmanyvalues", compiled once and cached) on every backend; without it psycopg would send
    one statement per row.
    """
    if rows:
        session.execute(insert(table).returning(table.c.id), list(rows)).close()


class _Names:
    """Team and agent ids looked up during one store call, so each name costs one query, not one per row.

    ``forget`` drops them when a transaction rolls back (what it created is gone).
    """

    def __init__(self) -> None:
        self.teams: dict[str, int] = {}
        self.agents: dict[str, tuple[int, bool]] = {}

    def forget(self) -> None:
        self.teams.clear()
        self.agents.clear()

    def team(self, session: Session, name: str) -> int:
        found = self.teams.get(name)
        if found is None:
            found = session.scalar(select(TeamRow.id).where(TeamRow.name == name))
            if found is None:
                team = TeamRow(name=name, created_at=utcnow())
                session.add(team)
                session.flush()
                found = team.id
            self.teams[name] = found
        return found

    def agent(self, session: Session, external_id: str, team_pk: int | None) -> int:
        known = self.agents.get(external_id)
        if known is None:
            row = session.execute(
                select(AgentRow.id, AgentRow.team_id).where(AgentRow.external_id == external_id)
            ).one_or_none()
            if row is None:
                agent = AgentRow(external_id=external_id, team_id=team_pk, created_at=utcnow())
                session.add(agent)
                session.flush()
                known = (agent.id, team_pk is not None)
            else:
                known = (row.id, row.team_id is not None)
        pk, has_team = known
        if not has_team and team_pk is not None:
            # an agent's team is the first one seen; later moves are the admin's call
            session.execute(update(AgentRow).where(AgentRow.id == pk).values(team_id=team_pk))
            has_team = True
        self.agents[external_id] = (pk, has_team)
        return pk


def _save_one(
    session: Session,
    run_id: int,
    analysis: Analysis,
    source: str,
    now: datetime,
    include_embeddings: bool,
    seen: set[int],
    names: _Names,
) -> tuple[Score | None, dict[str, Any]]:
    """Store one analysis's conversation and annotations; return its score and its ``scores`` row to insert."""
    prepared = prepare(analysis.conversation)
    _, convo_pk = _upsert(session, prepared, source, now, names)
    if convo_pk in seen:
        raise InvalidInputError("this conversation appears twice in one run", field="id")
    seen.add(convo_pk)
    score: Score | None = None
    rows: list[dict[str, Any]] = []
    for annotation in analysis.annotations:
        if isinstance(annotation, TurnEmbedding) and not include_embeddings:
            continue
        if isinstance(annotation, Score) and score is None:
            score = annotation
        rows.append(
            {
                "run_id": run_id,
                "conversation_id": convo_pk,
                "turn_index": annotation.turn_index,
                "type": annotation.type,
                "analyser": annotation.analyser[:200],
                "label": annotation_label(annotation),
                "payload": _payload(annotation),
            }
        )
    _insert_rows(session, _table(AnnotationRow), rows)
    return score, {
        "run_id": run_id,
        "conversation_id": convo_pk,
        "score": score.score if score is not None else None,
        "scorecard_id": score.scorecard if score is not None else None,
        "scorecard_version": score.scorecard_version if score is not None else None,
        "content_hash": prepared.content_hash,
    }


def _save_scores(session: Session, run_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert a batch of ``scores`` rows and make the run those conversations' latest."""
    _insert_rows(session, _table(ScoreRow), rows)
    pks = [r["conversation_id"] for r in rows]
    for start in range(0, len(pks), 500):
        session.execute(
            update(ConversationRow)
            .where(ConversationRow.id.in_(pks[start : start + 500]))
            .values(latest_run_id=run_id)
            .execution_options(synchronize_session=False)
        )


def _payload(annotation: Annotation) -> dict[str, Any]:
    """The annotation's JSON form as plain JSON data; numpy numbers become Python numbers."""
    try:
        data: dict[str, Any] = json.loads(json.dumps(annotation.to_dict(), default=_plain, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"a {annotation.type} annotation from {annotation.analyser} is not valid JSON: {exc}", field="annotations"
        ) from None
    return data


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):  # numpy arrays
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _joined(stmt: Any) -> Any:
    return (
        stmt.select_from(ConversationRow)
        .outerjoin(AgentRow, AgentRow.id == ConversationRow.agent_id)
        .outerjoin(TeamRow, TeamRow.id == ConversationRow.team_id)
        .outerjoin(
            ScoreRow,
            and_(ScoreRow.run_id == ConversationRow.latest_run_id, ScoreRow.conversation_id == ConversationRow.id),
        )
    )


def _conditions(f: ConversationFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.source is not None:
        out.append(ConversationRow.source == f.source)
    if f.agent is not None:
        out.append(AgentRow.external_id == f.agent)
    if f.team is not None:
        out.append(TeamRow.name == f.team)
    if f.channel is not None:
        out.append(ConversationRow.channel == Channel(f.channel).value)
    if f.since is not None:
        out.append(ConversationRow.started_at >= f.since)
    if f.until is not None:
        out.append(ConversationRow.started_at < f.until)
    if f.min_score is not None:
        out.append(ScoreRow.score >= f.min_score)
    if f.max_score is not None:
        out.append(ScoreRow.score <= f.max_score)
    if f.emotion is not None:
        out.append(
            exists().where(
                AnnotationRow.conversation_id == ConversationRow.id,
                AnnotationRow.run_id == ConversationRow.latest_run_id,
                AnnotationRow.type == "customer_emotion",
                AnnotationRow.label == f.emotion,
            )
        )
    return out


def _conversation_row(session: Session, conversation_id: str, source: str) -> ConversationRow:
    row = session.scalar(
        select(ConversationRow).where(ConversationRow.source == source, ConversationRow.external_id == conversation_id)
    )
    if row is None:
        raise NotFoundError(f"no conversation {conversation_id!r} in source {source!r}", record=conversation_id)
    return row


def _user_row(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFoundError(f"no user {username!r}", field="username")
    return row


def _user_record(session: Session, row: UserRow) -> User:
    agent_id = session.scalar(select(AgentRow.external_id).where(AgentRow.id == row.agent_id)) if row.agent_id else None
    teams: Sequence[str] = session.scalars(
        select(TeamRow.name)
        .join(UserTeamRow, UserTeamRow.team_id == TeamRow.id)
        .where(UserTeamRow.user_id == row.id)
        .order_by(TeamRow.name)
    ).all()
    return User(
        id=row.id,
        username=row.username,
        role=UserRole(row.role),
        agent_id=agent_id,
        teams=tuple(teams),
        is_active=row.is_active,
        created_at=row.created_at,
    )
