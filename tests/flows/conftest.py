"""Fixtures for the flow tests: simulated regional reads (the Prefect server fixture is in tests/conftest.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from genoflow.settings import Thresholds
from genoflow.simulate import PlantedVariant, simulate_pairs

# Reads over rpoB and katG only keep each sample to seconds; QC depth/breadth minimums are off for them.
REGIONS = [(759000, 764000), (2153500, 2156500)]
THRESHOLDS = Thresholds(min_mean_depth=0, min_breadth_10x=0, min_reads=100)
THRESHOLD_ENV = {"GENOFLOW_THRESHOLDS__MIN_MEAN_DEPTH": "0", "GENOFLOW_THRESHOLDS__MIN_BREADTH_10X": "0",
                 "GENOFLOW_THRESHOLDS__MIN_READS": "100"}
PLANTED = {
    "S1": [PlantedVariant(761155, "C", "T")],                                    # rpoB S450L
    "S2": [PlantedVariant(2155168, "C", "G")],                                   # katG S315T
    "S3": [],
}


@pytest.fixture(scope="session")
def reads(reference, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """sample -> (R1, R2), simulated once per session from the real H37Rv with the planted variants."""
    folder = tmp_path_factory.mktemp("reads")
    out = {}
    for i, (sample, variants) in enumerate(PLANTED.items()):
        r1, r2 = folder / f"{sample}_R1.fastq.gz", folder / f"{sample}_R2.fastq.gz"
        simulate_pairs(reference.sequence, r1, r2, variants=variants, regions=REGIONS, depth=40, seed=10 + i,
                       name=sample)
        out[sample] = (r1, r2)
    return out


def write_sheet(batch_dir: Path, rows: list[dict[str, str]]) -> Path:
    """A samplesheet.csv in `batch_dir` (the batch id is the folder name)."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    sheet = batch_dir / "samplesheet.csv"
    with open(sheet, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return sheet


def link_reads(batch_dir: Path, reads: dict[str, tuple[Path, Path]], samples: list[str]) -> list[dict[str, str]]:
    """Put each sample's reads in the batch folder (symlinks) and return sheet rows naming them relatively."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for sample in samples:
        names = []
        for src in reads[sample]:
            (batch_dir / src.name).symlink_to(src)
            names.append(src.name)
        rows.append({"sample_id": sample, "r1": names[0], "r2": names[1], "collection_date": "2026-01-15",
                     "site": "Site-A", "country": "GB", "patient_id": f"PATIENT-{sample}-7731"})
    return rows
