"""Scorecard YAML: the shipped default is valid; every mistake names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from warmline.errors import ConfigError
from warmline.scoring.scorecard import Scorecard

GOOD = """
id: acme.qa
version: "3"
name: ACME empathy form
settings: {self_disclosure: reward}
sections:
  - id: connect
    name: Connect
    items:
      - {id: feelings, measure: moments_met, weight: 10}
      - {id: no_blame, measure: behaviour_absent, behaviours: [blame], kind: pass_fail, weight: 5, auto_fail: true}
"""


def test_scorecard_default_is_valid_and_documents_its_setting() -> None:
    card = Scorecard.load()
    assert card.settings["self_disclosure"] == "neutral"
    ids = [i.id for i in card.items]
    for expected in (
        "acknowledge_feelings",
        "reflective_listening",
        "open_questions",
        "ownership",
        "positive_language",
        "personal_pronouns",
        "closure_check",
        "follow_up",
        "no_pity",
        "no_rote_phrases",
        "no_interrupting",
        "personal_experience",
    ):
        assert expected in ids
    assert any(i.auto_fail for i in card.items)


def test_scorecard_custom_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(GOOD, encoding="utf-8")
    card = Scorecard.load(path)
    assert (card.id, card.version, card.settings["self_disclosure"]) == ("acme.qa", "3", "reward")
    assert [i.kind for i in card.items] == ["scaled", "pass_fail"] and card.items[1].auto_fail


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("measure: moments_met", "measure: vibes"), "sections[0].items[0].measure", "unknown measure 'vibes'"),
        (("weight: 10", "weight: -1"), "sections[0].items[0].weight", "positive"),
        (("weight: 10", "weight: ten"), "sections[0].items[0].weight", "must be int or float"),
        (("kind: pass_fail", "kind: maybe"), "sections[0].items[1].kind", "kind must be"),
        (("behaviours: [blame]", "behaviours: [rudeness]"), "sections[0].items[1].behaviours", "unknown behaviour"),
        (("behaviours: [blame], ", ""), "sections[0].items[1].behaviours", "needs a list of behaviours"),
        (("id: no_blame", "id: feelings"), "sections[0].items[1].id", "used twice"),
        (("self_disclosure: reward", "self_disclosure: sometimes"), "settings.self_disclosure", "one of"),
        (("id: acme.qa", "ident: acme.qa"), "id", "required"),
    ],
)
def test_scorecard_errors_name_file_and_field(
    tmp_path: Path, change: tuple[str, str], field: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Scorecard.load(path)
    assert info.value.field == field
    assert message in info.value.message and str(path) in str(info.value)


def test_scorecard_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nsections: [\n  - oops: : :\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Scorecard.load(path)
    assert info.value.line is not None and "not valid YAML" in str(info.value)


def test_scorecard_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read scorecard"):
        Scorecard.load(tmp_path / "none.yaml")
