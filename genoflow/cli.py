"""`genoflow`: one command line for the whole pipeline."""

from __future__ import annotations

from pathlib import Path

import typer

from genoflow import __version__
from genoflow.settings import get_settings

app = typer.Typer(help="genoflow: M. tuberculosis reads to WHO-catalogue resistance reports with provable integrity.",
                  no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Reference data: fetch, verify and index the manifest's files.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _mount() -> None:
    """Command groups that live beside the code they drive."""
    from genoflow.batch_cli import app as batch_app
    from genoflow.ipfs.cli import app as ipfs_app
    from genoflow.provenance.cli import app as provenance_app
    from genoflow.resistance.cli import app as resistance_app
    from genoflow.store.cli import app as store_app

    app.add_typer(batch_app)  # batch, batch-arrived, server
    app.add_typer(provenance_app)  # verify, publish
    app.add_typer(store_app, name="query")
    app.add_typer(resistance_app)  # catalogue, render
    app.add_typer(ipfs_app, name="ipfs")


_mount()


@app.command()
def version() -> None:
    """Print the genoflow version."""
    typer.echo(__version__)


@data_app.command("fetch")
def data_fetch(
    mirror: Path | None = typer.Option(None, help="copy files from this local mirror instead of downloading"),
    data_dir: Path | None = typer.Option(None, help="data cache (default: GENOFLOW_DATA_DIR)"),
    force: bool = typer.Option(False, help="fetch again even when cached files verify"),
) -> None:
    """Download (or copy from --mirror) every manifest file, check sha256, build indexes and catalogues."""
    from genoflow import refdata
    from genoflow.resistance.catalogue import VERSIONS, CatalogueError, load_catalogue

    target = get_settings(data_dir=data_dir).data_dir
    try:
        origins = refdata.fetch(target, mirror=mirror, force=force)
        reference = refdata.Reference(target)
        for version in VERSIONS:  # built once here rather than by the first batch's samples on first use
            load_catalogue(reference, version)
    except (refdata.DataError, CatalogueError) as exc:
        raise typer.Exit(_fail(str(exc)))
    for name, origin in origins.items():
        typer.echo(f"{name}\t{origin}")
    typer.echo(f"catalogues ready: {', '.join(VERSIONS)}")
    typer.echo(f"reference data ready in {target}")


def _reference(data_dir: Path | None):
    from genoflow import refdata

    try:
        return refdata.Reference(get_settings(data_dir=data_dir).data_dir)
    except refdata.DataError as exc:
        raise typer.Exit(_fail(str(exc)))


@app.command()
def profile(
    sample: str = typer.Option(..., "--sample", help="sample ID (letters, digits, . _ -)"),
    reads: list[Path] = typer.Option(..., "--reads", help="R1 [R2] FASTQ(.gz), or one BAM, or one FASTA assembly"),
    outdir: Path = typer.Option(..., "--outdir", help="where ID.bam, ID.vcf.gz, ID.report.json/html go"),
    threads: int | None = typer.Option(None, help="threads for alignment and sorting (GENOFLOW_THREADS)"),
    catalogue: str | None = typer.Option(None, help="catalogue version: who2023 (default) or who2021"),
    data_dir: Path | None = typer.Option(None, help="reference data cache (GENOFLOW_DATA_DIR)"),
) -> None:
    """Profile one sample: validate, align, call, QC, resistance, report."""
    from genoflow.profile import SampleInput, profile_sample
    from genoflow.tools import ToolError
    from genoflow.validate import InputError

    settings = get_settings(data_dir=data_dir, threads=threads, catalogue=catalogue)
    reference = _reference(settings.data_dir)
    try:
        report = profile_sample(reference, SampleInput(sample, tuple(reads)), outdir, threads=settings.threads,
                                thresholds=settings.thresholds, catalogue_version=settings.catalogue)
    except InputError as exc:
        raise typer.Exit(_fail(str(exc)))
    except ToolError as exc:
        raise typer.Exit(_fail(f"broken installation: {exc}") + 1)
    verdict = "QC pass" if report.qc.passed else "QC FAIL: " + "; ".join(report.qc.reasons)
    typer.echo(f"{report.sample.sample_id}: {verdict}; WHO category: {report.who_category}")
    for call in report.drugs:
        if call.call != "S":
            detail = ", ".join(e.variant for e in call.evidence) or f"missing: {', '.join(call.missing[:3])}"
            typer.echo(f"  {call.drug}: {call.call} {detail}")
    typer.echo(str(outdir / f"{report.sample.sample_id}.report.json"))


@app.command()
def demo(
    outdir: Path = typer.Option(Path("demo-output"), help="inbox, results, store and provenance go here"),
    depth: float = typer.Option(25.0, help="simulated read depth of each demo sample"),
    data_dir: Path | None = typer.Option(None, help="reference data cache (GENOFLOW_DATA_DIR)"),
) -> None:
    """Generate the embedded demo batch (simulated reads, planted mutations) and run the whole batch flow on it."""
    from genoflow.batch_cli import prefect_environment
    from genoflow.demo import DEMO_SAMPLES, make_demo_batch

    prefect_environment()
    reference = _reference(data_dir)
    batch_dir = outdir / "inbox" / "demo-batch"
    typer.echo(f"simulating {len(DEMO_SAMPLES)} whole-genome samples at {depth:g}x in {batch_dir} ...")
    sheet = make_demo_batch(reference, batch_dir, depth=depth)
    for sample_id, _, _, _, expected in DEMO_SAMPLES:
        typer.echo(f"  {sample_id}: planted {expected}")
    from genoflow.flows.batch import run_batch, summary_of

    results, store = outdir / "results", outdir / "store"
    state = run_batch(sheet, results, store=str(store), anchor="simnet", data_dir=data_dir)
    summary = summary_of(state)
    if summary is None or summary.failed or not state.is_completed():
        raise typer.Exit(_fail(f"demo batch did not complete: {state.name} {state.message or ''}"))
    typer.echo(f"\nbatch {summary.batch_id}: {len(summary.done)} samples")
    for sample in summary.samples:
        typer.echo(f"  {sample.sample_id}\t{sample.who_category}\t{sample.report}")
        typer.echo(f"  {'':10}\t{str(sample.report).replace('.report.json', '.report.html')}")
    first = summary.samples[0].report
    typer.echo(f"\nstore: {store}  (try: genoflow query prevalence --store {store})")
    typer.echo(f"verify a report against its anchor: GENOFLOW_STORE={store} genoflow verify {first}")


@app.command()
def schema(out: Path = typer.Option(Path("docs/report.schema.json"), help="where to write the schema")) -> None:
    """Export the report.json JSON Schema."""
    from genoflow.report import json_schema

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json_schema())
    typer.echo(str(out))


def _fail(message: str) -> int:
    typer.echo(f"error: {message}", err=True)
    return 2


if __name__ == "__main__":
    app()
