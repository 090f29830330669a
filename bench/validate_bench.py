"""Benchmark FASTQ pair validation: median read pairs per second and peak memory (not a test).

    .venv/bin/python bench/validate_bench.py                      # simulate 441k 2x150 pairs (30x H37Rv)
    .venv/bin/python bench/validate_bench.py --r1 A_R1.fq.gz --r2 A_R2.fq.gz --runs 5

Each run validates in a fresh subprocess, so its peak RSS is the validator's own. The machine is shared:
CPU seconds (user+sys, decompression threads included) are printed next to wall time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

RUN_ONE = """
import json, resource, sys, time
from pathlib import Path
from genoflow.validate import validate_fastq
start, cpu = time.perf_counter(), time.process_time()
stats = validate_fastq(Path(sys.argv[1]), Path(sys.argv[2]))
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "reads": stats.reads,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def simulate_pair(directory: Path, pairs: int, length: int, seed: int = 7) -> tuple[Path, Path]:
    """Random 2x`length` reads (65% GC like M. tuberculosis, Illumina-style names and binned qualities)."""
    rng = np.random.default_rng(seed)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)
    binned = np.frombuffer(b"FFFF:,#", dtype=np.uint8)
    paths = directory / "sim_R1.fastq.gz", directory / "sim_R2.fastq.gz"
    with gzip.open(paths[0], "wb", compresslevel=1) as out1, gzip.open(paths[1], "wb", compresslevel=1) as out2:
        for start in range(0, pairs, 50_000):
            n = min(50_000, pairs - start)
            for mate, out in ((1, out1), (2, out2)):
                seqs = bases[rng.choice(4, size=(n, length), p=[0.175, 0.325, 0.325, 0.175])]
                quals = binned[rng.integers(0, len(binned), size=(n, length))]
                lines = []
                for i in range(n):
                    lines.append(b"@SIM:1:FC01:1:1101:%d:%d %d:N:0:ACGTAC\n%s\n+\n%s\n"
                                 % (start + i, i % 997, mate, seqs[i].tobytes(), quals[i].tobytes()))
                out.write(b"".join(lines))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--r1", type=Path)
    parser.add_argument("--r2", type=Path)
    parser.add_argument("--pairs", type=int, default=441_000, help="pairs to simulate (30x H37Rv at 2x150)")
    parser.add_argument("--length", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="validate-bench-") as tmp:
        if args.r1 and args.r2:
            r1, r2 = args.r1, args.r2
        else:
            print(f"simulating {args.pairs} pairs of 2x{args.length} ...", flush=True)
            r1, r2 = simulate_pair(Path(tmp), args.pairs, args.length)
        runs = []
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, "-c", RUN_ONE, str(r1), str(r2)], check=True,
                                  capture_output=True, text=True)
            runs.append(json.loads(done.stdout))
        pairs = runs[0]["reads"] // 2
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        print(f"input: {r1.name} + {r2.name}, {pairs} pairs, {(r1.stat().st_size + r2.stat().st_size) / 1e6:.0f} MB gz")
        walls = ", ".join(f"{r['wall']:.2f}" for r in runs)
        print(f"runs: {args.runs}; wall s: {walls}")
        print(f"median wall {wall:.2f} s -> {pairs / wall:,.0f} pairs/s")
        print(f"median CPU {cpu:.2f} s (all threads) -> {pairs / cpu:,.0f} pairs per CPU-second")
        print(f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
