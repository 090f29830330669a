"""IPFS pinning benchmark: CID computation vs aleph-cid, and pinning a batch of result bundles through the
local backend (and a node, if KUBO_URL / --kubo is given). Prints medians and ratios.

    .venv/bin/python bench/ipfs_bench.py [--samples 1000] [--kubo http://127.0.0.1:5001]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aleph_cid

from genoflow.ipfs import KuboBackend, LocalBackend, cid_of


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def aleph(data: bytes) -> str:
    hasher = aleph_cid.CidHasher.for_ipfs_v1_raw_leaves()
    hasher.update(data)
    return hasher.finalize()


def bundles(count: int) -> list[bytes]:
    """Pseudo-random bundles sized like a report.json (~6 KB) plus a VCF (~40 KB)."""
    rng = random.Random(0)
    return [rng.randbytes(rng.randint(30_000, 60_000)) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--kubo", help="API URL of a running node, e.g. from ipfs-node/start.sh")
    args = parser.parse_args()

    print("CID computation (median of 5):")
    for size in (1024, 256 * 1024 + 1, 5_000_000, 50_000_000):
        data = random.Random(size).randbytes(size)
        ours, theirs = median_seconds(lambda: cid_of(data), 5), median_seconds(lambda: aleph(data), 5)
        print(f"  {size:>11,} B  cid_of {ours * 1e3:8.2f} ms ({size / ours / 1e6:7.0f} MB/s)"
              f"  aleph-cid {theirs * 1e3:8.2f} ms  ratio {ours / theirs:5.2f}")

    batch = bundles(args.samples)
    total = sum(map(len, batch))
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalBackend(Path(tmp) / "ipfs")
        start = time.perf_counter()
        cids = [store.add(b, filename=f"S{i}.bundle") for i, b in enumerate(batch)]
        add_s = time.perf_counter() - start
        start = time.perf_counter()
        for i, cid in enumerate(cids):
            store.export_car(cid, Path(tmp) / f"{i}.car")
        car_s = time.perf_counter() - start
        per_cat = median_seconds(lambda: store.cat(cids[0]), 50)
    print(f"local backend, {args.samples} bundles ({total / 1e6:.1f} MB): add {add_s:.2f} s"
          f" ({add_s / args.samples * 1e3:.2f} ms/bundle), export CAR {car_s:.2f} s, cat median {per_cat * 1e3:.2f} ms")

    if args.kubo:
        node = KuboBackend(args.kubo)
        sample = batch[: min(200, args.samples)]
        start = time.perf_counter()
        for b in sample:
            node.add(b)
        node_s = time.perf_counter() - start
        print(f"kubo backend ({args.kubo}), {len(sample)} bundles: add+pin {node_s:.2f} s"
              f" ({node_s / len(sample) * 1e3:.1f} ms/bundle; ratio to local {node_s / len(sample) / (add_s / args.samples):.1f}x)")


if __name__ == "__main__":
    main()
