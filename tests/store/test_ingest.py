"""Importing into the store: idempotent, one transaction per conversation, bad records reported not fatal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from warmline.errors import InvalidInputError, WarmlineError
from warmline.io.base import RecordError
from warmline.model import Channel, Conversation, Role, Turn
from warmline.store import NotFoundError, Store, StoreError
from warmline.store.tables import AgentRow, ConversationRow, TeamRow, TurnRow

from .helpers import conversation


def _count(store: Store, column: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count(column))).scalar_one())


def test_ingest_round_trips_every_field(store: Store) -> None:
    original = Conversation(
        id="call-1",
        channel=Channel.VOICE,
        started_at=datetime(2026, 3, 2, 9, 15, 30, tzinfo=timezone(timedelta(hours=-5))),
        agent_id="agent-ana",
        customer_id="cust-9",
        team="billing",
        metadata={"queue": "disputes", "tags": ["vip", "repeat"], "wait_s": 41.5},
        turns=(
            Turn(0, Role.CUSTOMER, "I was charged twice.", speaker_id="spk_1", start=0.0, end=2.25, channel="ch1"),
            Turn(1, Role.AGENT, "I'm sorry — let me look.", speaker_id="spk_0", start=2.5, end=4.0, metadata={"x": 1}),
            Turn(2, Role.SYSTEM, "Call transferred."),
        ),
    )
    naive = conversation("chat-2", started_at=datetime(2026, 3, 2, 10, 0), agent_id=None, team=None)
    undated = conversation("chat-3", started_at=None)
    assert store.ingest([original, naive, undated]).created == 3
    back = store.get_conversation("call-1")
    assert back == original
    assert back.started_at is not None and back.started_at.utcoffset() == timedelta(hours=-5)
    assert store.get_conversation("chat-2") == naive
    assert store.get_conversation("chat-2").started_at.tzinfo is None  # type: ignore[union-attr]
    assert store.get_conversation("chat-3") == undated


def test_ingest_same_conversations_twice_stores_them_once(store: Store) -> None:
    convos = [conversation("c1"), conversation("c2", texts=("Hi", "Hello", "Bye"))]
    first = store.ingest(convos)
    second = store.ingest(convos)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert _count(store, ConversationRow.id) == 2
    assert _count(store, TurnRow.id) == 5
    assert _count(store, AgentRow.id) == 1
    assert _count(store, TeamRow.id) == 1


def test_ingest_changed_conversation_is_updated_in_place_and_its_turns_replaced(store: Store) -> None:
    store.ingest([conversation("c1", texts=("one", "two", "three", "four"))])
    changed = conversation("c1", texts=("one", "two, corrected"), channel=Channel.EMAIL, team="support")
    result = store.ingest([changed])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert store.get_conversation("c1") == changed
    assert _count(store, ConversationRow.id) == 1
    assert _count(store, TurnRow.id) == 2


def test_ingest_ids_are_unique_per_source(store: Store) -> None:
    store.ingest([conversation("c1", texts=("from genesys",))], source="genesys")
    store.ingest([conversation("c1", texts=("from zendesk",))], source="zendesk")
    assert store.get_conversation("c1", source="genesys").turns[0].text == "from genesys"
    assert store.get_conversation("c1", source="zendesk").turns[0].text == "from zendesk"
    with pytest.raises(NotFoundError, match="no conversation 'c1' in source 'default'"):
        store.get_conversation("c1")


def test_ingest_bad_records_between_good_ones_are_reported_and_the_good_ones_stored(store: Store) -> None:
    from_importer = InvalidInputError("'caller' is not one of agent, customer", path="calls.jsonl", line=2)
    nul = conversation("c-nul", texts=("fine", "bad \x00 byte"))
    twice = replace(conversation("c-twice"), turns=(Turn(0, Role.CUSTOMER, "a"), Turn(0, Role.AGENT, "b")))
    seen: list[WarmlineError] = []
    items = [conversation("c1"), RecordError(from_importer), conversation("c2"), nul, twice, conversation("c3")]
    result = store.ingest(items, on_error=seen.append)
    assert result.created == 3
    assert seen == result.errors
    assert [str(e) for e in result.errors] == [
        "calls.jsonl:2: 'caller' is not one of agent, customer",
        "record c-nul: field 'turns[1].text': contains a NUL character (0x00); remove it from the source",
        "record c-twice: field 'turns[1].index': turn index 0 is used twice",
    ]
    assert [store.get_conversation(i).id for i in ("c1", "c2", "c3")] == ["c1", "c2", "c3"]
    for missing in ("c-nul", "c-twice"):
        with pytest.raises(NotFoundError):
            store.get_conversation(missing)


def test_ingest_crash_in_the_source_keeps_the_conversations_already_stored(store: Store) -> None:
    def source() -> Iterator[Conversation]:
        for i in range(5):
            if i == 3:
                raise RuntimeError("the importer crashed")
            yield conversation(f"c{i}")

    with pytest.raises(RuntimeError, match="crashed"):
        store.ingest(source())
    assert _count(store, ConversationRow.id) == 3
    assert store.get_conversation("c2").turns == conversation("c2").turns


class _FailTurnsOf:
    """Makes the database fail while it writes the turns of conversations whose text holds a marker."""

    def __init__(self, store: Store, marker: str, error: BaseException) -> None:
        self.store, self.marker, self.error = store, marker, error

    def __enter__(self) -> _FailTurnsOf:
        event.listen(self.store.engine, "before_cursor_execute", self._check)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.store.engine, "before_cursor_execute", self._check)

    def _check(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO TURNS") and self.marker in repr(parameters):
            raise self.error


def test_ingest_database_failure_mid_conversation_rolls_back_only_that_conversation(store: Store) -> None:
    store.ingest([conversation("c2", texts=("old", "turns"))])
    refused = OperationalError("INSERT INTO turns", {}, Exception("disk I/O error"))
    items = [conversation("c1"), conversation("c2", texts=("new", "BOOM")), conversation("c3")]
    with _FailTurnsOf(store, "BOOM", refused):
        result = store.ingest(items)
    assert (result.created, result.updated) == (2, 0)
    assert len(result.errors) == 1
    assert isinstance(result.errors[0], StoreError)
    assert str(result.errors[0]) == "record c2: the database refused this conversation: disk I/O error"
    # the failed update left the stored conversation exactly as it was, turns included
    assert store.get_conversation("c2") == conversation("c2", texts=("old", "turns"))
    assert _count(store, TurnRow.id) == 2 + 2 + 2


def test_ingest_crash_mid_conversation_leaves_no_half_written_conversation(store: Store) -> None:
    items = [conversation("c1"), conversation("c2", texts=("BOOM",)), conversation("c3")]
    with _FailTurnsOf(store, "BOOM", KeyboardInterrupt()), pytest.raises(KeyboardInterrupt):
        store.ingest(items)
    assert store.get_conversation("c1") == conversation("c1")
    with pytest.raises(NotFoundError):
        store.get_conversation("c2")
    assert _count(store, ConversationRow.id) == 1
    assert _count(store, TurnRow.id) == 2


def test_ingest_an_on_error_that_raises_stops_the_import_there(store: Store) -> None:
    def stop(error: WarmlineError) -> None:
        raise error

    bad = conversation("bad", texts=("\x00",))
    with pytest.raises(InvalidInputError, match="NUL"):
        store.ingest([conversation("c1"), bad, conversation("c3")], on_error=stop)
    assert _count(store, ConversationRow.id) == 1


def test_ingest_agents_and_teams_are_shared_and_an_agent_keeps_the_first_team_seen(store: Store) -> None:
    store.ingest(
        [
            conversation("c1", agent_id="agent-ana", team=None),
            conversation("c2", agent_id="agent-ana", team="billing"),
            conversation("c3", agent_id="agent-ana", team="support"),
        ]
    )
    with store.engine.connect() as conn:
        agents = conn.execute(
            select(AgentRow.external_id, TeamRow.name).join(TeamRow, TeamRow.id == AgentRow.team_id)
        ).all()
    assert [tuple(a) for a in agents] == [("agent-ana", "billing")]
    assert store.get_conversation("c3").team == "support"


def test_ingest_stores_started_at_in_utc(store: Store) -> None:
    store.ingest([conversation("c1", started_at=datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=2))))])
    with store.engine.connect() as conn:
        stored = conn.execute(select(ConversationRow.started_at)).scalar_one()
    assert stored == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)
