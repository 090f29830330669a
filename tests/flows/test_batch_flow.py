"""The batch flow on a temporary Prefect server, on simulated reads over rpoB and katG.

Flow runs are few and shared (each costs seconds): a 3-sample batch, its rerun (all from cache), the same batch
through the inbox flow, a batch with a corrupt sample and a flaky publish, and a run killed mid-batch that is
resumed on a local Dask cluster.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from genoflow.report import Report

from .conftest import THRESHOLD_ENV, THRESHOLDS, link_reads, write_sheet

STEPS = ("validate", "align", "call", "assess", "publish")


@dataclass
class Batch:
    root: Path
    sheet: Path
    outdir: Path
    store: Path
    state: object


def task_runs(state) -> dict:
    """Task runs of the flow run that ended in `state`, by name (validate-S1, publish-S2, sample-S3, ...),
    once the server has recorded a final state for each (task run states reach it as events, a little late)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flow_run_id = state.state_details.flow_run_id
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            if all(r.state is not None and r.state.is_final() for r in runs) or time.monotonic() > deadline:
                return {run.name: run for run in runs}
            time.sleep(0.5)


def artifacts(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def run(batch_dir: Path, outdir: Path, store: Path, **options):
    from genoflow.flows.batch import run_batch

    return run_batch(batch_dir / "samplesheet.csv", outdir, store=str(store), thresholds=THRESHOLDS, **options)


@pytest.fixture(scope="module")
def finished(prefect_server, reads, reference, tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("batch")
    batch_dir = root / "inbox" / "B1"
    sheet = write_sheet(batch_dir, link_reads(batch_dir, reads, ["S1", "S2", "S3"]))
    outdir, store = root / "results" / "B1", root / "store"
    state = run(batch_dir, outdir, store, data_dir=reference.data_dir)
    return Batch(root, sheet, outdir, store, state)


def test_three_samples_end_to_end(finished):
    from genoflow.flows.batch import summary_of

    assert finished.state.is_completed() and finished.state.name == "Completed", finished.state.message
    summary = summary_of(finished.state)
    assert [s.sample_id for s in summary.samples] == ["S1", "S2", "S3"]
    reports = {s.sample_id: Report.read(s.report) for s in summary.samples}
    assert all(r.sample.batch_id == "B1" and r.qc.passed for r in reports.values())
    calls = {sid: {c.drug: c.call for c in r.drugs} for sid, r in reports.items()}
    assert calls["S1"]["rifampicin"] == "R"    # planted rpoB S450L
    assert calls["S2"]["isoniazid"] == "R"     # planted katG S315T
    assert calls["S3"]["rifampicin"] == "S"
    for sid in reports:
        assert (finished.outdir / f"{sid}.bam").exists() and (finished.outdir / f"{sid}.vcf.gz").exists()
    assert summary.store_rows["samples"] == 3


def test_artifacts_table_summary_and_progress(finished):
    (table,) = artifacts("batch-b1-samples")
    rows = table.data if isinstance(table.data, list) else __import__("json").loads(table.data)
    assert [r["sample"] for r in rows] == ["S1", "S2", "S3"]
    assert rows[0]["rifampicin"] == "R" and rows[0]["qc"] == "pass" and rows[0]["status"] == "done"
    (markdown,) = artifacts("batch-b1-summary")
    for sid in ("S1", "S2", "S3"):
        assert (finished.outdir / f"{sid}.report.html").as_uri() in markdown.data
    (progress,) = artifacts("batch-b1-progress")
    assert float(progress.data) == 100.0


def test_patient_ids_stay_out_of_outputs_cache_artifacts_and_logs(finished):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    for path in finished.outdir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data += gzip.decompress(data)
            assert b"PATIENT-" not in data, path
    flow_run_id = finished.state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        flow_run = client.read_flow_run(flow_run_id)
    assert logs and not any("PATIENT-" in log.message for log in logs)
    assert "PATIENT-" not in str(flow_run.parameters)
    for key in ("batch-b1-samples", "batch-b1-summary"):
        assert "PATIENT-" not in str(artifacts(key)[0].data)


def test_rerun_takes_every_step_from_cache_and_leaves_reports_untouched(finished, reference):
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in finished.outdir.glob("*.report.*")}
    state = run(finished.sheet.parent, finished.outdir, finished.store, data_dir=reference.data_dir)
    assert state.is_completed()
    runs = task_runs(state)
    steps = {name: r.state.name for name, r in runs.items() if name.split("-")[0] in STEPS}
    assert len(steps) == 15 and set(steps.values()) == {"Cached"}, steps
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in finished.outdir.glob("*.report.*")}
    assert after == before and len(after) == 6


