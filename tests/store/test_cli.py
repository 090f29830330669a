"""`genoflow query ...` through typer's CliRunner on the store's own app."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from genoflow.store import load_batch, table_counts
from genoflow.store.cli import app

HOSTILE = "'; DROP TABLE samples; --"
runner = CliRunner()


@pytest.fixture
def loaded(store, report_factory):
    reports = [report_factory("S1", site=HOSTILE, calls={"rifampicin": "R"}, evidence={"rifampicin": ["rpoB_p.Ser450Leu"]},
                              snvs=[(761155, "C", "T"), (10, "A", "G")]),
               report_factory("S2", site=HOSTILE, snvs=[(10, "A", "G")]),
               report_factory("S3", site="Lima", snvs=[(10, "A", "G"), (20, "A", "G")]),
               report_factory("S4", site="Lima", passed=False)]
    load_batch(store, "B1", reports)
    return store


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_prevalence_csv_with_a_hostile_site(loaded):
    counts = table_counts(loaded)
    out = _invoke("prevalence", "--store", loaded.url, "--drug", "rifampicin", "--site", HOSTILE, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["site"], r["tested"], r["resistant"]) for r in rows] == [(HOSTILE, "2", "1")]
    assert table_counts(loaded) == counts


def test_store_from_environment_json_and_table_output(loaded, monkeypatch):
    monkeypatch.setenv("GENOFLOW_STORE", loaded.url)
    failures = json.loads(_invoke("qc-failures", "--format", "json"))
    assert [(f["sample_id"], f["collection_date"]) for f in failures] == [("S4", "2024-03-05")]
    table = _invoke("top-mutations")
    assert "rpoB_p.Ser450Leu" in table and "rifampicin" in table


def test_parquet_output_needs_out_and_writes_a_readable_file(loaded, tmp_path):
    result = runner.invoke(app, ["batches", "--store", loaded.url, "--format", "parquet"])
    assert result.exit_code == 2 and "needs --out" in result.output
    target = tmp_path / "prev.parquet"
    _invoke("prevalence", "--store", loaded.url, "--by", "drug", "--format", "parquet", "--out", str(target))
    frame = pd.read_parquet(target)
    assert len(frame) == 15 and set(frame.columns) >= {"drug", "tested", "resistant", "ci_low", "ci_high"}


def test_clusters_tree_and_errors(loaded):
    assert "3 samples, 1 clusters" in _invoke("refresh-clusters", "--store", loaded.url, "--threshold", "2")
    assert "S1, S2, S3" in _invoke("clusters", "--store", loaded.url)
    newick = _invoke("tree", "S1", "S2", "S3", "--store", loaded.url).strip()
    assert newick.endswith(";") and all(s in newick for s in ("S1", "S2", "S3"))
    bad = runner.invoke(app, ["prevalence", "--store", loaded.url, "--by", "nonsense"])
    assert bad.exit_code == 2 and "group by must be some of" in bad.output


def test_a_mistyped_store_is_refused_not_created(tmp_path):
    missing = tmp_path / "no-such-store"
    result = runner.invoke(app, ["prevalence", "--store", str(missing)])
    assert result.exit_code == 2 and "no genoflow store at" in result.output
    assert not missing.exists()
