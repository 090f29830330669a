"""Atomic replacement under concurrent writers: the race that once failed a batch's first catalogue build."""

from __future__ import annotations

import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from genoflow import refdata
from genoflow.atomic import atomic_path, write_atomic
from genoflow.resistance.catalogue import SCHEMA_VERSION, load_catalogue


def test_writers_inside_the_block_at_once_all_land(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    together = threading.Barrier(4)

    def write(i: int) -> None:
        with atomic_path(target) as tmp:
            tmp.write_text(f"writer {i}\n" * 1000)
            together.wait(timeout=10)  # every writer holds its temporary file before any renames

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    text = target.read_text()
    assert text in {f"writer {i}\n" * 1000 for i in range(4)}
    assert os.listdir(tmp_path) == ["shared.txt"]


def test_a_failing_block_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "report.json", "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["report.json"]


def test_mode_is_exact(tmp_path: Path) -> None:
    secret = write_atomic(tmp_path / "key.json", b"{}", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(write_atomic(tmp_path / "r.json", "{}").stat().st_mode) == 0o644


def test_samples_building_the_catalogue_cache_at_once(reference: refdata.Reference, fresh_data_dir: Path) -> None:
    """Three samples assessed concurrently on a fresh data directory each build and rename their own Parquet."""
    ref = refdata.Reference(fresh_data_dir)
    with ThreadPoolExecutor(3) as pool:
        catalogues = list(pool.map(lambda _: load_catalogue(ref, "who2023"), range(3)))
    assert {len(c.grades) for c in catalogues} == {len(load_catalogue(reference, "who2023").grades)}
    assert sorted(p.name for p in fresh_data_dir.glob("catalogue-*")) == [
        f"catalogue-who2023-s{SCHEMA_VERSION}.grades.parquet", f"catalogue-who2023-s{SCHEMA_VERSION}.records.parquet"]
    assert not [p.name for p in fresh_data_dir.iterdir() if p.name.endswith(".tmp")]
