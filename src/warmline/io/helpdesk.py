"""Helpdesk exports: Zendesk ticket comments and Intercom conversations, as e-mail or chat conversations.

- ``zendesk``: a ticket with its comments (``{"ticket": ..., "comments": [...], "users": [...]}``, or a
  comments page fetched with ``?include=users``). Authors' roles come from the ``users[]`` sideload
  (``end-user`` → customer, ``agent``/``admin`` → agent). Private comments (internal notes) are
  skipped by default and counted in ``metadata["private_comments_skipped"]``.
- ``intercom``: a conversation object (``type: conversation``) with its ``source`` message and
  ``conversation_parts``. HTML bodies become plain text; notes and parts other than comments
  (assignments, closes...) are dropped and counted in ``metadata["skipped_parts"]``.

Times are seconds from the first message; ``started_at`` is that message's time.
See ``docs/formats/zendesk.md`` and ``docs/formats/intercom.md``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io._vendor_json import (
    as_list,
    as_object,
    epoch_datetime,
    finish_turns,
    first_object,
    head_has_keys,
    iso_datetime,
    load_json,
    map_role,
    not_this_format,
    number,
    parse_head,
    record_error,
    records,
    role_key,
)
from warmline.io.base import RecordError, register_importer
from warmline.model import Channel, Conversation, Role, Turn

# --- HTML to text ------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text from a message's HTML: tags dropped, entities decoded, one line per paragraph.

    Examples
    --------
    >>> html_to_text("<p>Hi Sam,</p><p>I&#39;m <b>so</b> sorry.</p>")
    "Hi Sam,\\nI'm so sorry."
    """
    if "<" not in html:
        return unescape(html).strip()
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _origin(times: list[datetime | None]) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


# --- Zendesk -----------------------------------------------------------------------------------

_ZENDESK_ROLES = {"end_user": Role.CUSTOMER, "agent": Role.AGENT, "admin": Role.AGENT}
_ZENDESK_CHAT = {
    "chat",
    "chat_transcript",
    "native_messaging",
    "messaging",
    "sms",
    "whatsapp",
    "facebook",
    "twitter",
    "instagram_dm",
    "line",
    "wechat",
    "mobile_sdk",
}
_ZENDESK_VOICE = {"voice", "phone", "phone_call_inbound", "phone_call_outbound"}
_WHAT_ZENDESK = "Zendesk ticket comments"


def _looks_like_zendesk(doc: Mapping[str, Any]) -> bool:
    comments = doc.get("comments")
    if not isinstance(comments, list):
        return False
    if not comments:
        return isinstance(doc.get("ticket"), Mapping)
    first = comments[0]
    return (
        isinstance(first, Mapping)
        and "author_id" in first
        and any(k in first for k in ("plain_body", "body", "html_body"))
        and ("public" in first or "via" in first)
    )


