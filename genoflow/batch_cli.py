"""`genoflow batch`, `genoflow server` and `genoflow batch-arrived` (a typer app the main CLI mounts).

Prefect is imported only inside the commands, after `prefect_environment()` has switched telemetry off
(DO_NOT_TRACK=1, PREFECT_SERVER_ANALYTICS_ENABLED=false) unless the operator set those variables already:
nothing leaves 127.0.0.1 unless configured.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import typer

from genoflow.settings import get_settings

PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}
PROJECT_DIR = Path(__file__).resolve().parent.parent  # holds prefect.yaml (an editable install or a checkout)

app = typer.Typer(help="Batches through the Prefect flow, and the local Prefect server with its deployments.",
                  no_args_is_help=True, add_completion=False)


def prefect_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Telemetry-off defaults applied to `env` (default: this process's environment, updated in place)."""
    target = os.environ if env is None else dict(env)
    for name, value in PREFECT_DEFAULTS.items():
        target.setdefault(name, value)
    return dict(target)


@app.command()
def batch(
    sheet: Path = typer.Argument(..., help="samplesheet.csv (sample_id, r1[, r2, collection_date, site, country, "
                                           "patient_id]); read paths relative to it"),
    outdir: Path = typer.Option(..., "--outdir", help="reports, BAMs, VCFs; also the resume cache (.prefect-results)"),
    runner: str = typer.Option("threads", help="threads, dask (a local Dask cluster) or dask=tcp://HOST:PORT"),
    batch_id: str | None = typer.Option(None, help="default: the sample sheet's folder name"),
    concurrency: int | None = typer.Option(None, min=1, help="samples at a time (default: one per core)"),
    threads: int | None = typer.Option(None, min=1, help="threads per alignment (GENOFLOW_THREADS)"),
    store: str | None = typer.Option(None, help="analytical store URL (GENOFLOW_STORE)"),
    anchor: str | None = typer.Option(None, help="anchor backend for provenance: simnet or stacks (default: none)"),
    ipfs: str | None = typer.Option(None, help="pin backend URL (default: local://STORE/ipfs)"),
    data_dir: Path | None = typer.Option(None, help="reference data cache (GENOFLOW_DATA_DIR)"),
) -> None:
    """Run a batch through the Prefect flow (on an embedded server unless PREFECT_API_URL is set)."""
    prefect_environment()
    from genoflow.samplesheet import SampleSheetError, read_samplesheet
    from genoflow.store.backend import StoreError, check_batch_id

    try:  # fail fast, before Prefect starts; the flow checks both again
        read_samplesheet(sheet)
        check_batch_id(batch_id or sheet.resolve().parent.name)
    except (SampleSheetError, StoreError) as exc:
        raise typer.Exit(_fail(str(exc)))
    from genoflow.flows.batch import run_batch, summary_of

    try:
        state = run_batch(sheet, outdir, runner=runner, concurrency=concurrency, batch_id=batch_id, store=store,
                          threads=threads, data_dir=data_dir, anchor=anchor, ipfs=ipfs)
    except ValueError as exc:  # an unknown --runner
        raise typer.Exit(_fail(str(exc)))
    summary = summary_of(state)
    for sample in summary.samples if summary else ():
        if sample.status == "done":
            typer.echo(f"{sample.sample_id}\t{'QC pass' if sample.qc_pass else 'QC FAIL'}\t"
                       f"{sample.who_category or '-'}\t{sample.report}")
        else:
            typer.echo(f"{sample.sample_id}\tFAILED\t{sample.reason}")
    typer.echo(f"batch {state.name}{': ' + state.message if state.message else ''}", err=not state.is_completed())
    if not state.is_completed() or (summary and summary.failed):
        raise typer.Exit(1)


