"""Schema migrations, run from code: Alembic configured in place, its scripts shipped inside the package.

Run ``python -m warmline.store.migrate upgrade [URL]`` to bring a database up to date, and
``python -m warmline.store.migrate revision "what changed"`` (in a source checkout) to write a new
migration from the difference between the tables in ``tables.py`` and the latest migration.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

from warmline.store.engine import make_engine
from warmline.store.errors import SchemaError
from warmline.store.settings import get_settings

#: The folder of migration scripts, shipped in the package.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code (no alembic.ini) that runs on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # revision files must be importable module names (mypy checks them as part of the package)
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The revision the code expects: the newest migration."""
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if found is None:  # pragma: no cover - the package always ships its initial migration
        raise SchemaError("no migrations found in the warmline package")
    return found


def upgrade(url: str | URL | Engine | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` (default: the configured one) up to ``revision``.

    Examples
    --------
    >>> upgrade("sqlite:////tmp/warmline-example.db")   # doctest: +SKIP
    """
    _with_connection(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str | URL | Engine | None, revision: str) -> None:
    """Take the database back to ``revision`` (``"base"`` drops every warmline table)."""
    _with_connection(url, lambda config: command.downgrade(config, revision))


def current(url: str | URL | Engine | None = None) -> str | None:
    """The revision the database is at, or ``None`` when it has never been migrated."""
    engine, owned = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if owned:
            engine.dispose()


def check(url: str | URL | Engine | None = None) -> None:
    """Raise ``SchemaError`` unless the database is at the revision this warmline expects."""
    at, wanted = current(url), head()
    if at != wanted:
        state = "has no warmline tables" if at is None else f"is at schema revision {at}"
        raise SchemaError(
            f"the database {state}; this warmline needs revision {wanted}: "
            "run `python -m warmline.store.migrate upgrade`"
        )


def revision(message: str) -> Path:
    """Write a new migration for what changed in ``tables.py`` since the newest one, and return its path.

    The difference is taken against a scratch SQLite database brought up to date first; review the
    generated file (and try it on PostgreSQL) before committing it.
    """
    script = ScriptDirectory.from_config(alembic_config())
    numbers = [int(m.group(1)) for r in script.walk_revisions() if (m := re.fullmatch(r"(\d+)", r.revision))]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            with engine.begin() as conn:
                config = alembic_config(conn)
                command.upgrade(config, "head")
                written = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    scripts = written if isinstance(written, list) else [written]
    return Path(scripts[0].path) if scripts and scripts[0] is not None else MIGRATIONS / "versions"


def _engine(url: str | URL | Engine | None) -> tuple[Engine, bool]:
    if isinstance(url, Engine):
        return url, False
    return make_engine(url if url is not None else get_settings().database_url), True


def _with_connection(url: str | URL | Engine | None, run: Callable[[Config], object]) -> None:
    engine, owned = _engine(url)
    try:
        with engine.begin() as conn:
            run(alembic_config(conn))
    finally:
        if owned:
            engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m warmline.store.migrate", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("upgrade", help="bring a database up to date (default: WARMLINE_DATABASE_URL)")
    up.add_argument("url", nargs="?")
    sub.add_parser("current", help="print the revision the database is at").add_argument("url", nargs="?")
    rev = sub.add_parser("revision", help="write a new migration from the changes in tables.py")
    rev.add_argument("message")
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade(args.url)
        print(f"database at revision {current(args.url)}")
    elif args.action == "current":
        print(current(args.url) or "(not migrated)")
    else:
        print(f"wrote {revision(args.message)}")


if __name__ == "__main__":
    main()
