"""Store settings: the database URL and data folder come from the environment, read when asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warmline.store import Store, StoreSettings, get_settings
from warmline.store.migrate import current, head


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_settings_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = StoreSettings.from_environ({"WARMLINE_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'warmline.db'}"


def test_settings_data_dir_defaults_to_local_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = StoreSettings.from_environ({})
    assert settings.data_dir == tmp_path / ".local" / "share" / "warmline"
    assert settings.database_url.endswith("/.local/share/warmline/warmline.db")


def test_settings_database_url_overrides_the_data_dir(tmp_path: Path) -> None:
    url = "postgresql://warmline@db.example/warmline"
    settings = StoreSettings.from_environ({"WARMLINE_DATABASE_URL": url, "WARMLINE_DATA_DIR": str(tmp_path)})
    assert settings.database_url == url


def test_settings_get_settings_is_cached_until_cleared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path / "one"))
    first = get_settings()
    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path / "two"))
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().data_dir == tmp_path / "two"


def test_settings_store_open_uses_the_configured_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WARMLINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("WARMLINE_DATA_DIR", str(tmp_path / "data"))
    with Store.open():
        pass
    database = tmp_path / "data" / "warmline.db"
    assert database.is_file()
    assert current(f"sqlite:///{database}") == head()
