"""`genoflow ipfs ...` commands: compute CIDs, add/cat through any backend, export CAR files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from . import LocalBackend, PinError, cid_of, open_backend

app = typer.Typer(help="IPFS content addressing and pinning.", no_args_is_help=True)

DEFAULT_BACKEND = "local://genoflow-store/ipfs"
Backend = Annotated[
    str,
    typer.Option(
        "--backend",
        envvar="GENOFLOW_IPFS_BACKEND",
        help="local://DIR, kubo+http://HOST:PORT or pinning+https://HOST/PATH?token-env=VAR",
    ),
]


@contextmanager
def _pin_errors() -> Iterator[None]:
    """Report a PinError as one line on stderr and exit 1."""
    try:
        yield
    except PinError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc.strerror}") from None


@app.command()
def cid(files: list[Path]) -> None:
    """Print the CID of each FILE as `ipfs add --cid-version=1 --raw-leaves` computes it."""
    for path in files:
        typer.echo(f"{cid_of(_read(path))}  {path}")


@app.command()
def add(files: list[Path], backend: Backend = DEFAULT_BACKEND) -> None:
    """Store and pin each FILE; print its CID."""
    with _pin_errors():
        store = open_backend(backend)
        for path in files:
            typer.echo(f"{store.add(_read(path), filename=path.name)}  {path}")


@app.command()
def cat(cid: str, backend: Backend = DEFAULT_BACKEND, timeout: float = 10.0) -> None:
    """Write the content of CID to stdout."""
    with _pin_errors():
        data = open_backend(backend).cat(cid, timeout=timeout)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@app.command("export-car")
def export_car(cid: str, out: Path, backend: Backend = DEFAULT_BACKEND) -> None:
    """Write the DAG of CID from a local:// store as a CARv1 file OUT (for `ipfs dag import`)."""
    with _pin_errors():
        store = open_backend(backend)
        if not isinstance(store, LocalBackend):
            raise PinError(f"export-car needs a local:// backend, not {store.url}")
        typer.echo(store.export_car(cid, out))
