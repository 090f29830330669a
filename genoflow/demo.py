"""The embedded demo batch: whole-genome reads simulated from H37Rv with planted resistance mutations.

The project makes its own demo data (no patient material): a sample sheet plus paired FASTQ per sample,
laid out exactly as a sequencing core drops a batch into the inbox.
"""

from __future__ import annotations

import csv
from pathlib import Path

from genoflow.refdata import Reference
from genoflow.simulate import PlantedVariant, simulate_pairs

# (sample_id, site, collection_date, planted variants, what a reader should expect)
DEMO_SAMPLES: list[tuple[str, str, str, list[PlantedVariant], str]] = [
    ("DEMO-001", "Site-A", "2026-10-04",
     [PlantedVariant(761155, "C", "T"), PlantedVariant(2155168, "C", "G")],
     "MDR-TB: rpoB p.Ser450Leu + katG p.Ser315Thr"),
    ("DEMO-002", "Site-A", "2026-10-11", [], "pan-susceptible"),
    ("DEMO-003", "Site-B", "2026-11-02",
     [PlantedVariant(1673425, "C", "T"), PlantedVariant(761155, "C", "T", af=0.35)],
     "inhA c.-777C>T (isoniazid/ethionamide) + heteroresistant rpoB p.Ser450Leu at 35%"),
]


def make_demo_batch(reference: Reference, batch_dir: Path, depth: float = 25.0) -> Path:
    """Write `batch_dir/samplesheet.csv` and reads; returns the sample sheet path. Deterministic per sample."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    sheet = batch_dir / "samplesheet.csv"
    rows = []
    for seed, (sample_id, site, collected, variants, _) in enumerate(DEMO_SAMPLES, start=11):
        r1, r2 = batch_dir / f"{sample_id}_R1.fastq.gz", batch_dir / f"{sample_id}_R2.fastq.gz"
        if not (r1.exists() and r2.exists()):
            simulate_pairs(reference.sequence, r1, r2, variants=variants, depth=depth, seed=seed, name=sample_id)
        rows.append({"sample_id": sample_id, "r1": r1.name, "r2": r2.name, "collection_date": collected,
                     "site": site, "country": "XX"})
    with open(sheet, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return sheet
