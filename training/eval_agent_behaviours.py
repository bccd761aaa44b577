"""Evaluate the agent-behaviour analyser on the hand-labelled development set, beside a keyword-only baseline.

    .venv/bin/python training/eval_agent_behaviours.py            # figures -> training/results/agent_behaviours.json
    .venv/bin/python training/eval_agent_behaviours.py --tune     # choose thresholds on the tuning half
    .venv/bin/python training/eval_agent_behaviours.py --tune --write   # ... and write them into the shipped bank

The dev set (training/data/agent_behaviours_dev.jsonl) is split in two halves by a hash of each row's id:
``tune`` (thresholds and confidence calibration of the phrase bank were chosen on it, with ``--tune``) and
``report`` (never used for a choice). Figures are given for both halves and the whole set; the ``report``
half is the honest one. The keyword baseline runs the phrase bank's regex patterns and name rules alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from warmline.behaviours.analyser import AgentTurnInput, detect
from warmline.behaviours.catalogue import BEHAVIOUR_IDS
from warmline.behaviours.phrase_bank import SHIPPED_PATH, PhraseBank, names_in, split_clauses
from warmline.encoders import get_encoder

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "training" / "data" / "agent_behaviours_dev.jsonl"
OUT = ROOT / "training" / "results" / "agent_behaviours.json"
SPLITS = ("report", "tune", "all")


def load_dev(path: Path = DEV) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        unknown = set(row["labels"]) - set(BEHAVIOUR_IDS)
        if unknown:
            sys.exit(f"{path}: row {row['id']}: unknown behaviour(s) {sorted(unknown)}")
    return rows


def split_of(row_id: str) -> str:
    """Deterministic half of the dev set a row belongs to."""
    return "tune" if int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 2 == 0 else "report"


def inputs(rows: Sequence[dict[str, Any]]) -> list[AgentTurnInput]:
    return [
        AgentTurnInput(i, r["text"], r["context"] or None, tuple(names_in(r["context"] or "")))
        for i, r in enumerate(rows)
    ]


def scores(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, Any]:
    """Per-behaviour precision, recall, F1 and support, plus micro and macro averages."""
    per: dict[str, dict[str, float]] = {}
    tp_all = fp_all = fn_all = 0
    for b in BEHAVIOUR_IDS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if b in g and b in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if b not in g and b in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if b in g and b not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        per[b] = _prf(tp, fp, fn)
    macro = {k: float(np.mean([per[b][k] for b in BEHAVIOUR_IDS])) for k in ("precision", "recall", "f1")}
    return {"per_behaviour": per, "micro": _prf(tp_all, fp_all, fn_all), "macro": macro, "rows": len(gold)}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def evaluate(rows: Sequence[dict[str, Any]], *, use_heads: bool) -> dict[str, Any]:
    items = inputs(rows)
    gold = [set(r["labels"]) for r in rows]
    start = time.perf_counter()
    full = [{d.behaviour for d in found} for found in detect(items, use_heads=use_heads)]
    seconds = time.perf_counter() - start
    keyword = [{d.behaviour for d in found} for found in detect(items, use_heads=False, use_similarity=False)]
    halves = [split_of(r["id"]) for r in rows]
    out: dict[str, Any] = {"systems": {}, "seconds_full_system": round(seconds, 2)}
    for name, pred in (("analyser", full), ("keyword_baseline", keyword)):
        out["systems"][name] = {}
        for split in SPLITS:
            keep = [i for i, h in enumerate(halves) if split in ("all", h)]
            out["systems"][name][split] = scores([gold[i] for i in keep], [pred[i] for i in keep])
    out["errors"] = [
        {"id": r["id"], "text": r["text"], "missed": sorted(g - p), "extra": sorted(p - g)}
        for r, g, p in zip(rows, gold, full, strict=True)
        if g != p and split_of(r["id"]) == "report"
    ]
    return out


def tune(rows: Sequence[dict[str, Any]], *, use_heads: bool) -> dict[str, Any]:
    """Per behaviour, the head threshold and similarity threshold that maximise the analyser's F1 on the tuning half.

    A behaviour's F1 depends only on its own detections, so each behaviour is tuned on its own, with its
    patterns and rules fixed: the head threshold (for behaviours the heads score) over the head's own
    shipped threshold, 0.10-0.98 and 1.0 (off), and the phrase-bank similarity threshold over 0.45-0.90
    (0.90: only near-copies of an example). Ties go to the higher thresholds: fewer false alarms on new
    wording. Then the similarity -> confidence calibration (a logistic fit of the label on
    similarity - threshold, over clauses within 0.1 of the threshold or above) and the pattern confidence
    (precision of pattern and rule hits, capped) are fitted on the same half.
    """
    from sklearn.linear_model import LogisticRegression

    from warmline.behaviours.heads import get_heads

    tune_rows = [r for r in rows if split_of(r["id"]) == "tune"]
    bank = PhraseBank.load()
    encoder = get_encoder()
    items = inputs(tune_rows)
    gold = [set(r["labels"]) for r in tune_rows]
    fixed = [{d.behaviour for d in found} for found in detect(items, use_heads=False, use_similarity=False)]
    head_probs: list[dict[str, float]] = [{} for _ in items]
    shipped_head: dict[str, float] = {}
    if use_heads:
        results = get_heads().predict([i.text for i in items], [i.context for i in items])
        for probs, per_turn in zip(head_probs, results, strict=True):
            for r in per_turn:
                probs[r.behaviour] = r.probability
                shipped_head[r.behaviour] = r.threshold
    best_sims: list[dict[str, float]] = []
    for item in items:
        clauses = split_clauses(item.text)
        vectors = encoder.encode([c.text for c in clauses]) if clauses else np.zeros((0, 384), np.float32)
        sims = bank.best_similarities(clauses, vectors, encoder)
        best_sims.append({b: s for b, (s, _) in sims.items()})
    sim_grid = [float(t) for t in np.round(np.arange(0.45, 0.91, 0.01), 2)]
    chosen: dict[str, float] = {}
    chosen_head: dict[str, float] = {}
    achieved: dict[str, float] = {}
    for b in BEHAVIOUR_IDS:
        entry = bank.behaviours.get(b)
        sims_grid = sim_grid if entry is not None and entry.examples else [2.0]
        heads_grid = [2.0]
        if b in shipped_head:
            heads_grid = sorted({shipped_head[b], *np.round(np.arange(0.10, 0.99, 0.02), 2).tolist(), 1.0})
        best = (-1.0, 0.0, 0.0)
        for h in heads_grid:
            for t in sims_grid:
                hit = [
                    b in f or s.get(b, -1.0) >= t or p.get(b, -1.0) >= h
                    for f, s, p in zip(fixed, best_sims, head_probs, strict=True)
                ]
                tp = sum(1 for x, g in zip(hit, gold, strict=True) if x and b in g)
                fp = sum(1 for x, g in zip(hit, gold, strict=True) if x and b not in g)
                fn = sum(1 for x, g in zip(hit, gold, strict=True) if not x and b in g)
                f1 = _prf(tp, fp, fn)["f1"]
                if f1 >= best[0]:
                    best = (f1, h, t)
        achieved[b] = best[0]
        if b in shipped_head:
            chosen_head[b] = round(best[1], 2)
        if sims_grid != [2.0]:
            chosen[b] = best[2]
    xs, ys = [], []
    for g, s in zip(gold, best_sims, strict=True):
        for b, thr in chosen.items():
            if b in s and s[b] >= thr - 0.1:
                xs.append(s[b] - thr)
                ys.append(1 if b in g else 0)
    fit = LogisticRegression(C=1.0).fit(np.asarray(xs)[:, None], np.asarray(ys))
    hits = sum(len(p) for p in fixed)
    correct = sum(len(p & g) for p, g in zip(fixed, gold, strict=True))
    return {
        "thresholds": chosen,
        "head_thresholds": chosen_head,
        "shipped_head_thresholds": shipped_head,
        "analyser_f1_on_tune_half": achieved,
        "calibration": {
            "slope": round(float(fit.coef_[0][0]), 2),
            "intercept": round(float(fit.intercept_[0]), 2),
            # capped: the patterns were refined on this half, so its precision flatters them
            "pattern_confidence": min(0.95, round(correct / hits, 2)) if hits else 0.9,
        },
        "calibration_points": len(xs),
        "tune_rows": len(tune_rows),
    }


def write_tuning(path: Path, tuned: dict[str, Any]) -> None:
    """Write tuned thresholds and calibration into the phrase-bank YAML in place, keeping its comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    current: str | None = None
    section: str | None = None
    skipping_heads = False
    for line in lines:
        if skipping_heads:
            if line.startswith("  ") or not line.strip():
                continue
            skipping_heads = False
        if line and not line.startswith(" "):
            section = line.split(":", 1)[0]
            current = None
            if section == "head_thresholds":
                out.append("head_thresholds:")
                out.extend(f"  {b}: {t:.2f}" for b, t in tuned["head_thresholds"].items())
                skipping_heads = True
                continue
        elif section == "behaviours" and line.startswith("  ") and not line.startswith("   ") and line.endswith(":"):
            current = line.strip()[:-1]
        elif section == "calibration" and line.strip().split(":")[0] in tuned["calibration"]:
            key = line.strip().split(":")[0]
            line = f"  {key}: {tuned['calibration'][key]}"
        elif current in tuned["thresholds"] and line.startswith("    threshold:"):
            line = f"    threshold: {tuned['thresholds'][current]:.2f}"
        out.append(line)
    if "head_thresholds" not in {ln.split(":", 1)[0] for ln in lines}:
        at = next(i for i, ln in enumerate(out) if ln.startswith("behaviours:"))
        block = ["head_thresholds:", *(f"  {b}: {t:.2f}" for b, t in tuned["head_thresholds"].items()), ""]
        out[at:at] = block
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    PhraseBank.load(path)  # still valid


