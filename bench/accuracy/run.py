"""Accuracy benchmark: the whole-genome synthetic panel (genoflow.resistance.panel) scored per drug.

For each isolate: simulate 2x150 reads from the whole H37Rv genome with the planted variants (default 30x),
then align -> call -> annotate -> predict exactly as `genoflow profile` does. Prints
  1. a confusion table per drug (expected R/U/F/S vs called R/U/S/F),
  2. the coverage-rule comparison: per isolate, positions below min_depth among the positions our F rule
     requires (grade 1/2 records, RRDR, LoF-rule gene bodies) vs among all catalogue positions (any grade),
     and how many drugs each rule would make F,
  3. unplanted PASS variants (noise) and whether any became evidence.
Usage: .venv/bin/python bench/accuracy/run.py [--depth 30] [--only P01,P08] [--workdir DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from genoflow.refdata import Reference, fetch  # noqa: E402
from genoflow.report import DRUGS  # noqa: E402
from genoflow.resistance.catalogue import load_catalogue  # noqa: E402
from genoflow.resistance.panel import expected_call, panel, profile_isolate  # noqa: E402
from genoflow.resistance.predict import required_positions  # noqa: E402
from genoflow.resistance.rules import default_rules  # noqa: E402
from genoflow.settings import Thresholds  # noqa: E402

CALLS = ("R", "U", "S", "F")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=float, default=30.0)
    ap.add_argument("--only", default="")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--data-dir", type=Path, default=REPO / ".cache" / "test-data")
    ap.add_argument("--mirror", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    fetch(args.data_dir, mirror=args.mirror)
    reference = Reference(args.data_dir)
    catalogue = load_catalogue(reference)
    rules = default_rules()
    t = Thresholds()
    isolates = [i for i in panel() if not args.only or i.id in args.only.split(",")]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="genoflow-accuracy-"))
    all_positions = np.unique(np.concatenate([np.arange(lo, hi + 1) for lo, hi in zip(
        catalogue.records.pos, catalogue.records.pos + catalogue.records.ref.str.len() - 1)]))

    confusion: dict[str, Counter] = {d: Counter() for d in DRUGS}
    rows, problems = [], []
    for n, isolate in enumerate(isolates):
        t0 = time.perf_counter()
        r = profile_isolate(reference, catalogue, isolate, work / isolate.id, depth=args.depth, seed=1000 + n)
        seconds = time.perf_counter() - t0
        calls = {c.drug: c for c in r.calls}
        for drug in DRUGS:
            confusion[drug][(expected_call(isolate, drug), calls[drug].call)] += 1
            exp, got = expected_call(isolate, drug), calls[drug].call
            if exp != got:
                problems.append(f"{isolate.id} {drug}: expected {exp}, called {got} "
                                f"evidence={[e.variant for e in calls[drug].evidence]} missing={calls[drug].missing[:4]}")
        shallow_required = {d: int((r.depth[required_positions(catalogue, rules, d) - 1] < t.min_depth).sum())
                            for d in DRUGS}
        strict_f = sum(1 for d in DRUGS if _shallow_any_grade(r.depth, catalogue, d, t.min_depth))
        planted_keys = {(v.pos, v.ref, v.alt) for v in r.planted}
        noise = [v for v in r.variants if v.filter == "PASS" and (v.pos, v.ref, v.alt) not in planted_keys]
        evidence_names = {e.variant for c in r.calls for e in c.evidence}
        rows.append({
            "isolate": isolate.id, "description": isolate.description, "seconds": round(seconds, 1),
            "category": r.category, "expected_category": isolate.category,
            "calls": {d: calls[d].call for d in DRUGS},
            "shallow_catalogue_positions": int((r.depth[all_positions - 1] < t.min_depth).sum()),
            "shallow_required_positions": sum(shallow_required.values()),
            "drugs_F_our_rule": sum(1 for c in r.calls if c.call == "F"),
            "drugs_F_any_grade_rule": strict_f,
            "noise_variants": [(v.pos, v.ref, v.alt, v.af, v.name) for v in noise],
            "noise_as_evidence": sorted(evidence_names & {v.name for v in noise if v.name}),
        })
        print(f"{isolate.id} {seconds:5.1f}s category={r.category!r} (expected {isolate.category!r}) "
              f"shallow catalogue/required positions={rows[-1]['shallow_catalogue_positions']}/"
              f"{rows[-1]['shallow_required_positions']} noise={len(noise)}", flush=True)

    print(f"\nConfusion per drug (expected -> called), {len(isolates)} isolates at {args.depth:g}x")
    print(f"{'drug':<13} " + " ".join(f"{e}->{c}" for e in ("R", "U", "F", "S") for c in CALLS))
    for drug in DRUGS:
        print(f"{drug:<13} " + " ".join(f"{confusion[drug][(e, c)]:4d}" for e in ("R", "U", "F", "S") for c in CALLS))
    total = Counter()
    for c in confusion.values():
        total.update(c)
    planted_r = sum(v for (e, _), v in total.items() if e == "R")
    print(f"\nplanted R called R: {total[('R', 'R')]}/{planted_r}; false R: "
          f"{sum(v for (e, c), v in total.items() if c == 'R' and e != 'R')}; "
          f"S where F expected (missing data): {total[('F', 'S')]}; "
          f"expected S called F: {total[('S', 'F')]}; expected S called U: {total[('S', 'U')]}")
    print("categories correct: "
          f"{sum(r['category'] == r['expected_category'] for r in rows)}/{len(rows)}")
    print("\nCoverage rule (drugs F per isolate): ours vs 'any catalogue position of any grade below min_depth'")
    for row in rows:
        print(f"  {row['isolate']}: ours {row['drugs_F_our_rule']:2d}  any-grade {row['drugs_F_any_grade_rule']:2d}  "
              f"(shallow catalogue positions {row['shallow_catalogue_positions']}, "
              f"required {row['shallow_required_positions']})")
    print("\nMismatches:" if problems else "\nNo mismatches.")
    for p in problems:
        print("  " + p)
    if args.json:
        args.json.write_text(json.dumps({"depth": args.depth, "isolates": rows,
                                         "confusion": {d: {f"{e}->{c}": v for (e, c), v in cnt.items()}
                                                       for d, cnt in confusion.items()}}, indent=1))


def _shallow_any_grade(depth: np.ndarray, catalogue, drug: str, min_depth: int) -> bool:
    """The strict alternative rule: any coordinate record graded (any grade) for the drug is below min_depth."""
    names = set(catalogue.grades.name[catalogue.grades.drug == drug])
    rec = catalogue.records[catalogue.records.names.map(lambda n: any(p in names for p in n.split("&")))]
    short = rec[rec.ref.str.len() <= 50]
    return bool((depth[short.pos.to_numpy() - 1] < min_depth).any())


if __name__ == "__main__":
    main()
