"""The resistance CLI app (mounted by the lead as `genoflow resistance`)."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from genoflow.coverage import Coverage
from genoflow.refdata import Reference
from genoflow.resistance.cli import app
from genoflow.settings import Thresholds

from .test_render import _report


def test_catalogue_summary(reference: Reference, catalogue) -> None:
    result = CliRunner().invoke(app, ["catalogue", "--data-dir", str(reference.data_dir)])
    assert result.exit_code == 0, result.output
    assert "2nd edition (2023)" in result.output and "rifampicin" in result.output
    bad = CliRunner().invoke(app, ["catalogue", "--version", "who1999", "--data-dir", str(reference.data_dir)])
    assert bad.exit_code == 2 and "unknown catalogue version" in bad.output


def test_render_from_files(reference: Reference, catalogue, depth, tmp_path) -> None:
    from genoflow.resistance.predict import predict

    calls, category = predict([], depth, catalogue, True, Thresholds())
    report_path = _report([], calls, category, catalogue).write(tmp_path / "S1.report.json")
    npz = Coverage(depth.astype(np.int32), 10, 10).save(tmp_path / "S1.depth.npz")
    result = CliRunner().invoke(app, ["render", str(report_path), str(npz), "--data-dir", str(reference.data_dir)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "S1.report.html").read_text()
    assert "Susceptible" in html and "<svg" in html