@app.command("batch-arrived")
def batch_arrived(batch_dir: Path = typer.Argument(..., exists=True, file_okay=False,
                                                   help="the new batch folder (holding samplesheet.csv)")) -> None:
    """Emit the `genoflow.batch.arrived` event: the nightly deployment's trigger then scans the inbox now."""
    prefect_environment()
    if not os.environ.get("PREFECT_API_URL"):
        raise typer.Exit(_fail("PREFECT_API_URL is not set: start `genoflow server` and point PREFECT_API_URL at it"))
    from prefect.events.worker import EventsWorker

    from genoflow.flows.inbox import emit_batch_arrived

    event = emit_batch_arrived(batch_dir)
    EventsWorker.drain_all(timeout=10)
    typer.echo(f"emitted {event.event if event else 'nothing'} for {batch_dir.name}")


@app.command()
def server(
    host: str = typer.Option("127.0.0.1", help="address the server listens on (keep 127.0.0.1 unless needed)"),
    port: int = typer.Option(4200),
    pool: str = typer.Option("genoflow", help="process work pool name (must match prefect.yaml)"),
    inbox: Path = typer.Option(Path("inbox"), help="where batch folders arrive (GENOFLOW_INBOX)"),
    results: Path = typer.Option(Path("results"), help="where batch results go (GENOFLOW_RESULTS)"),
    store: str | None = typer.Option(None, help="analytical store URL (GENOFLOW_STORE)"),
    project: Path = typer.Option(PROJECT_DIR, help="folder holding prefect.yaml"),
) -> None:
    """Start the Prefect server + UI, a process work pool and worker, and apply the deployments in prefect.yaml."""
    if not (project / "prefect.yaml").is_file():
        raise typer.Exit(_fail(f"{project}: no prefect.yaml here (pass --project)"))
    inbox, results = inbox.resolve(), results.resolve()
    inbox.mkdir(parents=True, exist_ok=True)
    results.mkdir(parents=True, exist_ok=True)
    api = f"http://{host}:{port}/api"
    store_url = store or get_settings().store
    if "://" not in store_url:
        store_url = str(Path(store_url).resolve())
    env = prefect_environment({**os.environ, "PREFECT_API_URL": api, "GENOFLOW_PROJECT_DIR": str(project),
                               "GENOFLOW_INBOX": str(inbox), "GENOFLOW_RESULTS": str(results),
                               "GENOFLOW_STORE": store_url})
    prefect = [sys.executable, "-m", "prefect"]
    children: list[subprocess.Popen[bytes]] = []
    try:
        children.append(subprocess.Popen([*prefect, "server", "start", "--host", host, "--port", str(port),
                                          "--analytics-off"], env=env))
        wait_until_healthy(api, children[0])
        subprocess.run([*prefect, "work-pool", "create", pool, "--type", "process", "--overwrite"], env=env,
                       check=True)
        subprocess.run([*prefect, "deploy", "--all", "--no-prompt"], env=env, cwd=project, check=True)
        children.append(subprocess.Popen([*prefect, "worker", "start", "--pool", pool], env=env, cwd=project))
        typer.echo(f"\nPrefect UI: http://{host}:{port}  (API {api})\n"
                   f"Deployment genoflow-inbox/nightly-inbox scans {inbox} nightly and on `genoflow batch-arrived DIR`;"
                   f"\nresults go to {results}/<batch>; genoflow-surveillance/weekly-surveillance refreshes {store_url}"
                   f" every Monday.\nCtrl-C stops the worker and the server.")
        children[0].wait()
    except (KeyboardInterrupt, subprocess.CalledProcessError, TimeoutError) as exc:
        if not isinstance(exc, KeyboardInterrupt):
            typer.echo(f"error: {exc}", err=True)
    finally:
        for child in reversed(children):
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


def wait_until_healthy(api: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TimeoutError(f"prefect server exited with code {process.returncode}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"prefect server not healthy at {api} after {timeout:.0f} s")


def _fail(message: str) -> int:
    typer.echo(f"error: {message}", err=True)
    return 2
