"""Loads: idempotent, atomic, pseudonymous; artifacts merge; migrations; fsspec URLs."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest

from genoflow.store import (
    ArtifactRow, Store, StoreError, connect, load_batch, load_report_dir, migrate, prevalence, record_artifacts,
    table_counts,
)
from genoflow.store import load as load_module


def _batch(make, batch_id="B1", n=6):
    return [make(f"{batch_id}-S{i}", batch_id=batch_id, calls={"rifampicin": "R" if i % 2 else "S"},
                 evidence={"rifampicin": ["rpoB_p.Ser450Leu"]} if i % 2 else {},
                 snvs=[(1000 + i, "A", "G"), (761155, "C", "T")]) for i in range(n)]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(store: Store, table: str, order: str) -> list[tuple]:
    with connect(store) as con:
        return con.execute(f"SELECT * EXCLUDE (loaded_at) FROM {table} ORDER BY {order}").fetchall() \
            if table == "batches" else con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def test_loading_a_batch_twice_changes_no_rows(store, report_factory):
    reports = _batch(report_factory)
    first = load_batch(store, "B1", reports, patient_ids={"B1-S0": "P1"})
    counts = table_counts(store)
    snapshot = {t: _rows(store, t, o) for t, o in
                [("samples", "sample_id"), ("drug_calls", "sample_id, drug"), ("variants", "sample_id, pos"),
                 ("batches", "batch_id"), ("drug_evidence", "sample_id")]}
    second = load_batch(store, "B1", reports, patient_ids={"B1-S0": "P1"})
    assert (first.replaced, second.replaced) == (False, True)
    assert counts["samples"] == 6 and counts["drug_calls"] == 6 * 15 and counts["variants"] == 12
    assert table_counts(store) == counts
    assert {t: _rows(store, t, o) for t, o in
            [("samples", "sample_id"), ("drug_calls", "sample_id, drug"), ("variants", "sample_id, pos"),
             ("batches", "batch_id"), ("drug_evidence", "sample_id")]} == snapshot
    parquet = sorted(Path(store.root).rglob("*.parquet"))
    assert len(parquet) == len(store.commit_for("B1").files), "replaced files must be deleted"


def test_failed_load_leaves_the_store_unchanged(store, report_factory, monkeypatch):
    load_batch(store, "B1", _batch(report_factory))
    before_files, before_counts = _files(Path(store.root)), table_counts(store)
    before_prevalence = prevalence(store)
    real_write, written = load_module.write_part, []

    def failing_write(store_, table, unit, data):
        if len(written) == 4:
            raise OSError("disk full (injected)")
        written.append(table)
        return real_write(store_, table, unit, data)

    monkeypatch.setattr(load_module, "write_part", failing_write)
    for batch_id, reports in (("B1", _batch(report_factory, n=9)), ("B2", _batch(report_factory, "B2"))):
        written.clear()
        with pytest.raises(OSError, match="injected"):
            load_batch(store, batch_id, reports)
        assert len(written) == 4, "the failure must come halfway through the tables"
        assert _files(Path(store.root)) == before_files
        assert table_counts(store) == before_counts
        assert prevalence(store).equals(before_prevalence)
    assert not (Path(store.root) / "_writer.lock").exists()


def test_an_interrupt_after_the_commit_file_is_written_keeps_the_batch_readable(store, report_factory, monkeypatch):
    load_batch(store, "B1", _batch(report_factory))
    old_files = set(store.commit_for("B1").files.values())
    real_delete, calls = Store.delete, []

    def interrupted_delete(self, relative_paths):
        calls.append(list(relative_paths))
        if len(calls) == 1:  # the first delete of the reload: the replaced files, after the commit file
            raise KeyboardInterrupt
        return real_delete(self, relative_paths)

    monkeypatch.setattr(Store, "delete", interrupted_delete)
    with pytest.raises(KeyboardInterrupt):
        load_batch(store, "B1", _batch(report_factory, n=9))
    monkeypatch.setattr(Store, "delete", real_delete)
    assert set(calls[0]) == old_files, "the interrupt must come while the replaced files are deleted"
    live = store.commit_for("B1").files
    assert all((Path(store.root) / rel).is_file() for rel in live.values()), "committed files were deleted"
    assert table_counts(store)["samples"] == 9
    assert sorted(store.vacuum()) == sorted(old_files)
    assert table_counts(store)["samples"] == 9


def test_patient_ids_are_stored_only_as_keyed_hashes(store, report_factory):
    reports = _batch(report_factory, n=3)
    load_batch(store, "B1", reports, patient_ids={"B1-S0": "PATIENT-SECRET-42", "B1-S2": "PATIENT-SECRET-42"})
    key_file = Path(store.root) / "_secrets" / "linkage.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    for path in Path(store.root).rglob("*.parquet"):
        assert b"PATIENT-SECRET-42" not in path.read_bytes()
    with connect(store) as con:
        hashes = dict(con.execute("SELECT sample_id, patient_hash FROM samples").fetchall())
    expected = hmac.new(key_file.read_bytes(), b"PATIENT-SECRET-42", hashlib.sha256).hexdigest()
    assert hashes == {"B1-S0": expected, "B1-S1": None, "B1-S2": expected}
    assert Store(store.url).linkage_hash("PATIENT-SECRET-42") == expected, "the key persists across openings"


def test_artifacts_merge_later_fields_and_survive_a_reload(store, report_factory):
    sha = hashlib.sha256(b"report").hexdigest()
    load_batch(store, "B1", _batch(report_factory, n=2),
               artifacts=[ArtifactRow(name="B1-S0.report.json", sha256=sha, kind="report", bytes=6)])
    record_artifacts(store, "B1", [ArtifactRow(name="B1-S0.report.json", sha256=sha, cid="bafkreiexample")])
    record_artifacts(store, "B1", [ArtifactRow(name="B1-S0.report.json", sha256=sha, anchor_txid="0xabc",
                                               anchor_network="stacks-testnet", anchor_block=7)])
    load_batch(store, "B1", _batch(report_factory, n=2))
    with connect(store) as con:
        rows = con.execute("SELECT name, kind, bytes, cid, anchor_txid, anchor_block FROM artifacts").fetchall()
    assert rows == [("B1-S0.report.json", "report", 6, "bafkreiexample", "0xabc", 7)]
    new_sha = hashlib.sha256(b"changed").hexdigest()
    assert record_artifacts(store, "B1", [ArtifactRow(name="B1-S0.report.json", sha256=new_sha)]) == 1
    with connect(store) as con:
        assert con.execute("SELECT sha256, cid FROM artifacts").fetchall() == [(new_sha, None)]


def test_bad_input_is_refused_with_a_clear_message(store, report_factory):
    with pytest.raises(StoreError, match="invalid batch id"):
        load_batch(store, "../escape", _batch(report_factory, n=1))
    with pytest.raises(StoreError, match="report says batch 'B1'"):
        load_batch(store, "B9", _batch(report_factory, n=1))
    with pytest.raises(StoreError, match="duplicate sample ids"):
        load_batch(store, "B1", _batch(report_factory, n=1) * 2)
    with pytest.raises(StoreError, match=r"masks names samples not in the batch: \['nobody'\]"):
        load_batch(store, "B1", _batch(report_factory, n=1), masks={"nobody": [(1, 10)]})
    with pytest.raises(ValueError, match="sha256"):
        ArtifactRow(name="x", sha256="not-a-hash")
    assert table_counts(store)["samples"] == 0


def test_report_directory_with_masks_and_a_broken_report(store, report_factory, tmp_path):
    directory = tmp_path / "reports"
    directory.mkdir()
    for report in _batch(report_factory, n=2):
        report.write(directory / f"{report.sample.sample_id}.report.json")
    (directory / "B1-S0.mask.bed").write_text("NC_000962.3\t99\t200\nNC_000962.3\t4000\t4100\n")
    result = load_report_dir(store, directory, "B1")
    assert result.rows["masked_regions"] == 2
    with connect(store) as con:
        assert con.execute('SELECT sample_id, start, "end" FROM masked_regions ORDER BY start').fetchall() == [
            ("B1-S0", 100, 200), ("B1-S0", 4001, 4100)]
    (directory / "B1-S1.report.json").write_text('{"sample": {}}')
    with pytest.raises(StoreError, match=r"B1-S1\.report\.json: not a valid report"):
        load_report_dir(store, directory, "B1")


def test_memory_url_store_works_through_fsspec(report_factory):
    store = Store("memory://genoflow-test/store")
    load_batch(store, "B1", _batch(report_factory, n=4))
    load_batch(store, "B1", _batch(report_factory, n=4))
    assert table_counts(store)["samples"] == 4
    row = prevalence(store, drugs=["rifampicin"], by=("drug",)).iloc[0]
    assert (row["tested"], row["resistant"]) == (4, 2)


def test_migration_steps_run_in_order_and_old_stores_are_refused(store, report_factory):
    load_batch(store, "B1", _batch(report_factory, n=2))
    store._write_json("_schema.json", {"version": 0})
    with pytest.raises(StoreError, match="run `genoflow query migrate"):
        table_counts(store)
    with pytest.raises(StoreError, match="no migration from schema version 0"):
        migrate(store, migrations={})
    seen = []
    assert migrate(store, migrations={0: lambda s: seen.append(s.schema_version)}) == [1]
    assert seen == [0] and store.schema_version == 1
    assert table_counts(store)["samples"] == 2
