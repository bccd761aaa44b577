"""What the `warmline import` and `warmline user` commands call: plain functions over a ``Store``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from warmline.errors import WarmlineError
from warmline.io.base import RecordError, expand_paths, iter_conversations
from warmline.model import Conversation
from warmline.redaction import RedactionPolicy, redact_conversation
from warmline.store.records import IngestResult, User, UserRole
from warmline.store.repository import DEFAULT_SOURCE, Store


def import_paths(
    paths: Sequence[Path],
    format: str = "auto",
    options: Mapping[str, Any] | None = None,
    store: Store | None = None,
    *,
    source: str = DEFAULT_SOURCE,
    on_error: Callable[[WarmlineError], None] | None = None,
    redaction: RedactionPolicy | None = None,
) -> IngestResult:
    """Import conversations from files and folders into the store, one conversation per transaction.

    Bad records (and files no importer reads) are in ``IngestResult.errors``, each naming its file and
    record or line, in file order; every good conversation is stored. Importing the same files again
    leaves the store as it was (all ``unchanged``). ``store`` defaults to ``Store.open()`` (the
    configured database, migrated to the current schema). With a ``redaction`` policy, personal data
    is replaced by typed placeholders before anything is stored.

    Examples
    --------
    >>> result = import_paths([Path("calls/")], "auto", {"speaker_map": {"Dana": "agent"}})  # doctest: +SKIP
    >>> result.created, len(result.errors)                                                  # doctest: +SKIP
    """
    owned = store is None
    target = Store.open() if store is None else store
    result = IngestResult()
    try:
        for path in expand_paths(paths):

            def report(error: WarmlineError, path: Path = path) -> None:
                error.located(path=path)
                if on_error is not None:
                    on_error(error)

            records = _in_order(path, format, options, redaction)
            result.add(target.ingest(records, source=source, on_error=report))
    finally:
        if owned:
            target.close()
    return result


def _in_order(
    path: Path, format: str, options: Mapping[str, Any] | None, redaction: RedactionPolicy | None = None
) -> Iterator[Conversation | RecordError]:
    """The file's conversations (redacted when asked) with its bad records in between, where the
    importer found them."""
    pending: list[WarmlineError] = []
    for conversation in iter_conversations([path], format=format, on_error=pending.append, options=options):
        yield from (RecordError(e) for e in pending)
        pending.clear()
        yield redact_conversation(conversation, policy=redaction)[0] if redaction is not None else conversation
    yield from (RecordError(e) for e in pending)


def add_user(
    username: str,
    password: str,
    role: UserRole | str,
    *,
    agent_id: str | None = None,
    teams: Iterable[str] = (),
    store: Store | None = None,
) -> User:
    """Add a web-app user (``store`` defaults to ``Store.open()``)."""
    target = Store.open() if store is None else store
    try:
        return target.add_user(username, password, role, agent_id=agent_id, teams=teams)
    finally:
        if store is None:
            target.close()


def create_token(username: str, name: str, *, store: Store | None = None) -> str:
    """Create an API token for a user and return it: the only time it is shown."""
    target = Store.open() if store is None else store
    try:
        return target.create_token(username, name)
    finally:
        if store is None:
            target.close()
