"""Store fixtures: every store test runs on SQLite (a temporary file) and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 (user ``postgres``, trust auth) unless
``WARMLINE_TEST_POSTGRES_URL`` names another; each test session creates its own database there and
drops it afterwards. When the server is not reachable the PostgreSQL variants are skipped, saying why
— or fail, when ``WARMLINE_TEST_REQUIRE_POSTGRES=1`` (CI sets it, so that they cannot go quietly missing).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from warmline.store import Store
from warmline.store.engine import normalise_url
from warmline.store.migrate import upgrade
from warmline.store.tables import Base

POSTGRES_URL = os.environ.get("WARMLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_engine(url: URL) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    """The PostgreSQL server's URL (its ``test`` database), or a skip saying why it cannot be used."""
    url = normalise_url(POSTGRES_URL)
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        message = f"PostgreSQL not reachable at {url.host}:{url.port or 5432}: {reason}"
        if os.environ.get("WARMLINE_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


def _create_database(server: URL, prefix: str) -> URL:
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server.set(database=name)


def _drop_database(server: URL, url: URL) -> None:
    engine = _admin_engine(server)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_server: URL) -> Iterator[URL]:
    """A database of this test session's own, migrated to the current schema, dropped at the end."""
    url = _create_database(postgres_server, "warmline_test")
    try:
        upgrade(url)
        yield url
    finally:
        _drop_database(postgres_server, url)


def _empty_tables(url: URL) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            # DELETE is quicker than TRUNCATE on tables this small
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> URL:
    """A migrated database with no rows: a new SQLite file, or this session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        url = make_url(f"sqlite:///{tmp_path_factory.mktemp('store') / 'warmline.db'}")
        upgrade(url)
        return url
    url = request.getfixturevalue("postgres_database")
    _empty_tables(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    """A database with no tables at all (not migrated): for the migration tests."""
    if request.param == "sqlite":
        yield make_url(f"sqlite:///{tmp_path_factory.mktemp('empty') / 'warmline.db'}")
        return
    server = request.getfixturevalue("postgres_server")
    url = _create_database(server, "warmline_empty")
    try:
        yield url
    finally:
        _drop_database(server, url)


@pytest.fixture
def store(database_url: URL) -> Iterator[Store]:
    with Store.open(database_url, upgrade=False) as opened:
        yield opened
