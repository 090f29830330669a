"""Shared fixtures: reference data copied from the local mirror (../shared/data, or GENOFLOW_MIRROR) and one
temporary Prefect server per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before anything imports prefect: no telemetry, a throwaway PREFECT_HOME, patience on a busy machine.
for _name, _value in {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                      "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90"}.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="genoflow-prefect-home-"))

from genoflow import refdata  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MIRROR = Path(os.environ.get("GENOFLOW_MIRROR", REPO.parent / "shared" / "data"))
TEST_DATA_DIR = Path(os.environ.get("GENOFLOW_TEST_DATA_DIR", REPO / ".cache" / "test-data"))


@pytest.fixture(scope="session")
def reference() -> refdata.Reference:
    """The real H37Rv reference, annotation and catalogues, fetched once per machine from the mirror."""
    refdata.fetch(TEST_DATA_DIR, mirror=MIRROR)
    return refdata.Reference(TEST_DATA_DIR)


@pytest.fixture
def fresh_data_dir(reference: refdata.Reference, tmp_path: Path) -> Path:
    """A fetched data directory whose catalogue Parquet is not built yet: large files linked to the session's,
    small ones (the fetch stamp, tables) copied so that writing them leaves the session's untouched."""
    fresh = tmp_path / "data"
    fresh.mkdir()
    for source in reference.data_dir.iterdir():
        if source.name.startswith("catalogue-"):
            continue
        if source.stat().st_size > 1 << 20:
            (fresh / source.name).symlink_to(source.resolve())
        else:
            shutil.copy(source, fresh / source.name)
    return fresh


@pytest.fixture(scope="session")
def mirror() -> Path:
    return MIRROR


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server (SQLite) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
