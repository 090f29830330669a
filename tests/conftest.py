"""Shared fixtures: reference data copied from the local mirror (../shared/data, or GENOFLOW_MIRROR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from genoflow import refdata

REPO = Path(__file__).resolve().parent.parent
MIRROR = Path(os.environ.get("GENOFLOW_MIRROR", REPO.parent / "shared" / "data"))
TEST_DATA_DIR = Path(os.environ.get("GENOFLOW_TEST_DATA_DIR", REPO / ".cache" / "test-data"))


@pytest.fixture(scope="session")
def reference() -> refdata.Reference:
    """The real H37Rv reference, annotation and catalogues, fetched once per machine from the mirror."""
    refdata.fetch(TEST_DATA_DIR, mirror=MIRROR)
    return refdata.Reference(TEST_DATA_DIR)


@pytest.fixture(scope="session")
def mirror() -> Path:
    return MIRROR
