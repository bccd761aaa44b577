"""Format detection across the contact-center vendor exports: each file is claimed by its own importer only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from warmline.io import detect_format, get_importer
from warmline.io.base import SNIFF_CHARS, read_head
from warmline.io.warmline_json import WarmlineJSONExporter
from warmline.model import Conversation

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"

#: fixture → (its importer, the path of its longest list, used to grow it past the sniffed head)
VENDOR_FIXTURES: dict[str, tuple[str, tuple[str | int, ...]]] = {
    "aws_transcribe_call_analytics.json": ("aws-transcribe", ("Transcript",)),
    "contact_lens_voice.json": ("contact-lens", ("Transcript",)),
    "contact_lens_chat_redacted.json": ("contact-lens", ("Transcript",)),
    "genesys_transcript.json": ("genesys", ("transcripts", 0, "phrases")),
    "google_ccai_conversation.json": ("google-ccai", ("entries",)),
    "twilio_transcript_sentences.json": ("twilio", ("sentences",)),
    "zendesk_ticket_comments.json": ("zendesk", ("comments",)),
    "intercom_conversation.json": ("intercom", ("conversation_parts", "conversation_parts")),
}
VENDOR_IMPORTERS = sorted({name for name, _ in VENDOR_FIXTURES.values()})


@pytest.mark.parametrize("fixture", sorted(VENDOR_FIXTURES))
def test_vendor_detection_picks_the_right_importer(fixture: str) -> None:
    assert detect_format(FIXTURES / fixture).name == VENDOR_FIXTURES[fixture][0]


@pytest.mark.parametrize("fixture", sorted(VENDOR_FIXTURES))
def test_vendor_detection_no_other_vendor_claims_the_file(fixture: str) -> None:
    path = FIXTURES / fixture
    head = read_head(path)
    own = VENDOR_FIXTURES[fixture][0]
    scores = {name: get_importer(name).sniff(path, head) for name in VENDOR_IMPORTERS}
    assert scores.pop(own) >= 0.9
    assert scores == dict.fromkeys(scores, 0.0)


@pytest.mark.parametrize("fixture", sorted(VENDOR_FIXTURES))
def test_vendor_detection_reads_key_names_when_the_file_outgrows_the_head(fixture: str, tmp_path: Path) -> None:
    own, list_path = VENDOR_FIXTURES[fixture]
    doc = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    holder: Any = doc
    for key in list_path[:-1]:
        holder = holder[key]
    items = holder[list_path[-1]]
    while len(json.dumps(doc)) <= SNIFF_CHARS * 2:
        items.extend(json.loads(json.dumps(items)))
    big = tmp_path / fixture
    big.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    assert detect_format(big).name == own


def test_vendor_detection_leaves_warmline_json_to_its_own_importer(tmp_path: Path) -> None:
    convo = next(iter(get_importer("genesys").read(FIXTURES / "genesys_transcript.json")))
    assert isinstance(convo, Conversation)
    out = tmp_path / "call.json"
    WarmlineJSONExporter().write([convo], out)
    head = read_head(out)
    assert {name: get_importer(name).sniff(out, head) for name in VENDOR_IMPORTERS} == dict.fromkeys(
        VENDOR_IMPORTERS, 0.0
    )
    assert detect_format(out).name == "warmline-json"
