"""Migrations: the schema is built only by them, on SQLite and PostgreSQL, and matches the tables exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import URL

from warmline.store import SchemaError, Store, StoreError
from warmline.store.engine import make_engine, normalise_url
from warmline.store.migrate import check, current, downgrade, head, upgrade
from warmline.store.tables import Base


def _differences(url: URL) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: URL) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_upgrade_builds_the_schema_the_tables_describe(empty_database_url: URL) -> None:
    assert current(empty_database_url) is None
    upgrade(empty_database_url)
    assert current(empty_database_url) == head()
    assert _tables(empty_database_url) == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    assert _differences(empty_database_url) == []


def test_migrate_downgrade_to_base_and_up_again(empty_database_url: URL) -> None:
    upgrade(empty_database_url)
    downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) == {"alembic_version"}
    assert current(empty_database_url) is None
    upgrade(empty_database_url)
    assert _differences(empty_database_url) == []


def test_migrate_upgrade_twice_changes_nothing(empty_database_url: URL) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)
    check(empty_database_url)


def test_migrate_store_refuses_an_unmigrated_database_when_asked_not_to_upgrade(empty_database_url: URL) -> None:
    with pytest.raises(SchemaError, match=r"no warmline tables.*upgrade"):
        Store.open(empty_database_url, upgrade=False)
    with Store.open(empty_database_url):
        pass
    assert current(empty_database_url) == head()


def test_migrate_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open("postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=2")


def test_migrate_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"
