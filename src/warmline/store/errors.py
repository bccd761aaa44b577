"""Errors from the conversation store: a missing record, a conflicting one, a database out of date."""

from __future__ import annotations

from warmline.errors import WarmlineError


class StoreError(WarmlineError):
    """The store could not do what was asked (the database refused a record, or is not reachable)."""

    code = "W500"


class NotFoundError(StoreError):
    """No conversation, run or user with that id."""

    code = "W501"


class ConflictError(StoreError):
    """A record with that name already exists (a username, say)."""

    code = "W502"


class SchemaError(StoreError):
    """The database schema is not the one this warmline needs: run the migrations."""

    code = "W503"
