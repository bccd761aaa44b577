"""docs/roleplay.md stays true: its example scenario loads and its effects table matches the engine's defaults."""

from __future__ import annotations

import re
from pathlib import Path

from warmline.roleplay.scenario import DEFAULT_EFFECTS, parse_scenario

DOC = (Path(__file__).resolve().parents[2] / "docs" / "roleplay.md").read_text(encoding="utf-8")


def test_docs_example_scenario_is_valid() -> None:
    block = re.search(r"```yaml\n(.*?)```", DOC, re.DOTALL)
    assert block is not None
    scenario = parse_scenario(block.group(1), source="docs/roleplay.md")
    assert scenario.id == "billing-double-charge" and scenario.effect("dismissive").patience == -3
    assert all(len(set(s.lines)) == len(s.lines) >= 2 for s in scenario.states.values())


def test_docs_effects_table_matches_the_defaults() -> None:
    rows = re.findall(r"^\| `(\w+)` \| ([+−0-9]+) \| ([+−0-9]+) \|$", DOC, re.MULTILINE)
    table = {name: (int(p.replace("−", "-")), int(t.replace("−", "-"))) for name, p, t in rows}
    expected = {k: (v.get("patience", 0), v.get("trust", 0)) for k, v in DEFAULT_EFFECTS.items()}
    assert table == expected
