"""The functions behind `warmline import` and `warmline user add`: files in, errors named by file and line."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from warmline.errors import WarmlineError
from warmline.store import Store
from warmline.store.commands import add_user, create_token, import_paths

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"
SAMPLES = Path(str(files("warmline") / "data" / "samples"))


def test_commands_import_keeps_good_records_and_names_bad_ones_by_file_and_line(store: Store) -> None:
    calls = FIXTURES / "calls.jsonl"
    seen: list[WarmlineError] = []
    result = import_paths([calls], "auto", None, store, on_error=seen.append)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert [(e.path, e.line) for e in result.errors] == [(str(calls), 2), (str(calls), 4)]
    assert "'caller' is not one of" in str(result.errors[0])
    assert seen == result.errors
    # call-a began at 09:15 UTC, chat-c at 10:00+01:00 = 09:00 UTC; email-e has no start time
    assert [c.id for c in store.list_conversations().items] == ["call-a", "chat-c", "email-e"]
    again = import_paths([calls], "auto", None, store)
    assert (again.created, again.unchanged, len(again.errors)) == (0, 3, 2)


def test_commands_import_names_the_file_of_a_conversation_the_store_refuses(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"schema": "warmline/1", "id": "x", "turns": [{"role": "agent", "text": "a\\u0000b"}]}\n', encoding="utf-8"
    )
    result = import_paths([bad], "warmline-jsonl", None, store)
    assert [str(e) for e in result.errors] == [
        f"{bad}: record x: field 'turns[0].text': contains a NUL character (0x00); remove it from the source"
    ]


def test_commands_import_the_bundled_samples_twice(store: Store) -> None:
    sample_count = len(list(SAMPLES.glob("*.json")))
    first = import_paths([SAMPLES], "auto", None, store)
    assert (first.created, first.errors) == (sample_count, [])
    second = import_paths([SAMPLES], "auto", None, store)
    assert (second.created, second.updated, second.unchanged) == (0, 0, sample_count)
    assert store.list_conversations().total == sample_count


def test_commands_add_user_and_create_token(store: Store) -> None:
    user = add_user("sam", "a long password", "supervisor", teams=["billing"], store=store)
    token = create_token("sam", "laptop", store=store)
    assert store.user_for_token(token) == user
