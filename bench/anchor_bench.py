"""Simnet anchoring costs: bridge start, anchor and lookup latency, journal replay after a restart.

Run: .venv/bin/python bench/anchor_bench.py [ANCHORS]   (needs `cd contracts && npm ci`)
Prints medians and the replay cost per journalled call; no assertions.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from genoflow.anchor.simnet import SimnetBackend


def main(anchors: int = 200) -> None:
    store = Path(tempfile.mkdtemp(prefix="anchor-bench-"))
    started = time.perf_counter()
    backend = SimnetBackend(store)
    cold = time.perf_counter() - started
    anchor_s, lookup_s = [], []
    roots = [hashlib.sha256(f"bench-{i}".encode()).digest() for i in range(anchors)]
    for root in roots:
        t = time.perf_counter()
        backend.anchor(root, 1000, "1.0.0", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")
        anchor_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        backend.lookup(root)
        lookup_s.append(time.perf_counter() - t)
    entries = len(backend.journal.entries)
    backend.close()
    started = time.perf_counter()
    SimnetBackend(store).close()
    warm = time.perf_counter() - started
    print(f"bridge cold start (empty journal)      {cold:8.2f} s")
    print(f"anchor, median of {anchors:<5}               {statistics.median(anchor_s) * 1e3:8.2f} ms (journal fsync included)")
    print(f"lookup, median of {anchors:<5}               {statistics.median(lookup_s) * 1e3:8.2f} ms")
    print(f"restart replaying {entries} entries         {warm:8.2f} s "
          f"(ratio to cold start {warm / cold:.2f}; {(warm - cold) / entries * 1e3:+.2f} ms per entry)")
    print(f"journal size                           {(store / 'simnet-journal.jsonl').stat().st_size / entries:8.0f} bytes per entry")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
