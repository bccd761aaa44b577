"""Scenario files: the shipped ones validate, and every mistake an author can make is a clear ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from warmline.behaviours.catalogue import BEHAVIOUR_IDS
from warmline.errors import ConfigError
from warmline.roleplay.scenario import (
    ENDING_KINDS,
    PSEUDO_SIGNALS,
    Scenario,
    get_scenario,
    parse_scenario,
    shipped_scenarios,
)

MINIMAL = """\
id: tiny
title: A tiny scenario
situation: The customer was charged twice.
persona: {name: Ana Silva, temperament: brisk, patience: 2}
facts:
  amount: It was ten pounds.
opening: [You charged me twice.]
start: frustrated
jargon: [pro rata]
states:
  frustrated:
    lines: [Sort it out., I want my money back.]
    transitions:
      acknowledge_emotion: calm
      dismissive: angry
  angry:
    lines: [Unbelievable., I'm fuming.]
    transitions: {acknowledge_emotion: frustrated}
  calm:
    lines: [Okay., Go on then.]
    transitions: {dismissive: frustrated}
endings:
  hang_up: {when: {patience_at_most: 0}, lines: [Bye.]}
  escalation_to_supervisor: {when: {state: angry, turns_in_state: 2}, lines: [Manager, now.]}
  resolved_satisfied:
    when: {requires: [ownership, next_steps], trust_at_least: 6, states: [calm]}
    lines: [Thanks.]
  resolved_unhappy: {when: {requires: [next_steps], state: frustrated}, lines: [Fine.]}
"""


def _parse(data: dict[str, Any]) -> Scenario:
    return parse_scenario(yaml.safe_dump(data, sort_keys=False), source="tiny.yaml")


def _error(mutate: Any) -> ConfigError:
    data = yaml.safe_load(MINIMAL)
    mutate(data)
    with pytest.raises(ConfigError) as info:
        _parse(data)
    assert info.value.path == "tiny.yaml"
    return info.value


def test_scenario_minimal_parses() -> None:
    s = parse_scenario(MINIMAL, source="tiny.yaml")
    assert s.id == "tiny" and s.start == "frustrated"
    assert s.persona.short_name == "Ana"
    assert s.start_patience == 4  # twice the persona's patience by default
    assert s.facts[0].keywords == ("amount",)
    assert s.states["angry"].emotion == "anger"
    assert s.effect("dismissive").patience == -2  # the default effects apply
    assert next(e.kind for e in s.endings) == "hang_up"


def test_scenario_unknown_state_in_transition_names_field() -> None:
    err = _error(lambda d: d["states"]["frustrated"]["transitions"].update(dismissive="furious"))
    assert err.field == "states.frustrated.transitions.dismissive"
    assert "unknown state 'furious'" in err.message
    assert "frustrated, angry, calm" in err.message


def test_scenario_unknown_behaviour_id_suggests_the_right_one() -> None:
    err = _error(lambda d: d["states"]["angry"]["transitions"].update(dismisive="calm"))
    assert err.field == "states.angry.transitions.dismisive"
    assert "unknown behaviour id 'dismisive'" in err.message and "did you mean 'dismissive'" in err.message


def test_scenario_unknown_behaviour_in_ending_condition() -> None:
    err = _error(lambda d: d["endings"]["resolved_satisfied"]["when"].update(requires=["ownership", "empathy"]))
    assert err.field == "endings.resolved_satisfied.when.requires[1]"


def test_scenario_state_with_too_few_lines_is_missing_lines() -> None:
    err = _error(lambda d: d["states"]["calm"].update(lines=["Okay."]))
    assert err.field == "states.calm.lines"
    assert "missing lines" in err.message and "at least 2" in err.message


def test_scenario_state_without_lines_is_missing_lines() -> None:
    err = _error(lambda d: d["states"]["calm"].pop("lines"))
    assert err.field == "states.calm.lines" and "missing lines" in err.message


def test_scenario_ending_without_lines() -> None:
    err = _error(lambda d: d["endings"]["hang_up"].update(lines=[]))
    assert err.field == "endings.hang_up.lines"


def test_scenario_unreachable_state() -> None:
    def cut(d: dict[str, Any]) -> None:
        # nothing leads to "calm" any more, so neither it nor the ending that needs it can happen
        d["states"]["frustrated"]["transitions"] = {"dismissive": "angry"}
        d["states"]["angry"]["transitions"] = {"acknowledge_emotion": "frustrated"}

    err = _error(cut)
    assert err.field == "states.calm" and "never reached" in err.message


def test_scenario_unreachable_ending_meter() -> None:
    def no_trust(d: dict[str, Any]) -> None:
        d["effects"] = {b: {"patience": -1} for b in ("ownership", "next_steps", "acknowledge_emotion")}
        d["effects"].update({b: {} for b in ("paraphrase", "reassurance", "check_understanding")})
        d["effects"].update({b: {} for b in ("personalisation", "information")})

    err = _error(no_trust)
    assert err.field == "endings.resolved_satisfied.when"
    assert "can never happen" in err.message and "no effect raises it to 6" in err.message


def test_scenario_unreachable_ending_turns() -> None:
    def too_late(d: dict[str, Any]) -> None:
        d["max_turns"] = 5
        d["endings"]["resolved_unhappy"]["when"]["turns_at_least"] = 8

    err = _error(too_late)
    assert err.field == "endings.resolved_unhappy.when" and "max_turns=5" in err.message


def test_scenario_contradictory_ending() -> None:
    err = _error(lambda d: d["endings"]["resolved_unhappy"]["when"].update(trust_at_least=5, trust_at_most=3))
    assert err.field == "endings.resolved_unhappy.when" and "can never happen" in err.message


def test_scenario_every_ending_is_required() -> None:
    err = _error(lambda d: d["endings"].pop("hang_up"))
    assert err.field == "endings" and "missing ending 'hang_up'" in err.message


def test_scenario_unknown_ending_kind() -> None:
    err = _error(lambda d: d["endings"].update(walked_out={"when": {"patience_at_most": 0}, "lines": ["Bye."]}))
    assert err.field == "endings.walked_out"


def test_scenario_unknown_key_and_bad_patience() -> None:
    assert _error(lambda d: d["states"]["calm"].update(transtions={})).field == "states.calm.transtions"
    err = _error(lambda d: d["persona"].update(patience=9))
    assert err.field == "persona.patience" and "outside 1–5" in err.message


def test_scenario_jargon_transition_needs_a_list() -> None:
    def no_jargon(d: dict[str, Any]) -> None:
        d.pop("jargon")
        d["states"]["calm"]["transitions"]["jargon"] = "frustrated"

    err = _error(no_jargon)
    assert err.field == "states.calm.transitions.jargon"


def test_scenario_unknown_start_and_condition_state() -> None:
    assert _error(lambda d: d.update(start="furious")).field == "start"
    err = _error(lambda d: d["endings"]["escalation_to_supervisor"]["when"].update(state="livid"))
    assert err.field == "endings.escalation_to_supervisor.when.states" and "unknown state 'livid'" in err.message


def test_scenario_error_names_the_line() -> None:
    text = MINIMAL.replace("      dismissive: angry\n", "      dismissive: furious\n", 1)
    with pytest.raises(ConfigError) as info:
        parse_scenario(text, source="tiny.yaml")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "furious" in ln)
    assert info.value.line == line
    assert str(info.value).startswith(f"tiny.yaml:{line}: field 'states.frustrated.transitions.dismissive'")


def test_scenario_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nstates: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Scenario.load(path)
    assert info.value.path == str(path) and info.value.line is not None


def test_scenario_get_by_id_and_by_path(tmp_path: Path) -> None:
    assert get_scenario("billing-double-charge").persona.name == "Dana Reyes"
    path = tmp_path / "mine.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert get_scenario(path).id == "tiny"
    with pytest.raises(ConfigError, match="no scenario 'nope'"):
        get_scenario("nope")
    with pytest.raises(ConfigError, match="cannot read scenario"):
        get_scenario(tmp_path / "missing.yaml")


# --- the shipped scenarios ------------------------------------------------------------------------

SHIPPED = shipped_scenarios()


def test_scenario_at_least_ten_shipped_covering_the_brief() -> None:
    ids = {s.id for s in SHIPPED}
    assert len(ids) >= 10
    for needed in ("billing", "outage", "delivery", "bereavement", "repeat", "manager", "elderly", "fraud"):
        assert any(needed in i for i in ids), needed
    assert any("cancel" in i for i in ids) and "branch-closure" in ids


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda s: s.id)
def test_scenario_shipped_is_rich_enough(scenario: Scenario) -> None:
    assert {e.kind for e in scenario.endings} == set(ENDING_KINDS)
    assert len(scenario.opening) >= 3
    assert len(scenario.facts) >= 3
    assert scenario.issue
    for state in scenario.states.values():
        assert len(state.lines) >= 3, f"{scenario.id}: state {state.name} has only {len(state.lines)} variants"
        for signal in state.transitions:
            assert signal in BEHAVIOUR_IDS or signal in PSEUDO_SIGNALS
    every_line = [ln for st in scenario.states.values() for ln in st.lines] + list(scenario.opening)
    assert len(every_line) == len(set(every_line)), "a line is reused across states"


def test_scenario_shipped_files_round_trip_through_load() -> None:
    folder = Path(__file__).resolve().parents[2] / "src" / "warmline" / "data" / "scenarios"
    files = sorted(folder.glob("*.yaml"))
    assert len(files) == len(SHIPPED)
    for path in files:
        assert Scenario.load(path).id == path.stem
