"""Where the store lives: the database URL and the data folder, read from the environment when asked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Environment variable naming the database (any SQLAlchemy URL; ``postgresql://`` uses psycopg).
DATABASE_URL_ENV = "WARMLINE_DATABASE_URL"
#: Environment variable naming the folder for warmline's own files (the default SQLite database).
DATA_DIR_ENV = "WARMLINE_DATA_DIR"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """The store's configuration.

    Parameters
    ----------
    database_url:
        a SQLAlchemy URL: ``sqlite:///path/warmline.db`` or ``postgresql://user@host/db``.
    data_dir:
        the folder that holds the default SQLite database.

    Examples
    --------
    >>> s = StoreSettings.from_environ({"WARMLINE_DATA_DIR": "/srv/warmline"})
    >>> s.database_url
    'sqlite:////srv/warmline/warmline.db'
    """

    database_url: str
    data_dir: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> StoreSettings:
        """Settings from ``WARMLINE_DATABASE_URL`` and ``WARMLINE_DATA_DIR`` (``os.environ`` by default).

        The data folder defaults to ``$XDG_DATA_HOME/warmline``, that is ``~/.local/share/warmline``;
        the database defaults to the SQLite file ``warmline.db`` in it.
        """
        env = os.environ if environ is None else environ
        data_dir = env.get(DATA_DIR_ENV, "").strip()
        if data_dir:
            folder = Path(data_dir).expanduser()
        else:
            xdg = env.get("XDG_DATA_HOME", "").strip()
            folder = (Path(xdg).expanduser() if xdg else Path("~/.local/share").expanduser()) / "warmline"
        url = env.get(DATABASE_URL_ENV, "").strip() or f"sqlite:///{folder / 'warmline.db'}"
        return cls(database_url=url, data_dir=folder)


@lru_cache(maxsize=1)
def get_settings() -> StoreSettings:
    """The settings from the environment, read on first call and cached.

    Tests (or a server reading a new environment) call ``get_settings.cache_clear()`` to read again.
    """
    return StoreSettings.from_environ()