def test_inbox_runs_a_new_batch_once(finished, reference, monkeypatch):
    from genoflow.flows.inbox import MARKER, inbox, new_batches

    monkeypatch.setenv("GENOFLOW_DATA_DIR", str(reference.data_dir))
    for name, value in THRESHOLD_ENV.items():
        monkeypatch.setenv(name, value)
    (finished.root / "inbox" / "not-a-batch").mkdir()  # no sample sheet: ignored
    results = finished.root / "results"
    assert new_batches(finished.root / "inbox", results) == [finished.sheet.parent]
    ran = inbox(inbox_dir=finished.root / "inbox", results_dir=results, store=str(finished.store))
    assert [(r["batch"], r["state"]) for r in ran] == [("B1", "Completed")]
    assert (results / "B1" / MARKER).exists()
    assert new_batches(finished.root / "inbox", results) == []


def test_a_corrupt_sample_fails_alone_and_a_flaky_publish_is_retried(prefect_server, reads, reference, tmp_path,
                                                                      monkeypatch):
    from genoflow import profile
    from genoflow.flows.batch import summary_of

    batch_dir = tmp_path / "B2"
    rows = link_reads(batch_dir, reads, ["S1"])
    good = reads["S3"][0].read_bytes()
    (batch_dir / "BAD_R1.fastq.gz").write_bytes(good[: len(good) // 2])  # truncated gzip
    (batch_dir / "BAD_R2.fastq.gz").symlink_to(reads["S3"][1])
    rows.append({"sample_id": "BAD", "r1": "BAD_R1.fastq.gz", "r2": "BAD_R2.fastq.gz"})
    write_sheet(batch_dir, rows)

    real_publish, failures, lock = profile.publish, [], threading.Lock()

    def flaky_publish(*args, **kwargs):
        with lock:
            if not failures:
                failures.append(1)
                raise OSError("simulated: network file system went away")
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(profile, "publish", flaky_publish)
    state = run(batch_dir, tmp_path / "out", tmp_path / "store", data_dir=reference.data_dir)

    assert state.is_completed() and state.name == "Partial"
    assert "1 of 2 samples failed: BAD" in state.message
    summary = summary_of(state)
    good_sample, bad = summary.samples
    assert good_sample.status == "done" and good_sample.report.exists()
    assert bad.status == "failed" and bad.reason.startswith("validate: ") and "BAD_R1.fastq.gz" in bad.reason
    assert not list((tmp_path / "out").glob("BAD.*"))
    runs = task_runs(state)
    assert runs["publish-S1"].run_count == 2 and runs["publish-S1"].state.is_completed()
    assert runs["validate-BAD"].run_count == 1 and runs["validate-BAD"].state.is_failed()  # bad input: no retry
    assert summary.store_rows["samples"] == 1


def test_a_killed_batch_resumes_from_cache_on_dask(prefect_server, reads, reference, tmp_path):
    from prefect.settings import PREFECT_API_URL

    batch_dir, outdir, store = tmp_path / "B3", tmp_path / "out", tmp_path / "store"
    write_sheet(batch_dir, link_reads(batch_dir, reads, ["S2", "S3"]))
    env = {**os.environ, **THRESHOLD_ENV, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "GENOFLOW_DATA_DIR": str(reference.data_dir)}
    command = [sys.executable, "-c", "from genoflow.batch_cli import app; app()", "batch",
               str(batch_dir / "samplesheet.csv"), "--outdir", str(outdir), "--concurrency", "1",
               "--store", str(store)]
    child = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:  # one sample at a time: kill once S2 is published and S3 has started aligning
        deadline = time.monotonic() + 600
        while not ((outdir / "S2.report.json").exists() and (outdir / ".work" / "S3").exists()):
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "batch subprocess made no progress"
            time.sleep(0.2)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert not (outdir / "S3.report.json").exists()
    s2_report = (outdir / "S2.report.json").read_bytes(), (outdir / "S2.report.json").stat().st_mtime_ns

    state = run(batch_dir, outdir, store, data_dir=reference.data_dir, runner="dask")
    assert state.is_completed() and state.name == "Completed", state.message
    runs = task_runs(state)
    assert {runs[f"{step}-S2"].state.name for step in STEPS} == {"Cached"}
    assert runs["validate-S3"].state.name == "Cached"  # finished before the kill: resume is per step
    assert runs["assess-S3"].state.name == "Completed" and runs["publish-S3"].state.name == "Completed"
    assert ((outdir / "S2.report.json").read_bytes(), (outdir / "S2.report.json").stat().st_mtime_ns) == s2_report
    assert Report.read(outdir / "S3.report.json").sample.sample_id == "S3"