class ZendeskImporter:
    """A Zendesk ticket and its comments, with the ``users[]`` sideload for roles.

    Parameters
    ----------
    include_private
        Keep private comments (internal notes) as agent turns marked ``metadata["public"] = False``.
    """

    name = "zendesk"
    description = "Zendesk ticket comments export: ticket, comments[] (author_id, body, public), users[]"

    def __init__(self, *, include_private: bool = False) -> None:
        self.include_private = include_private

    def sniff(self, path: Path, head: str) -> float:
        doc = first_object(parse_head(head))
        if doc is not None:
            return 0.95 if _looks_like_zendesk(doc) else 0.0
        if head_has_keys(head, "comments", "author_id", "public") and (
            head_has_keys(head, "plain_body") or head_has_keys(head, "html_body")
        ):
            return 0.85
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT_ZENDESK)
        docs = records(data)
        if not any(isinstance(d, Mapping) and isinstance(d.get("comments"), list) for d in docs):
            raise not_this_format(path, _WHAT_ZENDESK, "expected an object with a comments list (and ticket, users)")
        for number_, doc in enumerate(docs, start=1):
            record: int | str = number_
            try:
                doc = as_object(doc, f"[{number_ - 1}]")
                ticket = doc.get("ticket")
                ticket = as_object(ticket, "ticket") if ticket is not None else {}
                record = str(ticket["id"]) if ticket.get("id") is not None else number_
                fallback = path.stem if len(docs) == 1 else f"{path.stem}-{number_}"
                yield self._conversation(doc, ticket, str(record) if ticket.get("id") is not None else fallback)
            except WarmlineError as exc:
                yield record_error(exc, path, record)

    def _conversation(self, doc: Mapping[str, Any], ticket: Mapping[str, Any], convo_id: str) -> Conversation:
        users = _zendesk_users(doc)
        requester = ticket.get("requester_id")
        assignee = ticket.get("assignee_id")
        kept: list[tuple[Turn, datetime | None]] = []
        private = 0
        for i, raw in enumerate(as_list(doc["comments"], "comments")):
            where = f"comments[{i}]"
            comment = as_object(raw, where)
            public = comment.get("public", True) is not False
            if not public and not self.include_private:
                private += 1
                continue
            author = comment.get("author_id")
            if author is None:
                raise InvalidInputError("missing author_id", field=f"{where}.author_id")
            role = _zendesk_role(author, users, requester, assignee, where)
            text = _zendesk_text(comment, where)
            at = iso_datetime(comment.get("created_at"), f"{where}.created_at")
            meta: dict[str, Any] = {}
            if comment.get("id") is not None:
                meta["comment_id"] = str(comment["id"])
            via = comment.get("via")
            if isinstance(via, Mapping) and via.get("channel") is not None:
                meta["via_channel"] = str(via["channel"])
            if not public:
                meta["public"] = False
            kept.append((Turn(index=i, role=role, text=text, speaker_id=str(author), metadata=meta), at))

        origin = _origin([at for _, at in kept])
        turns = [t if at is None or origin is None else _with_start(t, (at - origin).total_seconds()) for t, at in kept]
        metadata: dict[str, Any] = {"source_format": self.name}
        for key in ("subject", "status", "priority", "type"):
            if ticket.get(key) is not None:
                metadata["ticket_type" if key == "type" else key] = str(ticket[key])
        if isinstance(ticket.get("tags"), list) and ticket["tags"]:
            metadata["tags"] = [str(t) for t in ticket["tags"]]
        via_channel = _zendesk_via(ticket, doc)
        if via_channel is not None:
            metadata["via_channel"] = via_channel
        if private:
            metadata["private_comments_skipped"] = private
        return Conversation(
            id=convo_id,
            turns=finish_turns(turns, metadata, where="comments"),
            channel=_zendesk_channel(via_channel),
            started_at=origin,
            agent_id=None if assignee is None else str(assignee),
            customer_id=None if requester is None else str(requester),
            team=None if ticket.get("group_id") is None else str(ticket["group_id"]),
            metadata=metadata,
        )


def _zendesk_users(doc: Mapping[str, Any]) -> dict[str, str]:
    """User id → role, from the ``users[]`` sideload."""
    found: dict[str, str] = {}
    raw = doc.get("users")
    if raw is None:
        return found
    for i, item in enumerate(as_list(raw, "users")):
        item = as_object(item, f"users[{i}]")
        if item.get("id") is not None and item.get("role") is not None:
            map_role(item["role"], _ZENDESK_ROLES, f"users[{i}].role")
            found[str(item["id"])] = str(item["role"])
    return found


def _zendesk_role(author: Any, users: Mapping[str, str], requester: Any, assignee: Any, where: str) -> Role:
    if str(author) in users:
        return map_role(users[str(author)], _ZENDESK_ROLES, f"{where}.author_id")
    # without the sideload, the ticket still says who asked and who answers
    if requester is not None and str(author) == str(requester):
        return Role.CUSTOMER
    if assignee is not None and str(author) == str(assignee):
        return Role.AGENT
    raise InvalidInputError(
        f"author {author} is not in users[] and is neither the ticket's requester nor its assignee; "
        "export the comments with ?include=users",
        field=f"{where}.author_id",
    )


def _zendesk_text(comment: Mapping[str, Any], where: str) -> str:
    for key in ("plain_body", "body"):
        if isinstance(comment.get(key), str):
            return str(comment[key]).strip()
    if isinstance(comment.get("html_body"), str):
        return html_to_text(comment["html_body"])
    raise InvalidInputError("missing body (plain_body, body or html_body)", field=f"{where}.body")


