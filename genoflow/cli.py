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
    """Download (or copy from --mirror) every manifest file, check sha256, build indexes."""
    from genoflow import refdata

    target = get_settings(data_dir=data_dir).data_dir
    try:
        origins = refdata.fetch(target, mirror=mirror, force=force)
    except refdata.DataError as exc:
        raise typer.Exit(_fail(str(exc)))
    for name, origin in origins.items():
        typer.echo(f"{name}\t{origin}")
    typer.echo(f"reference data ready in {target}")


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
