"""Fixtures for the validation tests: the real reads in the mirror."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def reads_dir(mirror: Path) -> Path:
    return mirror / "reads"


@pytest.fixture(scope="session")
def tiny_pair(reads_dir: Path) -> tuple[Path, Path]:
    return reads_dir / "tinysra_S1_R1_X.fastq.gz", reads_dir / "tinysra_S1_R2_X.fastq.gz"


@pytest.fixture(scope="session")
def contaminant_pair(reads_dir: Path) -> tuple[Path, Path]:
    return reads_dir / "ERR12033846-800-Subset_R1_001.fastq.gz", reads_dir / "ERR12033846-800-Subset_R2_001.fastq.gz"