def overlap(rows: Sequence[dict[str, Any]], bank: PhraseBank) -> dict[str, Any]:
    """How close the dev texts come to the bank's examples: the bank must not be tuned by copying dev sentences."""
    encoder = get_encoder()
    examples, _ = bank.example_vectors(encoder)
    pairs = bank.examples
    dev = encoder.encode([r["text"] for r in rows])
    sims = dev @ examples.T
    best = sims.max(axis=1)
    where = sims.argmax(axis=1)
    top = np.argsort(-best)[:5]
    return {
        "max_cosine": round(float(best.max()), 4),
        "over_0_9": int((best > 0.9).sum()),
        "closest": [
            {
                "id": rows[i]["id"],
                "text": rows[i]["text"],
                "example": pairs[where[i]][1],
                "cosine": round(float(best[i]), 4),
            }
            for i in top
        ],
    }


def heads_handwritten_overlap(rows: Sequence[dict[str, Any]]) -> float | None:
    """Highest cosine between a dev text and the heads' own hand-written training questions, if any."""
    sys.path.insert(0, str(ROOT / "training"))
    try:
        import behaviour_data
    except ImportError:
        return None
    written = [*getattr(behaviour_data, "HANDWRITTEN_CLOSED", ()), *getattr(behaviour_data, "HANDWRITTEN_OPEN", ())]
    if not written:
        return None
    encoder = get_encoder()
    sims = encoder.encode([r["text"] for r in rows]) @ encoder.encode(list(written)).T
    return round(float(sims.max()), 4)


