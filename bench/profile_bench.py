"""Benchmark (not a test): `genoflow profile` against the raw minimap2 | samtools | bcftools chain.

Simulates a 30x whole-genome 2x150 sample from H37Rv, then times, in the same run and alternating,
(a) `minimap2 -ax sr | samtools sort` + `bcftools mpileup | bcftools call` and (b) `genoflow profile`.
Prints the median wall time of each, the ratio b/a, and the peak resident memory of each process tree.

    .venv/bin/python bench/profile_bench.py [--runs 3] [--depth 30] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from genoflow.refdata import Reference
from genoflow.settings import get_settings
from genoflow.simulate import PlantedVariant, simulate_pairs


def run_measured(cmd: list[str] | str, shell: bool = False) -> tuple[float, float]:
    """Wall seconds and peak summed RSS (MB) of the whole process tree, sampled every 50 ms."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"benchmark command failed ({proc.returncode}): {cmd}\n{err.decode()[-2000:]}")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--depth", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    reference = Reference(get_settings().data_dir)
    work = Path(tempfile.mkdtemp(prefix="genoflow-bench-"))
    r1, r2 = work / "bench_R1.fastq.gz", work / "bench_R2.fastq.gz"
    t0 = time.perf_counter()
    pairs = simulate_pairs(reference.sequence, r1, r2, depth=args.depth, seed=7, name="bench",
                           variants=[PlantedVariant(761155, "C", "T"), PlantedVariant(2155168, "C", "G")])
    print(f"simulated {pairs} pairs ({args.depth:g}x, 2x150) in {time.perf_counter() - t0:.0f} s")
    t = str(args.threads)
    raw = (
        f"minimap2 -ax sr -t {t} {reference.mmi} {r1} {r2} | samtools sort -@ {max(1, args.threads - 1)} "
        f"-o {work}/raw.bam - && samtools index {work}/raw.bam && bcftools mpileup -f {reference.fasta} "
        f"{work}/raw.bam -Ou | bcftools call -m --ploidy 1 -v -Oz -o {work}/raw.vcf.gz"
    )
    genoflow = [sys.executable, "-m", "genoflow.cli", "profile", "--sample", "bench", "--reads", str(r1),
                "--reads", str(r2), "--outdir", str(work / "out"), "--threads", t]
    results: dict[str, list[tuple[float, float]]] = {"raw chain": [], "genoflow profile": []}
    for i in range(args.runs):
        results["raw chain"].append(run_measured(raw, shell=True))
        results["genoflow profile"].append(run_measured(genoflow))
        print(f"run {i + 1}: raw {results['raw chain'][-1][0]:.1f} s, "
              f"genoflow {results['genoflow profile'][-1][0]:.1f} s")
    medians = {name: statistics.median(w for w, _ in runs) for name, runs in results.items()}
    peaks = {name: max(m for _, m in runs) for name, runs in results.items()}
    print(f"\n{'':18}{'median s':>10}{'peak MB':>10}")
    for name in results:
        print(f"{name:18}{medians[name]:10.1f}{peaks[name]:10.0f}")
    print(f"ratio genoflow/raw: {medians['genoflow profile'] / medians['raw chain']:.2f} "
          f"(target <= 1.2); genoflow peak memory {peaks['genoflow profile'] / 1024:.2f} GB (target <= 2 GB)")


if __name__ == "__main__":
    main()
