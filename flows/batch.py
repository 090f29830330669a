"""The nightly batch flow: sample sheet -> every sample through the steps, concurrently -> store -> provenance.

    run_batch(sheet, outdir, runner="threads")          # what `genoflow batch` and the inbox flow call

Per sample (one `sample-ID` task running its steps as nested, individually cached and retried tasks):
validate -> align -> call -> assess -> publish. A failing sample fails alone with its reason; the others
finish. Batch-level steps follow: store load (`genoflow.store`), then provenance (bundles, IPFS pins, Merkle
receipts, one anchor: `tasks/provenance.py`, skipped unless an anchor backend is configured). Persisted
results live in `outdir/.prefect-results` and every step's cache key is content-based, so rerunning after a
crash or kill resumes: finished steps come from the cache and finished outputs are left untouched.

Final state: Completed when every sample finished; Completed named "Partial" (message naming the failed
samples and why) when some failed, because a bad sample is bad input that rerunning cannot fix and the others'
results are valid and loaded; Failed when the sheet is invalid, every sample failed, or a batch-level step
failed (a rerun then resumes from the cache).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact, \
    update_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.runtime import flow_run
from prefect.states import Completed, State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.transactions import CommitMode, transaction

from genoflow.profile import SampleInput
from genoflow.refdata import Reference
from genoflow.report import DRUGS, Report
from genoflow.samplesheet import read_samplesheet
from genoflow.settings import Thresholds, get_settings
from genoflow.tasks.align import align_outputs, align_sample, align_sample_refresh
from genoflow.tasks.assess import assess_sample
from genoflow.tasks.call import call_outputs, call_sample, call_sample_refresh
from genoflow.tasks.policy import results_dir, step_for, work_dir
from genoflow.tasks.provenance import publish_provenance
from genoflow.tasks.publish import published_files, publish_sample, publish_sample_refresh
from genoflow.tasks.store import load_into_store
from genoflow.tasks.validate import validate_sample


class SampleFailed(RuntimeError):
    """A sample's step failed; the message names the step and the cause."""


class BatchFailed(RuntimeError):
    """Every sample of a batch failed; the message names each with its reason."""


@dataclass(frozen=True)
class SampleOutcome:
    sample_id: str
    status: Literal["done", "failed"]
    report: Path | None = None
    reason: str | None = None
    qc_pass: bool | None = None
    qc_reasons: tuple[str, ...] = ()
    who_category: str | None = None
    calls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    outdir: Path
    samples: tuple[SampleOutcome, ...]
    store_rows: dict[str, int] | None = None
    provenance: dict[str, Any] | None = None

    @property
    def done(self) -> list[SampleOutcome]:
        return [s for s in self.samples if s.status == "done"]

    @property
    def failed(self) -> list[SampleOutcome]:
        return [s for s in self.samples if s.status == "failed"]


# -- plain helpers (no Prefect) ----------------------------------------------------------------------------
def outcome_from_report(report: Report, path: Path) -> SampleOutcome:
    return SampleOutcome(sample_id=report.sample.sample_id, status="done", report=path, qc_pass=report.qc.passed,
                         qc_reasons=tuple(report.qc.reasons), who_category=report.who_category,
                         calls={c.drug: c.call for c in report.drugs})


def summary_table(summary: BatchSummary) -> list[dict[str, str]]:
    """One row per sample: status, QC verdict, WHO category and one column per drug (no patient data)."""
    rows = []
    for s in summary.samples:
        row = {"sample": s.sample_id, "status": s.status if s.status == "done" else f"failed: {s.reason}",
               "qc": "" if s.qc_pass is None else ("pass" if s.qc_pass else "FAIL: " + "; ".join(s.qc_reasons)),
               "who_category": s.who_category or ""}
        row.update({drug: s.calls.get(drug, "") for drug in DRUGS})
        rows.append(row)
    return rows