def markdown(result: dict[str, Any], split: str) -> str:
    a = result["systems"]["analyser"][split]
    k = result["systems"]["keyword_baseline"][split]
    lines = [
        f"Split `{split}` ({a['rows']} agent turns)",
        "",
        "| behaviour | support | P | R | F1 | keyword P | keyword R | keyword F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in BEHAVIOUR_IDS:
        x, y = a["per_behaviour"][b], k["per_behaviour"][b]
        lines.append(
            f"| {b} | {x['support']} | {x['precision']:.2f} | {x['recall']:.2f} | {x['f1']:.2f} "
            f"| {y['precision']:.2f} | {y['recall']:.2f} | {y['f1']:.2f} |"
        )
    for avg in ("micro", "macro"):
        x, y = a[avg], k[avg]
        lines.append(
            f"| **{avg}** | | {x['precision']:.2f} | {x['recall']:.2f} | {x['f1']:.2f} "
            f"| {y['precision']:.2f} | {y['recall']:.2f} | {y['f1']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="choose thresholds on the tuning half and print them")
    parser.add_argument("--write", action="store_true", help="with --tune: write them into the shipped phrase bank")
    parser.add_argument("--no-heads", action="store_true", help="phrase bank only (when the heads are not built)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = load_dev()
    use_heads = not args.no_heads
    if args.tune:
        tuned = tune(rows, use_heads=use_heads)
        print(json.dumps(tuned, indent=2))
        if args.write:
            write_tuning(SHIPPED_PATH, tuned)
        return 0
    result = evaluate(rows, use_heads=use_heads)
    bank = PhraseBank.load()
    result = {
        "dataset": str(DEV.relative_to(ROOT)),
        "rows": len(rows),
        "split_sizes": {s: sum(1 for r in rows if split_of(r["id"]) == s) for s in ("tune", "report")},
        "heads": use_heads,
        "phrase_bank_thresholds": {b: e.threshold for b, e in bank.behaviours.items()},
        "command": "python training/eval_agent_behaviours.py" + (" --no-heads" if args.no_heads else ""),
        "dev_to_bank_overlap": overlap(rows, bank),
        "dev_to_heads_handwritten_max_cosine": heads_handwritten_overlap(rows),
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for split in ("report", "all"):
        print(markdown(result, split))
        print()
    ov = result["dev_to_bank_overlap"]
    print(f"dev text vs bank example: max cosine {ov['max_cosine']}, {ov['over_0_9']} dev texts over 0.9")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