def _zendesk_via(ticket: Mapping[str, Any], doc: Mapping[str, Any]) -> str | None:
    via = ticket.get("via")
    if isinstance(via, Mapping) and via.get("channel") is not None:
        return str(via["channel"])
    for comment in doc.get("comments") or []:
        if isinstance(comment, Mapping) and isinstance(comment.get("via"), Mapping):
            channel = comment["via"].get("channel")
            if channel is not None:
                return str(channel)
    return None


def _zendesk_channel(via: str | None) -> Channel:
    key = role_key(via or "")
    if key in _ZENDESK_CHAT or key.startswith("sunshine_conversations"):
        return Channel.CHAT
    if key in _ZENDESK_VOICE:
        return Channel.VOICE
    return Channel.EMAIL  # e-mail, web form, API: a ticket is an asynchronous written thread


# --- Intercom ----------------------------------------------------------------------------------

_INTERCOM_ROLES = {
    "user": Role.CUSTOMER,
    "lead": Role.CUSTOMER,
    "contact": Role.CUSTOMER,
    "admin": Role.AGENT,
    "team": Role.AGENT,
    "bot": Role.BOT,
}
_WHAT_INTERCOM = "Intercom conversation"


def _intercom_docs(data: Any) -> list[Any]:
    if isinstance(data, Mapping) and data.get("type") == "conversation.list":
        return list(data.get("conversations") or [])
    return list(data) if isinstance(data, list) else [data]


def _looks_like_intercom(doc: Mapping[str, Any]) -> bool:
    kind = doc.get("type")
    if kind == "conversation.list":
        return isinstance(doc.get("conversations"), list)
    return kind == "conversation" and ("conversation_parts" in doc or isinstance(doc.get("source"), Mapping))


class IntercomImporter:
    """An Intercom conversation (``type: conversation``): its source message and comment parts."""

    name = "intercom"
    description = "Intercom conversation JSON: source, conversation_parts[] (part_type, body HTML, author.type)"

    def sniff(self, path: Path, head: str) -> float:
        doc = first_object(parse_head(head))
        if doc is not None:
            return 0.95 if _looks_like_intercom(doc) else 0.0
        if re.search(r'"type"\s*:\s*"conversation"', head) and (
            head_has_keys(head, "conversation_parts") or head_has_keys(head, "delivered_as")
        ):
            return 0.85  # conversation_parts come last in Intercom's output; the source's delivered_as comes early
        return 0.0

    def read(self, path: Path) -> Iterator[Conversation | RecordError]:
        data = load_json(path, _WHAT_INTERCOM)
        docs = _intercom_docs(data)
        if not any(isinstance(d, Mapping) and d.get("type") == "conversation" for d in docs):
            raise not_this_format(path, _WHAT_INTERCOM, 'expected an object with "type": "conversation"')
        for number_, doc in enumerate(docs, start=1):
            record: int | str = number_
            try:
                doc = as_object(doc, f"[{number_ - 1}]")
                if doc.get("id") is None:
                    raise InvalidInputError("a conversation needs an id", field="id")
                record = str(doc["id"])
                yield self._conversation(doc)
            except WarmlineError as exc:
                yield record_error(exc, path, record)

    def _conversation(self, doc: Mapping[str, Any]) -> Conversation:
        skipped: Counter[str] = Counter()
        kept: list[tuple[Turn, float | None]] = []
        source = doc.get("source")
        if source is not None:
            source = as_object(source, "source")
            created = number(doc.get("created_at"), "created_at")
            kept.append((_intercom_turn(source, "source", created, part_id=source.get("id")), created))
        parts_holder = doc.get("conversation_parts")
        parts: list[Any] = []
        parts_where = "conversation_parts"
        if isinstance(parts_holder, Mapping):
            parts, parts_where = (
                as_list(parts_holder.get("conversation_parts") or [], "conversation_parts.conversation_parts"),
                "conversation_parts.conversation_parts",
            )
        elif parts_holder is not None:
            parts = as_list(parts_holder, "conversation_parts")
        for i, raw in enumerate(parts):
            where = f"{parts_where}[{i}]"
            part = as_object(raw, where)
            kind = str(part.get("part_type", "comment"))
            if kind != "comment":
                skipped[kind] += 1  # notes are private; assignments, closes... are not said to the customer
                continue
            at = number(part.get("created_at"), f"{where}.created_at")
            kept.append((_intercom_turn(part, where, at, part_id=part.get("id")), at))

        known = [at for _, at in kept if at is not None]
        origin = min(known) if known else None
        turns = [t if at is None or origin is None else _with_start(t, at - origin) for t, at in kept]

        metadata: dict[str, Any] = {"source_format": self.name}
        title = doc.get("title") or (source.get("subject") if isinstance(source, Mapping) else None)
        if title:
            metadata["title"] = html_to_text(str(title))
        if doc.get("state") is not None:
            metadata["state"] = str(doc["state"])
        tags = doc.get("tags")
        if isinstance(tags, Mapping) and isinstance(tags.get("tags"), list):
            names = [str(t["name"]) for t in tags["tags"] if isinstance(t, Mapping) and t.get("name")]
            if names:
                metadata["tags"] = names
        rating = doc.get("conversation_rating")
        if isinstance(rating, Mapping) and rating.get("rating") is not None:
            value = rating["rating"]
            metadata["rating"] = value if isinstance(value, int) else number(value, "conversation_rating.rating")
        if skipped:
            metadata["skipped_parts"] = dict(sorted(skipped.items()))
        return Conversation(
            id=str(doc["id"]),
            turns=finish_turns(turns, metadata, where=parts_where),
            channel=_intercom_channel(doc),
            started_at=None if origin is None else epoch_datetime(origin),
            agent_id=_intercom_agent(doc, turns),
            customer_id=_intercom_customer(doc, turns),
            team=None if doc.get("team_assignee_id") is None else str(doc["team_assignee_id"]),
            metadata=metadata,
        )


