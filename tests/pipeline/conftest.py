"""Fixtures for the sample pipeline: simulated regional reads with planted variants, aligned once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from genoflow.align import align_reads
from genoflow.refdata import Reference
from genoflow.simulate import PlantedVariant, simulate_pairs

# Regions around rpoB, katG, inhA/fabG1 and pncA; the planted variants sit inside them.
REGIONS = [(758_500, 764_500), (2_152_500, 2_157_500), (1_672_500, 1_675_500), (2_287_500, 2_290_000)]
PLANTED = [
    PlantedVariant(761155, "C", "T"),              # rpoB S450L, fixed
    PlantedVariant(2155168, "C", "G", af=0.30),    # katG S315T, 30 % minority
    PlantedVariant(1673425, "C", "T"),              # fabG1/inhA promoter c.-777C>T
    PlantedVariant(2288700, "TC", "T"),             # 1-bp deletion in pncA
    PlantedVariant(762_000, "T", "TAA"),            # 2-bp insertion in rpoB
]


@dataclass(frozen=True)
class Simulated:
    r1: Path
    r2: Path
    bam: Path
    workdir: Path


@pytest.fixture(scope="session")
def planted_sample(reference: Reference, tmp_path_factory: pytest.TempPathFactory) -> Simulated:
    work = tmp_path_factory.mktemp("planted")
    r1, r2 = work / "P1_R1.fastq.gz", work / "P1_R2.fastq.gz"
    simulate_pairs(reference.sequence, r1, r2, variants=PLANTED, regions=REGIONS, depth=80, seed=3, name="P1")
    bam = align_reads(reference, [r1, r2], work / "P1.bam", "P1")
    return Simulated(r1, r2, bam, work)
