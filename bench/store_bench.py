"""Benchmark: a synthetic store of 100,000 samples (~1,500 variants each) and the surveillance queries on it.

    .venv/bin/python bench/store_bench.py [--samples 100000] [--batch-size 1000] [--dir /tmp/genoflow-bench-store]

Data are generated with numpy/pyarrow (no Python loop over samples) and committed through the store's own
write/commit path, one batch at a time. Lineages share most SNVs (8 lineages x 1,200 positions + 300 private
per sample); drug calls follow a resistance-category mix that varies by site (~80% sensitive, HR, RR, MDR,
pre-XDR, XDR) with WHO-like mutation frequencies behind each R call. Prints medians of several timed runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from genoflow.report import DRUGS
from genoflow.store import (
    Store, connect, prevalence, samples_with_variant, snp_distance_matrix, snp_profiles, top_mutations,
)

GENOME = 4_411_532
BASES = np.array(list("ACGT"))
SITES = [f"site-{i:02d}" for i in range(20)]
CATEGORIES = ["sensitive", "HR-TB", "RR-TB", "MDR-TB", "pre-XDR-TB", "XDR-TB"]
CATEGORY_P = np.array([0.80, 0.05, 0.03, 0.095, 0.02, 0.005])
# per category: drugs always R; extra drugs R with a probability
ALWAYS_R = {"HR-TB": ["isoniazid"], "RR-TB": ["rifampicin"], "MDR-TB": ["rifampicin", "isoniazid"],
            "pre-XDR-TB": ["rifampicin", "isoniazid", "levofloxacin", "moxifloxacin"],
            "XDR-TB": ["rifampicin", "isoniazid", "levofloxacin", "moxifloxacin", "bedaquiline", "linezolid"]}
COMPANION_R = {"ethambutol": 0.4, "pyrazinamide": 0.5, "streptomycin": 0.5, "ethionamide": 0.3, "amikacin": 0.1,
               "kanamycin": 0.1, "capreomycin": 0.05}
MUTATIONS = {  # top catalogue names; a long tail of rarer ones is added per drug
    "rifampicin": ["rpoB_p.Ser450Leu", "rpoB_p.His445Tyr", "rpoB_p.Asp435Val", "rpoB_p.His445Asp"],
    "isoniazid": ["katG_p.Ser315Thr", "inhA_c.-777C>T", "inhA_c.-770T>C", "katG_LoF"],
    "levofloxacin": ["gyrA_p.Asp94Gly", "gyrA_p.Ala90Val", "gyrA_p.Asp94Ala"],
    "moxifloxacin": ["gyrA_p.Asp94Gly", "gyrA_p.Ala90Val", "gyrA_p.Asp94Asn"],
    "bedaquiline": ["Rv0678_LoF", "atpE_p.Ala63Pro"], "linezolid": ["rplC_p.Cys154Arg", "rrl_n.2814G>T"],
    "ethambutol": ["embB_p.Met306Val", "embB_p.Met306Ile", "embB_p.Gln497Arg"],
    "pyrazinamide": ["pncA_LoF", "pncA_p.His57Asp"], "streptomycin": ["rpsL_p.Lys43Arg", "rrs_n.514A>C"],
    "ethionamide": ["inhA_c.-777C>T", "ethA_LoF"], "amikacin": ["rrs_n.1401A>G"], "kanamycin": ["rrs_n.1401A>G", "eis_c.-14C>T"],
    "capreomycin": ["rrs_n.1401A>G", "tlyA_LoF"], "clofazimine": ["Rv0678_LoF"], "delamanid": ["ddn_LoF"],
}


def _strings(values: np.ndarray, dictionary: list[str] | np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(values, pa.int32()), pa.array(dictionary)).cast(pa.string())


def synthetic_batch(rng: np.random.Generator, batch: int, size: int, lineage_positions: np.ndarray,
                    site_risk: np.ndarray) -> dict[str, pa.Table]:
    batch_id = f"SYN{batch:04d}"
    ids = np.array([f"{batch_id}-{i:05d}" for i in range(size)])  # 1,000 ids: not per-row work
    site = rng.integers(0, len(SITES), size)
    days = rng.integers(0, 6 * 365, size)
    dates = (np.datetime64("2019-01-01") + days).astype("datetime64[D]")
    passed = rng.random(size) > 0.05
    p = CATEGORY_P[None, :] * site_risk[site][:, None]
    p[:, 0] = 0
    p[:, 0] = 1 - p.sum(axis=1)
    category = (rng.random(size)[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, len(CATEGORIES) - 1)
    key = {"batch_id": pa.array([batch_id] * size), "sample_id": pa.array(ids)}

    samples = pa.table({**key, "input_type": pa.array(["fastq"] * size), "collection_date": pa.array(dates),
                        "site": _strings(site, SITES), "country": pa.array(["XX"] * size),
                        "patient_hash": pa.nulls(size, pa.string()),
                        "who_category": _strings(category, CATEGORIES),
                        "report_schema_version": pa.array(["1.0.0"] * size), "pipeline_version": pa.array(["0.1.0"] * size),
                        "reference": pa.array(["NC_000962.3"] * size), "catalogue_version": pa.array(["WHO-2023"] * size),
                        "report_sha256": pa.array([f"{i:064x}" for i in rng.integers(0, 2**62, size)])})
    qc = pa.table({**key, "passed": pa.array(passed), "reasons": pa.array([[] if ok else ["mean depth < 15"] for ok in passed]),
                   "read_count": rng.integers(2e5, 2e6, size), "bases": rng.integers(3e7, 3e8, size),
                   "mean_read_length": np.full(size, 150.0), "mean_base_quality": rng.normal(35, 1, size),
                   "gc_content": rng.normal(0.655, 0.005, size), "mapped_fraction": rng.uniform(0.85, 0.99, size),
                   "mean_depth": rng.uniform(20, 120, size), "breadth_1x": rng.uniform(0.98, 1, size),
                   "breadth_10x": rng.uniform(0.9, 0.99, size)})

    # variants: lineage SNVs + private ones, sorted by position within each sample
    lineage = rng.integers(0, len(lineage_positions), size)
    private = rng.integers(1, GENOME, (size, 300))
    pos = np.sort(np.concatenate([lineage_positions[lineage], private], axis=1), axis=1).ravel()
    rows = pos.size
    ref = pos % 4
    alt = (ref + 1 + (pos // 4) % 3) % 4
    minority = rng.random(rows) < 0.02
    af = np.where(minority, rng.uniform(0.1, 0.7, rows), rng.uniform(0.9, 1.0, rows)).astype(np.float32)
    variants = pa.table({
        "batch_id": _strings(np.zeros(rows, np.int32), [batch_id]),
        "sample_id": _strings(np.repeat(np.arange(size), pos.size // size), ids),
        "chrom": _strings(np.zeros(rows, np.int32), ["NC_000962.3"]), "pos": pos.astype(np.int32),
        "ref": _strings(ref, BASES), "alt": _strings(alt, BASES),
        "depth": rng.integers(15, 150, rows).astype(np.int32), "af": af,
        "qual": rng.uniform(30, 225, rows).astype(np.float32), "filter": _strings(np.zeros(rows, np.int32), ["PASS"]),
        "minority": minority, "gene": _strings(pos // 1100, [f"Rv{i:04d}" for i in range(GENOME // 1100 + 1)]),
        "hgvs": pa.nulls(rows, pa.string()), "name": pa.nulls(rows, pa.string()), "effect": pa.nulls(rows, pa.string()),
    })

    # drug calls: R by category (+ companions), small U/F rates, S otherwise
    calls = np.full((size, len(DRUGS)), "S", dtype=object)
    for cat, drugs in ALWAYS_R.items():
        for drug in drugs:
            calls[category == CATEGORIES.index(cat), DRUGS.index(drug)] = "R"
    resistant_core = np.isin(category, [3, 4, 5])
    for drug, prob in COMPANION_R.items():
        calls[resistant_core & (rng.random(size) < prob), DRUGS.index(drug)] = "R"
    noise = rng.random((size, len(DRUGS)))
    calls[(noise < 0.01) & (calls == "S")] = "U"
    calls[~passed[:, None] & (noise < 0.5)] = "F"
    flat_calls = calls.ravel()
    drug_index = np.tile(np.arange(len(DRUGS)), size)
    sample_index = np.repeat(np.arange(size), len(DRUGS))
    codes = ["R", "S", "U", "F"]
    call_codes = np.select([flat_calls == c for c in codes], range(4))
    drug_calls = pa.table({**{k: v.take(pa.array(sample_index)) for k, v in key.items()},
                           "drug": _strings(drug_index, list(DRUGS)), "call": _strings(call_codes, codes),
                           "missing": pa.array([[]] * len(flat_calls), pa.list_(pa.string()))})

    # evidence: one mutation per R call, Zipf-like over the drug's list plus a tail of rare ones
    r_rows = np.flatnonzero(flat_calls == "R")
    names, picks = [], np.empty(len(r_rows), np.int32)
    for d, drug in enumerate(DRUGS):
        rows_d = np.flatnonzero(drug_index[r_rows] == d)
        common = MUTATIONS[drug]
        catalogue = common + [f"{common[0].split('_')[0]}_rare{k}" for k in range(30)]
        weights = 1 / np.arange(1, len(catalogue) + 1) ** 1.6
        picks[rows_d] = len(names) + rng.choice(len(catalogue), len(rows_d), p=weights / weights.sum())
        names.extend(catalogue)
    hetero = rng.random(len(r_rows)) < 0.05
    evidence = pa.table({**{k: v.take(pa.array(sample_index[r_rows])) for k, v in key.items()},
                         "drug": _strings(drug_index[r_rows], list(DRUGS)), "call": pa.array(["R"] * len(r_rows)),
                         "variant": _strings(picks, names), "grade": pa.array(["Assoc w R"] * len(r_rows)),
                         "af": np.where(hetero, 0.3, 1.0).astype(np.float32), "source": pa.array(["WHO-2023"] * len(r_rows)),
                         "heteroresistant": hetero})
    batches = pa.table({"batch_id": [batch_id], "loaded_at": pa.array([datetime.now(timezone.utc)]),
                        "samples": pa.array([size], pa.int32()), "samples_passed_qc": pa.array([int(passed.sum())], pa.int32()),
                        "metadata_json": ["{}"]})
    catalogues = pa.table({"batch_id": [batch_id], "name": ["WHO"], "version": ["2023.v2"], "schema_version": ["1"],
                           "samples": pa.array([size], pa.int32())})
    return {"batches": batches, "samples": samples, "qc": qc, "variants": variants, "drug_calls": drug_calls,
            "drug_evidence": evidence, "catalogue_versions": catalogues}


def build(store: Store, samples: int, batch_size: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    lineage_positions = np.sort(rng.integers(1, GENOME, (8, 1200)), axis=1)
    site_risk = rng.uniform(0.3, 2.5, len(SITES))
    for batch in range(samples // batch_size):
        tables = synthetic_batch(rng, batch, batch_size, lineage_positions, site_risk)
        files = {name: store.write_part(name, f"SYN{batch:04d}", table) for name, table in tables.items()}
        store.commit(f"SYN{batch:04d}", files, datetime.now(timezone.utc).isoformat())
        if batch % 10 == 9:
            print(f"  {batch + 1} batches written", flush=True)


def timed(label: str, fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"{label:<58} median {median:7.3f} s  (min {min(times):.3f}, max {max(times):.3f}, {runs} runs, "
          f"{len(result) if hasattr(result, '__len__') else result} rows)")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/genoflow-bench-store"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="query an existing bench store, do not regenerate")
    args = parser.parse_args()

    if not args.reuse:
        shutil.rmtree(args.dir, ignore_errors=True)
        start = time.perf_counter()
        build(Store(args.dir), args.samples, args.batch_size)
        print(f"generated {args.samples:,} samples in {time.perf_counter() - start:.1f} s")
    store = Store(args.dir)
    size = subprocess.run(["du", "-sb", str(args.dir)], capture_output=True, text=True).stdout.split()[0]
    with connect(store) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("samples", "variants", "drug_calls", "drug_evidence")}
        variant_bytes = sum(p.stat().st_size for p in Path(args.dir).glob("variants/*/*.parquet"))
    print(f"rows: {counts}")
    print(f"store size on disk: {int(size) / 2**30:.2f} GiB ({int(size) / counts['samples']:.0f} bytes/sample; "
          f"variants {variant_bytes / counts['variants']:.2f} bytes/row)")

    timed("open store (commits + views) and count samples", lambda: _count(store), args.runs)
    timed("prevalence drug x site x month (all drugs), Wilson CI", lambda: prevalence(store), args.runs)
    timed("prevalence rifampicin x site x month, 2022-2023",
          lambda: prevalence(store, drugs=["rifampicin"], start=_date("2022-01-01"), end=_date("2023-12-31")), args.runs)
    timed("top 10 mutations per drug", lambda: top_mutations(store), args.runs)
    timed("carriers of one position (scans all variant rows)",
          lambda: samples_with_variant(store, _some_variant(store)), args.runs)
    with connect(store) as con:
        ids = [r[0] for r in con.execute("SELECT sample_id FROM qc WHERE passed ORDER BY sample_id LIMIT 2000").fetchall()]
    timed(f"SNP profiles + distance matrix for {len(ids)} samples",
          lambda: snp_distance_matrix(snp_profiles(store, ids)), max(1, args.runs // 2))


def _count(store: Store) -> int:
    with connect(store) as con:
        return con.execute("SELECT count(*) FROM samples").fetchone()[0]


def _date(text: str):
    return datetime.strptime(text, "%Y-%m-%d").date()


def _some_variant(store: Store) -> str:
    with connect(store) as con:
        pos, ref, alt = con.execute("SELECT pos, ref, alt FROM variants LIMIT 1 OFFSET 700").fetchone()
    return f"{pos}:{ref}>{alt}"


if __name__ == "__main__":
    main()
