"""`genoflow ipfs` commands through typer's CliRunner."""

from __future__ import annotations

import random

from typer.testing import CliRunner

from genoflow.ipfs import cid_of, read_car
from genoflow.ipfs.cli import app

runner = CliRunner()


def test_cid_add_cat_and_export_car(tmp_path) -> None:
    data = random.Random(21).randbytes(300_000)
    bundle = tmp_path / "S1.vcf"
    bundle.write_bytes(data)
    backend = f"local://{tmp_path / 'store'}"

    shown = runner.invoke(app, ["cid", str(bundle)])
    assert shown.exit_code == 0 and shown.stdout.split()[0] == cid_of(data)

    added = runner.invoke(app, ["add", str(bundle), "--backend", backend])
    assert added.exit_code == 0, added.output
    cid = added.stdout.split()[0]
    assert cid == cid_of(data)

    back = runner.invoke(app, ["cat", cid, "--backend", backend])
    assert back.exit_code == 0 and back.stdout_bytes == data

    car = tmp_path / "S1.car"
    exported = runner.invoke(app, ["export-car", cid, str(car), "--backend", backend])
    assert exported.exit_code == 0, exported.output
    assert read_car(car)[0] == cid


def test_errors_are_one_line_naming_the_backend(tmp_path) -> None:
    backend = f"local://{tmp_path / 'store'}"
    missing = runner.invoke(app, ["cat", cid_of(b"absent"), "--backend", backend])
    assert missing.exit_code == 1 and "not in this store" in missing.stderr
    down = runner.invoke(app, ["export-car", cid_of(b"x"), str(tmp_path / "x.car"), "--backend", "kubo+http://127.0.0.1:9"])
    assert down.exit_code == 1 and "needs a local:// backend, not kubo+http://127.0.0.1:9" in down.stderr
    unreadable = runner.invoke(app, ["cid", str(tmp_path / "nope.json")])
    assert unreadable.exit_code == 2 and "nope.json" in unreadable.output
