"""Publishing and verification cost: a 1,000-sample batch pinned to the local IPFS backend and anchored in simnet.

    .venv/bin/python bench/provenance_bench.py [--samples 1000] [--repeats 3] [--verify 200]

Prints medians over `repeats` fresh batches: build bundles, pin, tree + manifest, anchor, the whole publish, a
re-publish (nothing anchored), receipt size, and per-sample verify time (offline and with IPFS content checks).
Simnet start-up is reported separately (once per process, not per batch).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genoflow.anchor import open_backend as open_anchor  # noqa: E402
from genoflow.ipfs import LocalBackend  # noqa: E402
from genoflow.provenance.publish import publish_batch  # noqa: E402
from genoflow.provenance.receipt import Receipt  # noqa: E402
from genoflow.provenance.verify import load_target, verify_sample  # noqa: E402
from tests.provenance.batches import make_batch  # noqa: E402


class Timed:
    """Wraps a backend, adding the seconds spent in the named methods to `spent`."""

    def __init__(self, inner, methods: tuple[str, ...]) -> None:
        self.inner, self.methods, self.spent = inner, methods, 0.0

    def __getattr__(self, name):
        attribute = getattr(self.inner, name)
        if name not in self.methods:
            return attribute

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - start
        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--verify", type=int, default=200, help="samples verified per batch")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="provenance-bench-"))
    start = time.perf_counter()
    registry = open_anchor("simnet", work / "anchor")
    print(f"simnet start-up: {time.perf_counter() - start:.1f} s")
    rows: dict[str, list[float]] = {k: [] for k in ("publish", "pin", "anchor", "other", "republish", "receipt_bytes",
                                                    "verify_offline_ms", "verify_online_ms", "bundle_bytes")}
    try:
        for repeat in range(args.repeats):
            outdir = work / f"R{repeat}"
            make_batch(outdir, outdir.name, args.samples, seed=repeat)
            ipfs = Timed(LocalBackend(work / f"ipfs{repeat}"), ("add",))
            anchor = Timed(registry, ("anchor", "lookup"))
            start = time.perf_counter()
            receipts = publish_batch(outdir, outdir.name, pin_backend=ipfs, anchor_backend=anchor)
            total = time.perf_counter() - start
            rows["publish"].append(total)
            rows["pin"].append(ipfs.spent)
            rows["anchor"].append(anchor.spent)
            rows["other"].append(total - ipfs.spent - anchor.spent)
            start = time.perf_counter()
            publish_batch(outdir, outdir.name, pin_backend=ipfs.inner, anchor_backend=registry)
            rows["republish"].append(time.perf_counter() - start)
            rows["receipt_bytes"].extend((outdir / f"{r.sample_id}.receipt.json").stat().st_size for r in receipts)
            rows["bundle_bytes"].extend(r.bundle.bytes for r in receipts)
            step = max(1, len(receipts) // args.verify)
            for receipt in receipts[::step][: args.verify]:
                path = outdir / f"{receipt.sample_id}.report.json"
                for key, backend in (("verify_offline_ms", None), ("verify_online_ms", ipfs.inner)):
                    start = time.perf_counter()
                    result = verify_sample(load_target(path), Receipt.read(path.with_name(receipt.sample_id + ".receipt.json")),
                                           anchor_backend=registry, pin_backend=backend)
                    rows[key].append((time.perf_counter() - start) * 1000)
                    assert result.ok, result.problems
    finally:
        registry.close()
    med = {k: statistics.median(v) for k, v in rows.items()}
    n = args.samples
    print(f"{n}-sample batch, median of {args.repeats} (local IPFS + simnet):")
    print(f"  publish total      {med['publish']:.2f} s  ({med['publish'] / n * 1000:.2f} ms/sample)")
    print(f"    pinning          {med['pin']:.2f} s  ({med['pin'] / med['publish']:.0%})")
    print(f"    anchor (1 call)  {med['anchor'] * 1000:.0f} ms  (lookup + anchor)")
    print(f"    bundles/tree/IO  {med['other']:.2f} s")
    print(f"  re-publish         {med['republish']:.2f} s  (ratio to first publish {med['republish'] / med['publish']:.2f}; no anchor)")
    print(f"  bundle size        {med['bundle_bytes'] / 1024:.1f} KiB median")
    print(f"  receipt size       {med['receipt_bytes']:.0f} bytes median (path of {len(receipts[0].path)} hashes)")
    print(f"  verify             {med['verify_offline_ms']:.1f} ms offline (registry + CID), "
          f"{med['verify_online_ms']:.1f} ms with IPFS content + manifest")


if __name__ == "__main__":
    main()