def _intercom_turn(part: Mapping[str, Any], where: str, at: float | None, *, part_id: Any) -> Turn:
    author = part.get("author")
    if not isinstance(author, Mapping):
        raise InvalidInputError("missing author", field=f"{where}.author")
    role = map_role(author.get("type"), _INTERCOM_ROLES, f"{where}.author.type")
    body = part.get("body")
    if body is not None and not isinstance(body, str):
        raise InvalidInputError("body must be a string of HTML", field=f"{where}.body")
    meta: dict[str, Any] = {"author_type": str(author.get("type"))}
    if part_id is not None:
        meta["part_id"] = str(part_id)
    return Turn(
        index=0,
        role=role,
        text=html_to_text(body or ""),
        speaker_id=None if author.get("id") is None else str(author["id"]),
        metadata=meta,
    )


def _intercom_channel(doc: Mapping[str, Any]) -> Channel:
    raw = doc.get("source")
    source: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    hints = [doc.get("channel"), source.get("type"), source.get("delivered_as"), source.get("channel")]
    if any("email" in str(h).lower() for h in hints if h is not None):
        return Channel.EMAIL
    return Channel.CHAT


def _intercom_agent(doc: Mapping[str, Any], turns: list[Turn]) -> str | None:
    if doc.get("admin_assignee_id") is not None:
        return str(doc["admin_assignee_id"])
    return next((t.speaker_id for t in turns if t.role is Role.AGENT and t.speaker_id), None)


def _intercom_customer(doc: Mapping[str, Any], turns: list[Turn]) -> str | None:
    found = next((t.speaker_id for t in turns if t.role is Role.CUSTOMER and t.speaker_id), None)
    if found is not None:
        return found
    contacts = doc.get("contacts")
    if isinstance(contacts, Mapping) and isinstance(contacts.get("contacts"), list) and contacts["contacts"]:
        first = contacts["contacts"][0]
        if isinstance(first, Mapping) and first.get("id") is not None:
            return str(first["id"])
    return None


def _with_start(turn: Turn, start: float) -> Turn:
    return Turn(
        index=turn.index,
        role=turn.role,
        text=turn.text,
        speaker_id=turn.speaker_id,
        start=start,
        end=turn.end,
        channel=turn.channel,
        metadata=turn.metadata,
    )


register_importer(ZendeskImporter())
register_importer(IntercomImporter())

__all__ = ["IntercomImporter", "ZendeskImporter", "html_to_text"]
