"""Helpdesk importers: Zendesk ticket comments and Intercom conversations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from warmline.errors import InvalidInputError
from warmline.io import RecordError, get_importer
from warmline.io.helpdesk import ZendeskImporter, html_to_text
from warmline.io.warmline_json import WarmlineJSONExporter
from warmline.model import Channel, Conversation, Role

FIXTURES = Path(__file__).parent.parent / "fixtures" / "io"
ZENDESK = FIXTURES / "zendesk_ticket_comments.json"
INTERCOM = FIXTURES / "intercom_conversation.json"
A, C, B = Role.AGENT, Role.CUSTOMER, Role.BOT


def _read(path: Path, name: str) -> list[Conversation | RecordError]:
    return list(get_importer(name).read(path))


def _one(path: Path, name: str) -> Conversation:
    (item,) = _read(path, name)
    assert isinstance(item, Conversation), item
    return item


def _write(tmp_path: Path, doc: Any, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _round_trip(convo: Conversation, tmp_path: Path) -> Conversation:
    out = tmp_path / "back.warmline.json"
    WarmlineJSONExporter().write([convo], out)
    (back,) = get_importer("warmline-json").read(out)
    assert isinstance(back, Conversation)
    return back


# --- Zendesk -----------------------------------------------------------------------------------


def test_helpdesk_zendesk_reads_public_comments_with_roles_from_users() -> None:
    convo = _one(ZENDESK, "zendesk")
    assert convo.id == "48213"
    assert convo.channel is Channel.EMAIL
    assert convo.started_at == datetime(2024, 5, 20, 8, 14, 22, tzinfo=UTC)
    assert (convo.agent_id, convo.customer_id, convo.team) == ("902271645", "384120957713", "360009214558")
    # the private note is skipped; the team lead (an admin) counts as the agent side
    assert [t.role for t in convo.turns] == [C, A, C, A, A, C]
    assert convo.metadata["private_comments_skipped"] == 1
    assert [t.start for t in convo.turns[:3]] == [0.0, 3343.0, 16389.0]
    assert convo.turns[0].text.startswith("Hello,\n\nOur new sofa was delivered on Saturday")
    assert convo.turns[4].speaker_id == "902270118"
    assert convo.metadata["subject"] == "Sofa delivered damaged - order SF-228104"
    assert convo.metadata["tags"] == ["damaged_delivery", "replacement", "sofa"]


def test_helpdesk_zendesk_keeps_private_notes_when_asked(tmp_path: Path) -> None:
    convo = next(iter(ZendeskImporter(include_private=True).read(ZENDESK)))
    assert isinstance(convo, Conversation)
    assert len(convo.turns) == 7
    note = convo.turns[1]
    assert note.role is A and note.metadata["public"] is False
    assert "private_comments_skipped" not in convo.metadata


def test_helpdesk_zendesk_round_trips_through_warmline_json(tmp_path: Path) -> None:
    convo = _one(ZENDESK, "zendesk")
    assert _round_trip(convo, tmp_path) == convo


def test_helpdesk_zendesk_without_users_falls_back_to_requester_and_assignee(tmp_path: Path) -> None:
    doc = json.loads(ZENDESK.read_text(encoding="utf-8"))
    del doc["users"]
    path = _write(tmp_path, doc, "no_users.json")
    (item,) = _read(path, "zendesk")
    # the team lead is neither requester nor assignee: the error says how to export the roles
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "no_users.json" in message
    assert "comments[5].author_id" in message
    assert "include=users" in message
    assert item.error.record == "48213"


def test_helpdesk_zendesk_unknown_user_role_names_the_field(tmp_path: Path) -> None:
    doc = json.loads(ZENDESK.read_text(encoding="utf-8"))
    doc["users"][0]["role"] = "light-agent-ish"
    (item,) = _read(_write(tmp_path, doc), "zendesk")
    assert isinstance(item, RecordError)
    assert item.error.field == "users[0].role"


# --- Intercom ----------------------------------------------------------------------------------


def test_helpdesk_intercom_reads_comments_and_drops_notes_and_events() -> None:
    convo = _one(INTERCOM, "intercom")
    assert convo.id == "21349876543"
    assert convo.channel is Channel.CHAT
    assert convo.started_at == datetime(2024, 6, 10, 11, 46, 40, tzinfo=UTC)
    assert [t.role for t in convo.turns] == [C, B, A, C, A, C, A]
    assert [t.start for t in convo.turns] == [0.0, 14.0, 121.0, 166.0, 232.0, 298.0, 325.0]
    assert convo.metadata["skipped_parts"] == {"assignment": 1, "close": 1, "note": 1}
    assert not any("admin panel" in t.text for t in convo.turns)
    assert convo.turns[4].text == (
        "Thanks, that explains it. After several resets the account locks itself for safety.\n"
        "I've unlocked it and sent a fresh link to sam@whitfield-design.example.com.\n"
        "It's valid for 30 minutes."
    )
    assert convo.turns[5].text == "I'm in!! thank you so much & sorry for the panic"
    assert (convo.agent_id, convo.customer_id, convo.team) == ("7412309", "6650c2f1a9e3b40017d4e2a8", "5021337")
    assert convo.metadata["rating"] == 5


def test_helpdesk_intercom_round_trips_through_warmline_json(tmp_path: Path) -> None:
    convo = _one(INTERCOM, "intercom")
    assert _round_trip(convo, tmp_path) == convo


def test_helpdesk_intercom_email_source_makes_an_email_conversation(tmp_path: Path) -> None:
    doc = json.loads(INTERCOM.read_text(encoding="utf-8"))
    doc["source"]["type"] = "email"
    assert _one(_write(tmp_path, doc), "intercom").channel is Channel.EMAIL


def test_helpdesk_intercom_unknown_author_type_names_the_file_and_field(tmp_path: Path) -> None:
    doc = json.loads(INTERCOM.read_text(encoding="utf-8"))
    doc["conversation_parts"]["conversation_parts"][4]["author"]["type"] = "visitor"
    path = _write(tmp_path, doc, "odd_author.json")
    (item,) = _read(path, "intercom")
    assert isinstance(item, RecordError)
    message = str(item.error)
    assert "odd_author.json" in message
    assert "conversation_parts.conversation_parts[4].author.type" in message
    assert item.error.record == "21349876543"


def test_helpdesk_html_to_text_keeps_paragraphs_and_decodes_entities() -> None:
    assert (
        html_to_text("<p>Hi&nbsp;Sam,</p><p>I&#39;m <b>so</b> sorry.<br>Really.</p>")
        == "Hi Sam,\nI'm so sorry.\nReally."
    )
    assert html_to_text("plain &amp; simple") == "plain & simple"


@pytest.mark.parametrize("name", ["zendesk", "intercom"])
def test_helpdesk_rejects_a_file_of_another_format_naming_it(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, {"entries": [{"text": "hi", "role": "CUSTOMER", "user_id": 1}]}, "ccai.json")
    with pytest.raises(InvalidInputError) as caught:
        _read(path, name)
    assert "ccai.json" in str(caught.value)