def summary_markdown(summary: BatchSummary) -> str:
    """The batch summary for the UI: counts, a link per report (file://), failed samples with their reasons."""
    lines = [f"# Batch {summary.batch_id}", "",
             f"{len(summary.done)} of {len(summary.samples)} samples finished; output in `{summary.outdir}`.", ""]
    if summary.done:
        lines += ["| sample | QC | WHO category | report |", "|---|---|---|---|"]
        for s in summary.done:
            html = s.report.with_name(s.report.name.replace(".report.json", ".report.html"))
            lines.append(f"| {s.sample_id} | {'pass' if s.qc_pass else 'FAIL'} | {s.who_category or ''} | "
                         f"[html]({html.as_uri()}) · [json]({s.report.as_uri()}) |")
        lines.append("")
    if summary.failed:
        lines += ["## Failed samples", ""] + [f"- **{s.sample_id}**: {s.reason}" for s in summary.failed] + [""]
    if summary.store_rows is not None:
        lines.append("Store: " + ", ".join(f"{t} {n}" for t, n in sorted(summary.store_rows.items())))
    lines.append("Provenance: " + ("skipped (no anchor backend configured)" if summary.provenance is None
                                   else f"{summary.provenance['receipts']} receipts, Merkle root "
                                        f"`{summary.provenance['root']}`"))
    return "\n".join(lines) + "\n"


def artifact_key(batch_id: str, what: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", f"batch-{batch_id}-{what}".lower()).strip("-")


def provenance_locations(store_url: str, ipfs: str | None) -> tuple[str, Path]:
    """The pin backend URL (default: the embedded block store beside a local analytical store) and the anchor
    backend's state directory (STORE/anchor)."""
    base = Path(store_url.removeprefix("file://")).resolve()
    return ipfs or f"local://{base / 'ipfs'}", base / "anchor"


def task_runner_for(spec: str, max_workers: int) -> TaskRunner:
    """`threads` (default), `dask` (a local in-process Dask cluster) or `dask=ADDRESS` (an existing scheduler)."""
    if spec == "threads":
        return ThreadPoolTaskRunner(max_workers=max_workers)
    if spec == "dask" or spec.startswith("dask="):
        from prefect_dask import DaskTaskRunner

        address = spec.partition("=")[2]
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 1, "threads_per_worker": max_workers,
                                              "processes": False, "dashboard_address": "127.0.0.1:0"})
    raise ValueError(f"unknown runner {spec!r}: use threads, dask or dask=ADDRESS")


# -- tasks and flow ----------------------------------------------------------------------------------------
@task(name="sample", task_run_name="sample-{inp.sample_id}", cache_policy=NO_CACHE, persist_result=False)
def process_sample(reference: Reference, inp: SampleInput, outdir: Path, threads: int, thresholds: Thresholds,
                   catalogue_version: str) -> SampleOutcome:
    """One sample through the steps; each step is a nested task, from cache unless its inputs or outputs changed.

    Nested tasks would commit their cache records only when this task ends; the eager transaction writes each
    record as soon as its step finishes, so a kill in the middle of a sample loses only the step it was in.
    """
    sid = inp.sample_id
    workdir = work_dir(outdir, sid)
    step = "validate"
    try:
        with transaction(commit_mode=CommitMode.EAGER):
            validated = validate_sample(inp)
            step = "align"
            align = step_for(align_outputs(workdir, sid), align_sample, align_sample_refresh)
            bam = align(reference, validated, workdir, threads)
            step = "call"
            call = step_for(call_outputs(workdir, sid), call_sample, call_sample_refresh)
            called = call(reference, bam, workdir, thresholds, threads)
            step = "assess"
            report = assess_sample(reference, validated, called, thresholds, catalogue_version)
            step = "publish"
            publish = step_for(published_files(outdir, sid), publish_sample, publish_sample_refresh)
            path = publish(reference, report, called, outdir)
    except Exception as exc:
        raise SampleFailed(f"{step}: {exc}") from exc
    return outcome_from_report(report, path)


def _outcome(sample_id: str, future: PrefectFuture[SampleOutcome]) -> SampleOutcome:
    future.wait()  # records the final state on the future (otherwise `state` asks the API, which may lag)
    state = future.state
    if state.is_completed():
        return future.result()
    exc = future.result(raise_on_failure=False)
    reason = str(exc) if isinstance(exc, BaseException) else (state.message or state.name)
    return SampleOutcome(sample_id=sample_id, status="failed", reason=reason)


def _run_name() -> str:
    params = flow_run.parameters
    return f"batch-{params.get('batch_id') or Path(params['sheet']).parent.name}"


