"""The statement library: validation, fitting lines to the customer, never pity, never the same twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.coach.statements import StatementLibrary, better_response
from warmline.errors import ConfigError


def test_statements_shipped_library_loads_and_fills_name() -> None:
    lib = StatementLibrary.load()
    line = lib.suggest("commitment", name="Priya", seed=1)
    assert line == "I'll personally follow this through, Priya, and keep you updated."
    # without a name, lines that need one are skipped rather than left with a hole
    for seed in range(6):
        assert "{name}" not in (lib.suggest("commitment", seed=seed) or "")
        assert ",  " not in (lib.suggest("commitment", seed=seed) or "")


def test_statements_avoid_repeats_the_last_suggestion() -> None:
    lib = StatementLibrary.load()
    first = lib.suggest("closure", seed=0)
    assert first is not None
    assert lib.suggest("closure", seed=0, avoid=[first]) != first


def test_statements_better_response_uses_customer_words() -> None:
    text = better_response(
        StatementLibrary.load(),
        emotion="anxiety",
        name="Sam",
        seed=3,
        customer_text="Someone has taken £400 out of my account and I didn't do it.",
    )
    assert "someone has taken £400 out of your account and you didn't do it" in text
    assert "poor" not in text.lower() and "sorry for you" not in text.lower()


@pytest.mark.parametrize(
    ("yaml_text", "field", "message"),
    [
        ("statements:\n  thanks: ['Oh you poor thing, thanks']\n", "statements.thanks[0]", "pity"),
        ("statements:\n  greetings: ['hi']\n", "statements.greetings", "unknown kind"),
        ("statements:\n  understanding:\n    boredom: ['ok']\n", "statements.understanding.boredom", "unknown emotion"),
        ("statements:\n  thanks: ['Thanks {customer}']\n", "statements.thanks[0]", "unknown placeholder"),
        ("statements:\n  thanks: []\n", "statements.thanks", "non-empty list"),
        ("nothing: here\n", "statements", "statements"),
    ],
)
def test_statements_validation_names_file_and_field(tmp_path: Path, yaml_text: str, field: str, message: str) -> None:
    path = tmp_path / "lines.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        StatementLibrary.load(path)
    assert info.value.field == field and message in str(info.value)
    assert str(path) in str(info.value)
