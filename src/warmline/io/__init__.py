"""Reading and writing conversations: one module per format, auto-detected from content."""

from warmline.io.base import (
    Exporter,
    Importer,
    LoadResult,
    RecordError,
    detect_format,
    exporters,
    get_exporter,
    get_importer,
    importers,
    iter_conversations,
    load,
)

__all__ = [
    "Exporter",
    "Importer",
    "LoadResult",
    "RecordError",
    "detect_format",
    "exporters",
    "get_exporter",
    "get_importer",
    "importers",
    "iter_conversations",
    "load",
]
