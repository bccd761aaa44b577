"""How well warmline's empathy score agrees with human judgement.

1. ESConv valid (../shared/data/esconv/valid.jsonl): each dialogue carries the seeker's own 1–5 rating
   of the supporter's empathy. Reports ROC-AUC of the score for separating high from low ratings
   (5 vs ≤ 4, and 5 vs ≤ 3) and Spearman's rho over every rated dialogue, beside a trivial baseline
   (the supporter's average turn length in words).
2. The rubric-rated customer-service set (training/data/rated_conversations/, rated 1–5 by the
   rubric in docs/rubric.md before any score was computed): Spearman's rho, beside the same baseline.

Run: .venv/bin/python training/eval_score_agreement.py   (writes training/results/score_agreement.json)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from warmline.io import load
from warmline.model import Conversation, Role, Score, Turn
from warmline.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
ESCONV = ROOT.parent / "shared" / "data" / "esconv" / "valid.jsonl"
RATED = ROOT / "training" / "data" / "rated_conversations"
RESULTS = ROOT / "training" / "results" / "score_agreement.json"


def esconv_conversations() -> tuple[list[Conversation], list[int]]:
    convos: list[Conversation] = []
    ratings: list[int] = []
    for n, line in enumerate(ESCONV.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        empathy = (row.get("survey_score") or {}).get("seeker", {}).get("empathy")
        if empathy in (None, ""):
            continue
        turns = tuple(
            Turn(i, Role.CUSTOMER if d["speaker"] == "usr" else Role.AGENT, d["text"].strip())
            for i, d in enumerate(row["dialog"])
            if d["text"].strip()
        )
        convos.append(Conversation(id=f"esconv-valid-{n}", turns=turns))
        ratings.append(int(empathy))
    return convos, ratings


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """ROC-AUC by the Mann–Whitney statistic (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def agent_turn_length(c: Conversation) -> float:
    agent = c.agent_turns()
    return float(np.mean([len(t.text.split()) for t in agent])) if agent else 0.0


def scores_of(convos: list[Conversation]) -> np.ndarray:
    analyses = Pipeline.default().analyse(convos)
    out = []
    for a in analyses:
        score = a.first(Score)
        out.append(score.score if score else 0.0)
    return np.array(out)


def main() -> int:
    results: dict[str, object] = {}
    started = time.perf_counter()

    convos, ratings = esconv_conversations()
    r = np.array(ratings)
    warm = scores_of(convos)
    base = np.array([agent_turn_length(c) for c in convos])
    esconv: dict[str, object] = {
        "dialogues": len(convos),
        "ratings": {str(k): int((r == k).sum()) for k in range(1, 6)},
    }
    for name, values in (("warmline score", warm), ("baseline: agent avg turn length", base)):
        rho, p = spearmanr(values, r)
        esconv[name] = {
            "auc_5_vs_le4": round(auc(values, r == 5), 3),
            "auc_5_vs_le3": round(auc(values[(r == 5) | (r <= 3)], r[(r == 5) | (r <= 3)] == 5), 3),
            "spearman": round(float(rho), 3),
            "spearman_p": float(f"{p:.3g}"),
        }
    results["esconv_valid"] = esconv

    if (RATED / "ratings.json").exists():
        rated_map = json.loads((RATED / "ratings.json").read_text(encoding="utf-8"))
        loaded = load(sorted(p for p in RATED.glob("*.json") if p.name != "ratings.json"))
        by_file = {f"{c.id}.json": c for c in loaded.conversations}
        names = [n for n in sorted(rated_map) if n in by_file]
        rated_convos = [by_file[n] for n in names]
        human = np.array([int(rated_map[n]["rating"]) for n in names])
        warm_r = scores_of(rated_convos)
        base_r = np.array([agent_turn_length(c) for c in rated_convos])
        rated: dict[str, object] = {"conversations": len(names)}
        for name, values in (("warmline score", warm_r), ("baseline: agent avg turn length", base_r)):
            rho, p = spearmanr(values, human)
            rated[name] = {"spearman": round(float(rho), 3), "spearman_p": float(f"{p:.3g}")}
        rated["mean score by rating"] = {
            str(k): round(float(warm_r[human == k].mean()), 1) for k in range(1, 6) if (human == k).any()
        }
        results["rubric_rated"] = rated

    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print("| set | measure | warmline score | baseline (agent avg turn length) |")
    print("|---|---|---|---|")
    e = results["esconv_valid"]
    assert isinstance(e, dict)
    w, b = e["warmline score"], e["baseline: agent avg turn length"]
    for key, label in (
        ("auc_5_vs_le4", "AUC, empathy 5 vs ≤ 4"),
        ("auc_5_vs_le3", "AUC, 5 vs ≤ 3"),
        ("spearman", "Spearman rho"),
    ):
        print(f"| ESConv valid ({e['dialogues']} rated) | {label} | {w[key]} | {b[key]} |")
    if "rubric_rated" in results:
        rr = results["rubric_rated"]
        assert isinstance(rr, dict)
        print(
            f"| rubric-rated ({rr['conversations']}) | Spearman rho | {rr['warmline score']['spearman']} | "
            f"{rr['baseline: agent avg turn length']['spearman']} |"
        )
        print(f"\nmean warmline score by rubric rating: {rr['mean score by rating']}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
