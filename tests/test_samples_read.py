"""The bundled samples, read by the full default pipeline, the way a careful supervisor would read them.

These run the shipped models end to end, so they are marked slow (they still run in CI).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from warmline.io import load
from warmline.model import Analysis, Behaviour, EmotionalMoment, Score
from warmline.pipeline import Pipeline
from warmline.report.html import render_report

SAMPLES = Path(__file__).parents[1] / "src" / "warmline" / "data" / "samples"
LABELS: dict[str, str] = json.loads((Path(__file__).parent / "fixtures" / "sample_labels.json").read_text())

pytestmark = pytest.mark.slow


@cache
def analyses() -> dict[str, Analysis]:
    result = load([SAMPLES])
    assert not result.errors
    return {f"{a.conversation.id}.json": a for a in Pipeline.default().analyse(result.conversations)}


def _score(name: str) -> float:
    score = analyses()[name].first(Score)
    assert score is not None
    return score.score


def _behaviours(name: str, behaviour: str) -> list[Behaviour]:
    return [b for b in analyses()[name].of_type(Behaviour) if b.behaviour == behaviour]


def test_samples_every_empathic_sample_scores_above_every_poor_one() -> None:
    empathic = {n: _score(n) for n, label in LABELS.items() if label == "empathic"}
    poor = {n: _score(n) for n, label in LABELS.items() if label == "poor"}
    worst_empathic = min(empathic, key=empathic.__getitem__)
    best_poor = max(poor, key=poor.__getitem__)
    assert empathic[worst_empathic] > poor[best_poor], (
        worst_empathic,
        empathic[worst_empathic],
        best_poor,
        poor[best_poor],
    )


def test_samples_pity_phrase_is_flagged() -> None:
    found = _behaviours("bereavement-closure-poor.json", "sympathy_pity")
    assert any(re.search(r"poor thing|feel so sorry for you", ev.text, re.I) for b in found for ev in b.evidence)


def test_samples_paraphrase_is_found() -> None:
    assert _behaviours("billing-dispute-empathic.json", "paraphrase")


def test_samples_blame_and_dismissal_are_flagged() -> None:
    assert _behaviours("billing-dispute-poor.json", "blame")
    assert _behaviours("outage-broadband-poor.json", "dismissive")


def test_samples_poor_agents_miss_or_mishandle_moments() -> None:
    for name in ("bereavement-closure-poor.json", "fraud-scare-poor.json", "outage-broadband-poor.json"):
        statuses = {m.status for m in analyses()[name].of_type(EmotionalMoment)}
        assert statuses & {"missed", "mishandled"}, name
        for m in analyses()[name].of_type(EmotionalMoment):
            if m.status in ("missed", "mishandled"):
                assert m.better_response and "poor thing" not in m.better_response


def test_samples_html_report_is_self_contained_and_shows_why() -> None:
    html = render_report([analyses()["bereavement-closure-poor.json"], analyses()["billing-dispute-empathic.json"]])
    assert not re.search(r"""(src|href)=["']https?://""", html)  # opens offline
    assert "<svg" in html and "Batch summary" in html
    assert 'class="hl-bad"' in html and 'class="hl-good"' in html
    assert "A better response:" in html
    assert "How it was computed:" in html


def test_samples_full_analysis_json_matches_the_published_schema() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).parents[1] / "docs" / "schema" / "warmline-1.schema.json").read_text())
    validator = Draft202012Validator(schema)
    for name, analysis in analyses().items():
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(analysis.to_dict())]
        assert errors == [], name
