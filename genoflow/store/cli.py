"""`genoflow query ...`: surveillance queries and store maintenance (mounted by genoflow.cli)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from enum import Enum
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from genoflow.settings import get_settings
from genoflow.store import backend, distances, load, queries
from genoflow.store.backend import Store, StoreError

app = typer.Typer(help="Query the analytical store (surveillance tables) and maintain it.", no_args_is_help=True,
                  add_completion=False)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


STORE = typer.Option(None, "--store", help="store URL (default: GENOFLOW_STORE or ./genoflow-store)")
FORMAT = typer.Option(Format.table, "--format", help="output format")
OUT = typer.Option(None, "--out", help="write here instead of stdout (required for parquet)")
DRUG = typer.Option(None, "--drug", help="only this drug (repeatable)")
SITE = typer.Option(None, "--site", help="only this site (repeatable)")
COUNTRY = typer.Option(None, "--country", help="only this country (repeatable)")
BATCH = typer.Option(None, "--batch", help="only this batch (repeatable)")
START = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="collected on or after (YYYY-MM-DD)")
END = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="collected on or before (YYYY-MM-DD)")
FAILED = typer.Option(False, "--include-failed-qc", help="count samples that failed QC too")


def _store(url: str | None, create: bool = False) -> Store:
    try:
        return Store(get_settings(store=url).store, create=create)
    except StoreError as exc:
        raise _fail(str(exc)) from None


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def emit(frame: pd.DataFrame, fmt: Format, out: Path | None, title: str = "") -> None:
    """Write a result as a rich table, CSV, JSON records or Parquet."""
    if fmt is not Format.parquet:
        frame = _dates_as_text(frame)
    if fmt is Format.parquet:
        if out is None:
            raise _fail("--format parquet needs --out FILE")
        frame.to_parquet(out, index=False)
        typer.echo(f"{len(frame)} rows -> {out}", err=True)
        return
    if fmt is Format.csv:
        text = frame.to_csv(index=False)
    elif fmt is Format.json:
        text = json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=1) + "\n"
    else:
        table = Table(title=title or None)
        for column in frame.columns:
            table.add_column(str(column), justify="right" if pd.api.types.is_numeric_dtype(frame[column]) else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*(_cell(value) for value in row))
        buffer = io.StringIO() if out else None
        Console(file=buffer, width=160).print(table)
        text = buffer.getvalue() if buffer else None
    if out is not None:
        Path(out).write_text(text)
    elif text is not None:
        typer.echo(text, nl=False)


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Calendar dates (datetime columns at midnight, as DuckDB DATE arrives in pandas) as YYYY-MM-DD."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_dtype(values) and (values.dropna() == values.dropna().dt.normalize()).all():
            out[column] = values.dt.strftime("%Y-%m-%d")
    return out


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except (StoreError, ValueError) as exc:
        raise _fail(str(exc)) from None


@app.command()
def prevalence(store: str = STORE, by: list[str] = typer.Option(["drug", "site", "month"], "--by",
               help="group by: drug, site, country, month, batch (repeatable)"),
               drug: list[str] = DRUG, site: list[str] = SITE, country: list[str] = COUNTRY, batch: list[str] = BATCH,
               start: datetime = START, end: datetime = END, include_failed_qc: bool = FAILED,
               fmt: Format = FORMAT, out: Path = OUT) -> None:
    """Resistance prevalence R/(R+S) with Wilson 95% confidence intervals."""
    frame = _run(queries.prevalence, _store(store), by=by, drugs=drug, sites=site, countries=country,
                 batches=batch, start=_day(start), end=_day(end), include_failed_qc=include_failed_qc)
    emit(frame, fmt, out, "resistance prevalence")


@app.command("top-mutations")
def top_mutations(store: str = STORE, drug: list[str] = DRUG, limit: int = typer.Option(10, help="per drug"),
                  site: list[str] = SITE, country: list[str] = COUNTRY, batch: list[str] = BATCH,
                  start: datetime = START, end: datetime = END, include_failed_qc: bool = FAILED,
                  fmt: Format = FORMAT, out: Path = OUT) -> None:
    """The variants most often behind resistant calls, per drug."""
    frame = _run(queries.top_mutations, _store(store), drugs=drug, limit=limit, sites=site, countries=country,
                 batches=batch, start=_day(start), end=_day(end), include_failed_qc=include_failed_qc)
    emit(frame, fmt, out, "top resistance mutations")


@app.command("who-categories")
def who_categories(store: str = STORE, by_site: bool = typer.Option(False, "--by-site"), site: list[str] = SITE,
                   country: list[str] = COUNTRY, batch: list[str] = BATCH, start: datetime = START,
                   end: datetime = END, include_failed_qc: bool = FAILED, fmt: Format = FORMAT,
                   out: Path = OUT) -> None:
    """WHO resistance categories (RR-TB, MDR-TB, ...) per month."""
    frame = _run(queries.who_categories, _store(store), by_site=by_site, sites=site, countries=country,
                 batches=batch, start=_day(start), end=_day(end), include_failed_qc=include_failed_qc)
    emit(frame, fmt, out, "WHO categories")


@app.command("qc-failures")
def qc_failures(store: str = STORE, site: list[str] = SITE, country: list[str] = COUNTRY, batch: list[str] = BATCH,
                start: datetime = START, end: datetime = END, fmt: Format = FORMAT, out: Path = OUT) -> None:
    """Samples that failed QC and why."""
    frame = _run(queries.qc_failures, _store(store), sites=site, countries=country, batches=batch,
                 start=_day(start), end=_day(end))
    emit(frame, fmt, out, "QC failures")


@app.command()
def carriers(variant: str = typer.Argument(..., help="catalogue name (rpoB_p.Ser450Leu) or POS:REF>ALT"),
             store: str = STORE, consensus_only: bool = typer.Option(False, "--consensus-only",
             help="ignore minority (low-AF) calls"), site: list[str] = SITE, country: list[str] = COUNTRY,
             batch: list[str] = BATCH, start: datetime = START, end: datetime = END,
             include_failed_qc: bool = FAILED, fmt: Format = FORMAT, out: Path = OUT) -> None:
    """Isolates carrying a given variant."""
    frame = _run(queries.samples_with_variant, _store(store), variant, include_minority=not consensus_only,
                 sites=site, countries=country, batches=batch, start=_day(start), end=_day(end),
                 include_failed_qc=include_failed_qc)
    emit(frame, fmt, out, f"carriers of {variant}")


@app.command()
def batches(store: str = STORE, fmt: Format = FORMAT, out: Path = OUT) -> None:
    """Loaded batches."""
    emit(_run(queries.batches_summary, _store(store)), fmt, out, "batches")


@app.command()
def clusters(store: str = STORE, min_size: int = typer.Option(2, help="smallest cluster to list"),
             fmt: Format = FORMAT, out: Path = OUT) -> None:
    """Transmission clusters from the last `refresh-clusters`."""
    emit(_run(queries.cluster_summary, _store(store), min_size=min_size), fmt, out, "clusters")


@app.command("refresh-clusters")
def refresh_clusters(store: str = STORE, threshold: int = typer.Option(12, help="SNPs; single linkage, <=")) -> None:
    """Recompute SNP distances and transmission clusters over the whole store."""
    result = _run(distances.refresh_clusters, _store(store), threshold=threshold)
    typer.echo(f"{result.samples} samples, {result.clusters} clusters of >= 2 "
               f"({result.clustered_samples} samples) at <= {result.threshold} SNPs")


@app.command()
def tree(samples: list[str] = typer.Argument(..., help="sample ids (at least 3)"), store: str = STORE,
         out: Path = OUT) -> None:
    """Neighbour-joining tree (Newick) of the chosen samples from their SNP distances."""
    newick = _run(distances.nj_tree_newick, _store(store), samples)
    if out:
        out.write_text(newick + "\n")
    else:
        typer.echo(newick)


@app.command("tables")
def tables(store: str = STORE, fmt: Format = FORMAT, out: Path = OUT) -> None:
    """Row counts of every table."""
    counts = _run(queries.table_counts, _store(store))
    emit(pd.DataFrame({"table": list(counts), "rows": list(counts.values())}), fmt, out, "tables")


@app.command("load")
def load_dir(directory: Path = typer.Argument(..., exists=True, file_okay=False),
             batch: str = typer.Option(..., "--batch", help="batch id"), store: str = STORE) -> None:
    """Load a directory of finished ID.report.json files (and optional ID.mask.bed) as one batch."""
    result = _run(load.load_report_dir, _store(store, create=True), directory, batch)
    verb = "reloaded" if result.replaced else "loaded"
    typer.echo(f"{verb} batch {result.batch_id}: " + ", ".join(f"{k}={v}" for k, v in result.rows.items()))


@app.command()
def migrate(store: str = STORE) -> None:
    """Upgrade the store to this genoflow's schema version."""
    passed = _run(backend.migrate, _store(store))
    typer.echo(f"migrated through versions {passed}" if passed else "store schema is current")


@app.command()
def vacuum(store: str = STORE) -> None:
    """Delete data files no commit refers to (left behind by an interrupted load)."""
    target = _store(store)
    with target.writer():
        removed = target.vacuum()
    typer.echo(f"removed {len(removed)} unreferenced files")
