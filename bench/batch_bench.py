"""Batch throughput and Prefect's overhead, in one run.

    .venv/bin/python bench/batch_bench.py [--samples 4] [--depth 30] [--repeats 1] [--concurrency 2]

Simulates N whole-genome 2x150 samples at the given depth (kept in --workdir for later runs), then times the
same batch both ways, alternating, each into a fresh output folder (no cache):
  plain   - `genoflow.profile.profile_sample` per sample on a thread pool of --concurrency workers;
  prefect - `run_batch` (the batch flow on the embedded Prefect server: tasks, caching, persisted results,
            artifacts, store load) with the same concurrency.
The embedded server is started (and timed) before the measurements, as a long-running server would be.
Prints medians, samples/hour and the prefect/plain ratio, and whether both ways wrote identical reports.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

for _name, _value in {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                      "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}.items():
    os.environ.setdefault(_name, _value)

from genoflow.profile import profile_sample  # noqa: E402
from genoflow.refdata import Reference  # noqa: E402
from genoflow.samplesheet import read_samplesheet  # noqa: E402
from genoflow.settings import get_settings  # noqa: E402
from genoflow.simulate import PlantedVariant, simulate_pairs  # noqa: E402

VARIANTS = [[PlantedVariant(761155, "C", "T")], [PlantedVariant(2155168, "C", "G")],
            [PlantedVariant(1673425, "C", "T")], []]


def make_batch(reference: Reference, folder: Path, samples: int, depth: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(samples):
        sid = f"WGS{i + 1}"
        r1, r2 = folder / f"{sid}_R1.fastq.gz", folder / f"{sid}_R2.fastq.gz"
        if not (r1.exists() and r2.exists()):
            t = time.perf_counter()
            simulate_pairs(reference.sequence, r1, r2, variants=VARIANTS[i % len(VARIANTS)], depth=depth,
                           seed=100 + i, name=sid)
            print(f"simulated {sid} at {depth:g}x in {time.perf_counter() - t:.0f} s", flush=True)
        rows.append({"sample_id": sid, "r1": r1.name, "r2": r2.name})
    sheet = folder / "samplesheet.csv"
    with open(sheet, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["sample_id", "r1", "r2"])
        writer.writeheader()
        writer.writerows(rows)
    return sheet


def run_plain(reference: Reference, sheet: Path, outdir: Path, concurrency: int) -> float:
    settings = get_settings()
    inputs = read_samplesheet(sheet).sample_inputs(sheet.parent.name)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda inp: profile_sample(reference, inp, outdir, threads=settings.threads,
                                                 thresholds=settings.thresholds,
                                                 catalogue_version=settings.catalogue), inputs))
    return time.perf_counter() - start


def run_prefect(sheet: Path, outdir: Path, concurrency: int, store: Path) -> float:
    from genoflow.flows.batch import run_batch

    start = time.perf_counter()
    state = run_batch(sheet, outdir, concurrency=concurrency, store=str(store))
    elapsed = time.perf_counter() - start
    if not state.is_completed() or state.name != "Completed":
        raise SystemExit(f"prefect batch did not complete: {state.name} {state.message}")
    return elapsed


def start_prefect() -> float:
    from prefect import flow

    @flow
    def warm_up() -> None:
        return None

    start = time.perf_counter()
    warm_up()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--depth", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", type=Path, default=Path(".cache/batch-bench"))
    args = parser.parse_args()

    reference = Reference(get_settings().data_dir)
    sheet = make_batch(reference, args.workdir / "inbox" / "BENCH", args.samples, args.depth)
    print(f"prefect embedded server + first flow run: {start_prefect():.1f} s (not counted below)", flush=True)
    times: dict[str, list[float]] = {"plain": [], "prefect": []}
    for r in range(args.repeats):
        order = ("plain", "prefect") if r % 2 == 0 else ("prefect", "plain")
        for mode in order:
            outdir = args.workdir / "out" / f"{mode}-{r}"
            shutil.rmtree(outdir, ignore_errors=True)
            if mode == "plain":
                seconds = run_plain(reference, sheet, outdir, args.concurrency)
            else:
                shutil.rmtree(args.workdir / "store", ignore_errors=True)
                seconds = run_prefect(sheet, outdir, args.concurrency, args.workdir / "store")
            times[mode].append(seconds)
            print(f"repeat {r + 1} {mode:8s}{seconds:8.1f} s", flush=True)

    identical = all((args.workdir / "out" / "plain-0" / p.name).read_bytes() == p.read_bytes()
                    for p in (args.workdir / "out" / "prefect-0").glob("*.report.json"))
    plain, prefect = statistics.median(times["plain"]), statistics.median(times["prefect"])
    n = args.samples
    print(f"\n{n} samples at {args.depth:g}x, concurrency {args.concurrency}, {os.cpu_count()} cores, "
          f"{args.repeats} repeat(s), medians:")
    print(f"  plain   {plain:8.1f} s  {3600 * n / plain:6.1f} samples/hour")
    print(f"  prefect {prefect:8.1f} s  {3600 * n / prefect:6.1f} samples/hour")
    print(f"  ratio prefect/plain {prefect / plain:.3f}; overhead {(prefect - plain) / n:+.1f} s per sample")
    print(f"  reports identical both ways: {'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
