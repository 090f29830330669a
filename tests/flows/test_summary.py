"""The batch summary, artifacts and final state as plain functions (no Prefect server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genoflow.flows.batch import (
    BatchFailed, BatchSummary, SampleOutcome, artifact_key, final_state, summary_markdown, summary_of, summary_table,
    task_runner_for,
)

DONE = SampleOutcome("S1", "done", report=Path("/data/out/S1.report.json"), qc_pass=True,
                     who_category="RR-TB", calls={"rifampicin": "R", "isoniazid": "S"})
QC_FAIL = SampleOutcome("S2", "done", report=Path("/data/out/S2.report.json"), qc_pass=False,
                        qc_reasons=("mean depth 3.0x (minimum 15x)",), calls={"rifampicin": "F"})
FAILED = SampleOutcome("S3", "failed", reason="validate: S3_R1.fastq.gz: record 7: truncated gzip")


def test_table_has_a_column_per_drug_and_the_failure_reason():
    rows = summary_table(BatchSummary("B1", Path("/data/out"), (DONE, QC_FAIL, FAILED)))
    assert rows[0]["rifampicin"] == "R" and rows[0]["qc"] == "pass" and rows[0]["who_category"] == "RR-TB"
    assert rows[1]["qc"] == "FAIL: mean depth 3.0x (minimum 15x)"
    assert rows[2]["status"] == "failed: validate: S3_R1.fastq.gz: record 7: truncated gzip"
    assert len(rows[0]) == 4 + 15


def test_markdown_links_each_report_and_lists_failures():
    text = summary_markdown(BatchSummary("B1", Path("/data/out"), (DONE, FAILED), {"samples": 1}))
    assert "[html](file:///data/out/S1.report.html)" in text and "(file:///data/out/S1.report.json)" in text
    assert "- **S3**: validate: S3_R1.fastq.gz: record 7: truncated gzip" in text
    assert "1 of 2 samples finished" in text and "Store: samples 1" in text


def test_final_state_partial_failed_or_plain_summary():
    ok = BatchSummary("B1", Path("/o"), (DONE,))
    assert final_state(ok) is ok
    partial = final_state(BatchSummary("B1", Path("/o"), (DONE, FAILED)))
    assert partial.is_completed() and partial.name == "Partial"
    assert partial.message.startswith("1 of 2 samples failed: S3 (validate: S3_R1.fastq.gz")
    with pytest.raises(BatchFailed, match=r"all 1 samples failed: S3 \(validate: S3_R1.fastq.gz"):
        final_state(BatchSummary("B1", Path("/o"), (FAILED,)))
    assert summary_of(partial).failed == [FAILED]


def test_artifact_keys_are_what_prefect_accepts():
    assert artifact_key("Run_2026.11.25", "samples") == "batch-run-2026-11-25-samples"


def test_runner_specs():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(task_runner_for("threads", 2), ThreadPoolTaskRunner)
    assert isinstance(task_runner_for("dask", 2), DaskTaskRunner)
    assert task_runner_for("dask=tcp://10.0.0.5:8786", 2).address == "tcp://10.0.0.5:8786"
    with pytest.raises(ValueError, match="unknown runner 'ray'"):
        task_runner_for("ray", 2)
