"""The inbox scanner: runs each new batch folder (one holding `samplesheet.csv`) through the batch flow once.

The nightly deployment (prefect.yaml) runs `inbox` on a cron schedule and whenever a `genoflow.batch.arrived`
event is emitted (`emit_batch_arrived`, e.g. from `genoflow batch-arrived DIR` in the sequencing core's upload
script). A batch is finished once its results folder holds `.genoflow-done.json`; a batch whose run failed has
no marker and is picked up again by the next scan, resuming from its cache. The inbox itself is only read.
Write `samplesheet.csv` last when uploading: a sheet naming files not yet copied fails validation and waits for
the next scan.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.events import emit_event
from prefect.runtime import flow_run
from prefect.states import State

from genoflow.atomic import write_atomic
from genoflow.flows.batch import run_batch, summary_of

SHEET = "samplesheet.csv"
MARKER = ".genoflow-done.json"
BATCH_ARRIVED = "genoflow.batch.arrived"


class InboxBatchesFailed(RuntimeError):
    """Some batch runs of a scan failed (the others ran); the message names each with its reason."""


def new_batches(inbox_dir: Path, results_dir: Path) -> list[Path]:
    """Batch folders in `inbox_dir` with a sample sheet and no finished-marker in `results_dir`, by name."""
    if not inbox_dir.is_dir():
        raise FileNotFoundError(f"inbox {inbox_dir} is not a directory")
    return sorted(d for d in inbox_dir.iterdir()
                  if d.is_dir() and (d / SHEET).is_file() and not (results_dir / d.name / MARKER).exists())


def write_marker(outdir: Path, state: State, flow_run_id: str | None) -> Path:
    """Mark a batch finished (also when some samples failed: their input must be fixed, then the marker deleted)."""
    summary = summary_of(state)
    marker = {"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "state": state.name,
              "message": state.message, "flow_run_id": flow_run_id,
              "samples": len(summary.samples) if summary else None,
              "failed": [s.sample_id for s in summary.failed] if summary else None}
    return write_atomic(outdir / MARKER, json.dumps(marker, indent=1) + "\n")


def batch_resource(batch_dir: Path) -> dict[str, str]:
    """The event resource of a batch folder: its name and path only (the trigger matches `genoflow.batch.*`)."""
    return {"prefect.resource.id": f"genoflow.batch.{batch_dir.name}", "prefect.resource.name": batch_dir.name,
            "genoflow.batch.path": str(batch_dir.resolve())}


def emit_batch_arrived(batch_dir: Path):
    """Tell the Prefect server a batch folder is ready (the deployment's trigger then scans the inbox)."""
    return emit_event(event=BATCH_ARRIVED, resource=batch_resource(batch_dir))


@flow(name="genoflow-inbox")
def inbox(inbox_dir: Path, results_dir: Path, runner: str = "threads", store: str | None = None,
          anchor: str | None = None) -> list[dict[str, str | None]]:
    """Run every new batch in `inbox_dir` into `results_dir/<batch>`; Failed if any batch run failed."""
    logger = get_run_logger()
    inbox_dir, results_dir = Path(os.path.abspath(inbox_dir)), Path(os.path.abspath(results_dir))
    ran: list[dict[str, str | None]] = []
    for batch_dir in new_batches(inbox_dir, results_dir):
        logger.info("batch %s: starting", batch_dir.name)
        outdir = results_dir / batch_dir.name
        state = run_batch(batch_dir / SHEET, outdir, runner=runner, batch_id=batch_dir.name, store=store,
                          anchor=anchor)
        if state.is_completed():
            write_marker(outdir, state, str(flow_run.id) if flow_run.id else None)
        logger.info("batch %s: %s %s", batch_dir.name, state.name, state.message or "")
        ran.append({"batch": batch_dir.name, "state": state.name, "message": state.message,
                    "finished": "yes" if state.is_completed() else "no"})
    failed = [r for r in ran if r["finished"] == "no"]
    if failed:
        raise InboxBatchesFailed("batches failed (retried at the next scan): " +
                                 "; ".join(f"{r['batch']}: {r['message']}" for r in failed))
    return ran