@flow(name="genoflow-batch", flow_run_name=_run_name, persist_result=True)
def batch(sheet: Path, outdir: Path, batch_id: str | None = None, store: str | None = None,
          data_dir: Path | None = None, threads: int | None = None, catalogue: str | None = None,
          thresholds: Thresholds | None = None, anchor: str | None = None,
          ipfs: str | None = None) -> BatchSummary | State:
    """Run every sample of `sheet` into `outdir`, load the store and hand the batch to provenance.

    `anchor` (simnet or stacks) turns on pinning + anchoring; `ipfs` is the pin backend URL (default
    local://STORE/ipfs beside a local store), the anchor state lives in STORE/anchor.
    """
    from genoflow.store.backend import check_batch_id

    settings = get_settings(data_dir=data_dir, threads=threads, catalogue=catalogue, store=store)
    sample_sheet = read_samplesheet(Path(sheet))
    batch_id = check_batch_id(batch_id or Path(sheet).resolve().parent.name)
    outdir = Path(os.path.abspath(outdir))
    outdir.mkdir(parents=True, exist_ok=True)
    reference = Reference(settings.data_dir)
    thresholds = thresholds or settings.thresholds
    inputs = sample_sheet.sample_inputs(batch_id)

    progress = create_progress_artifact(0.0, key=artifact_key(batch_id, "progress"),
                                        description=f"batch {batch_id}: 0 of {len(inputs)} samples finished")
    futures = {process_sample.submit(reference, inp, outdir, settings.threads, thresholds, settings.catalogue):
               inp.sample_id for inp in inputs}
    finished: dict[str, SampleOutcome] = {}
    for future in as_completed(list(futures)):
        outcome = _outcome(futures[future], future)
        finished[outcome.sample_id] = outcome
        failed = sum(o.status == "failed" for o in finished.values())
        update_progress_artifact(progress, 100.0 * len(finished) / len(inputs),
                                 description=f"batch {batch_id}: {len(finished)} of {len(inputs)} samples "
                                             f"finished ({failed} failed)")
    outcomes = tuple(finished[inp.sample_id] for inp in inputs)
    reports = [o.report for o in outcomes if o.report is not None]

    store_rows = provenance = None
    if reports:
        store_rows = load_into_store(settings.store, batch_id, reports, sample_sheet.patient_ids())
        ipfs_url, anchor_state = provenance_locations(settings.store, ipfs)
        provenance = publish_provenance(batch_id, outdir, reports, anchor=anchor, ipfs_url=ipfs_url,
                                        anchor_state=anchor_state,
                                        patient_ids=list(sample_sheet.patient_ids().values()))
    summary = BatchSummary(batch_id, outdir, outcomes, store_rows, provenance)
    publish_artifacts(summary)
    return final_state(summary)


def publish_artifacts(summary: BatchSummary) -> None:
    create_table_artifact(table=summary_table(summary), key=artifact_key(summary.batch_id, "samples"),
                          description=f"Batch {summary.batch_id}: QC, per-drug calls and WHO category per sample")
    create_markdown_artifact(markdown=summary_markdown(summary), key=artifact_key(summary.batch_id, "summary"),
                             description=f"Batch {summary.batch_id}: summary and report links")


def final_state(summary: BatchSummary) -> BatchSummary | State:
    """The summary (Completed), a Completed state named Partial carrying it, or BatchFailed raised."""
    if not summary.failed:
        return summary
    why = "; ".join(f"{s.sample_id} ({s.reason})" for s in summary.failed)
    if not summary.done:
        raise BatchFailed(f"all {len(summary.samples)} samples failed: {why}")
    return Completed(name="Partial", data=summary,
                     message=f"{len(summary.failed)} of {len(summary.samples)} samples failed: {why}")


def run_batch(sheet: Path, outdir: Path, *, runner: str = "threads", concurrency: int | None = None,
              **params: Any) -> State:
    """Run `batch` with its results persisted in `outdir` and `concurrency` samples at a time (default: one per
    core) on the chosen runner (see `task_runner_for`); returns the flow run's final state."""
    workers = concurrency or os.cpu_count() or 1
    configured = batch.with_options(task_runner=task_runner_for(runner, workers),
                                    result_storage=results_dir(Path(outdir)))
    return configured(sheet=Path(sheet), outdir=Path(outdir), **params, return_state=True)


def summary_of(state: State) -> BatchSummary | None:
    """The BatchSummary a finished batch run returned (also for a Partial run); None for a Failed run."""
    value = state.result(raise_on_failure=False)
    return value if isinstance(value, BatchSummary) else None


__all__: Sequence[str] = ("BatchFailed", "BatchSummary", "SampleOutcome", "batch", "run_batch", "summary_of", "task_runner_for")
