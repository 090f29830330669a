"""`genoflow resistance ...` commands (mounted by the lead's CLI): catalogue summary and report re-rendering."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="WHO-catalogue resistance prediction: catalogue versions and clinical HTML reports.",
                  no_args_is_help=True)


def _reference(data_dir: Path | None):
    from genoflow.refdata import Reference
    from genoflow.settings import get_settings

    return Reference(data_dir or get_settings().data_dir)


@app.command("catalogue")
def catalogue_summary(
    version: str = typer.Option("who2023", help="catalogue version: who2023 or who2021"),
    data_dir: Path | None = typer.Option(None, help="reference data cache (default: settings)"),
) -> None:
    """Build (once) and summarise a catalogue version: graded variants per drug and grade."""
    from genoflow.resistance.catalogue import CatalogueError, load_catalogue

    try:
        cat = load_catalogue(_reference(data_dir), version)
    except CatalogueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{cat.info.name}\n{cat.info.version} (schema {cat.info.schema_version})")
    typer.echo(f"{len(cat.records)} coordinate records, {len(cat.grades)} graded (variant, drug) pairs")
    table = cat.grades.groupby(["drug", "grade"]).size().unstack(fill_value=0)
    typer.echo(table.to_string())


@app.command("render")
def render(
    report_json: Path = typer.Argument(..., exists=True, dir_okay=False, help="ID.report.json"),
    depth_npz: Path = typer.Argument(..., exists=True, dir_okay=False, help="ID.depth.npz from profile"),
    out: Path = typer.Option(None, help="output HTML (default: beside the report)"),
    data_dir: Path | None = typer.Option(None, help="reference data cache (default: settings)"),
) -> None:
    """Re-render the clinical HTML report from a report.json and its depth file."""
    from genoflow.coverage import Coverage
    from genoflow.report import Report
    from genoflow.resistance.render import render_html

    report = Report.read(report_json)
    html = render_html(report, Coverage.load(depth_npz).depth, _reference(data_dir))
    target = out or report_json.with_name(report_json.name.replace(".report.json", "") + ".report.html")
    target.write_text(html, encoding="utf-8")
    typer.echo(str(target))
