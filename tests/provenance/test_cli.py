"""`publish` and `verify` commands through typer's CliRunner (shared simnet registry, local IPFS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genoflow.provenance import cli
from genoflow.provenance.receipt import receipt_json_schema

from .batches import PATIENT, make_batch
from .conftest import CountingRegistry

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "receipt.schema.json"


@pytest.fixture
def shared(registry, monkeypatch) -> CountingRegistry:
    counting = CountingRegistry(registry)
    monkeypatch.setattr(cli, "_open_anchor", lambda *args: counting)
    return counting


def test_publish_then_verify_from_the_command_line(tmp_path, shared):
    outdir = tmp_path / "C1"
    make_batch(outdir, "C1", 3)
    ids = tmp_path / "patients.txt"
    ids.write_text(f"{PATIENT}\nPAT-0043-JOHN-ROE\n")
    ipfs = f"local://{tmp_path / 'ipfs'}"
    args = ["publish", str(outdir), "--ipfs", ipfs, "--no-store", "--patient-ids", str(ids)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("published batch C1: 3 samples, root ")
    assert runner.invoke(cli.app, args).exit_code == 0 and shared.anchors == 1  # re-run: no second anchor

    result = runner.invoke(cli.app, ["verify", str(outdir / "C1-S002.report.json"), "--ipfs", ipfs])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verified C1-S002: bundle sha256 ") and "IPFS content, manifest" in result.stdout
    result = runner.invoke(cli.app, ["verify", str(outdir / "C1-S002.bundle.tar"), "--ipfs", "none",
                                     "--receipt", str(outdir / "C1-S002.receipt.json")])
    assert result.exit_code == 0 and "checked: bundle hash, Merkle path, anchored root, CID\n" in result.stdout

    report = outdir / "C1-S001.report.json"
    report.write_text(report.read_text().replace('"mean_read_length": 150.0', '"mean_read_length": 151.0'))
    result = runner.invoke(cli.app, ["verify", str(report), "--ipfs", ipfs])
    assert result.exit_code == cli.EXIT_MISMATCH
    assert result.stderr.startswith("NOT verified C1-S001: bundle hash mismatch") and "C1-S001.report.json" in result.stderr

    wrong = runner.invoke(cli.app, ["verify", str(outdir / "C1-S003.report.json"), "--ipfs", ipfs,
                                    "--receipt", str(outdir / "C1-S002.receipt.json")])
    assert wrong.exit_code == cli.EXIT_MISMATCH and "sample mismatch" in wrong.stderr


def test_unusable_inputs_exit_2_naming_the_file(tmp_path, shared):
    outdir = tmp_path / "C2"
    make_batch(outdir, "C2", 1)
    result = runner.invoke(cli.app, ["verify", str(outdir / "C2-S001.report.json"), "--ipfs", "none"])
    assert result.exit_code == cli.EXIT_INPUT and "C2-S001.receipt.json: cannot read receipt" in result.stderr
    bad = tmp_path / "bad.receipt.json"
    bad.write_text(json.dumps({"sample_id": "C2-S001"}))
    result = runner.invoke(cli.app, ["verify", str(outdir / "C2-S001.report.json"), "--receipt", str(bad)])
    assert result.exit_code == cli.EXIT_INPUT and "bad.receipt.json: not a valid receipt" in result.stderr
    (outdir / "C2-S001.vcf.gz").unlink()
    result = runner.invoke(cli.app, ["verify", str(outdir / "C2-S001.report.json")])
    assert result.exit_code == cli.EXIT_INPUT and "no C2-S001.vcf.gz or C2-S001.vcf beside the report" in result.stderr
    result = runner.invoke(cli.app, ["publish", str(tmp_path / "empty"), "--no-store"])
    assert result.exit_code == cli.EXIT_INPUT and "no *.report.json files" in result.stderr


def test_receipt_schema_in_docs_is_current():
    assert DOCS.read_text() == receipt_json_schema(), (
        "regenerate: .venv/bin/python -c 'from genoflow.provenance import receipt_json_schema as s; "
        "print(s(), end=\"\")' > docs/receipt.schema.json")


@pytest.mark.slow
def test_verify_in_a_new_process_reads_the_root_from_the_replayed_simnet_journal(tmp_path, monkeypatch):
    """No shared registry: publish starts simnet and stops it; verify starts it again from the journal."""
    monkeypatch.setenv("GENOFLOW_STORE", str(tmp_path / "store"))
    outdir = tmp_path / "C3"
    make_batch(outdir, "C3", 2)
    published = runner.invoke(cli.app, ["publish", str(outdir)])
    assert published.exit_code == 0, published.output
    assert (tmp_path / "store" / "anchor").is_dir() and (tmp_path / "store" / "ipfs" / "blocks").is_dir()
    result = runner.invoke(cli.app, ["verify", str(outdir / "C3-S002.report.json")])
    assert result.exit_code == 0, result.output
    assert "anchored root" in result.stdout and "(simnet, block " in result.stdout
