"""The conversation store: SQLAlchemy tables, Alembic migrations, and the ``Store`` repository over them.

Nothing here connects at import: ``Store.open()`` reads ``get_settings()`` (``WARMLINE_DATABASE_URL``,
``WARMLINE_DATA_DIR``) when it is called.
"""

from warmline.store.errors import ConflictError, NotFoundError, SchemaError, StoreError
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
from warmline.store.repository import DEFAULT_SOURCE, Store
from warmline.store.runs import RunInfo
from warmline.store.settings import StoreSettings, get_settings

__all__ = [
    "DEFAULT_SOURCE",
    "ApiToken",
    "ConflictError",
    "ConversationFilters",
    "ConversationSummary",
    "IngestResult",
    "NotFoundError",
    "Page",
    "RunInfo",
    "RunSummary",
    "SchemaError",
    "Store",
    "StoreError",
    "StoreSettings",
    "User",
    "UserRole",
    "get_settings",
]
