"""Imports every built-in format module once, so each registers its importer and exporter.

Gathered in one module (as spaCy does) to avoid circular imports; the order does not matter.
"""

from warmline.io import (  # noqa: F401
    abcd,
    aws_transcribe,
    contact_lens,
    csv_turns,
    genesys,
    google_ccai,
    helpdesk,
    parquet,
    plain_text,
    subtitles,
    tweetsumm,
    twilio,
    warmline_json,
)
