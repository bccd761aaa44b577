"""Opening a database: URL normalisation, SQLite connection settings, and the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from warmline.store.errors import StoreError


def normalise_url(url: str | URL) -> URL:
    """The URL with the driver warmline ships: ``postgresql://`` and ``postgres://`` mean psycopg 3.

    Raises
    ------
    StoreError
        when the URL cannot be parsed.
    """
    if isinstance(url, str):
        text = url.strip()
        if text.startswith("postgres://"):
            text = "postgresql://" + text.removeprefix("postgres://")
        try:
            parsed = make_url(text)
        except Exception as exc:  # sqlalchemy raises ArgumentError, but a bad port raises ValueError
            raise StoreError(
                f"{_redacted(text)!r} is not a database URL: {exc}", field="WARMLINE_DATABASE_URL"
            ) from None
    else:
        parsed = url
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _redacted(text: str) -> str:
    head, at, tail = text.rpartition("@")
    return f"{head.split(':')[0]}:***@{tail}" if at and ":" in head.split("//", 1)[-1] else text


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, and SQLite enforces foreign keys.

    SQLite runs in WAL mode with ``synchronous=NORMAL``: a committed conversation survives a crash of
    warmline, and readers (the server) do not block the importer.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
