"""Cache keys: content-based, run-independent; plain checks without a Prefect server."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from genoflow.settings import Thresholds
from genoflow.tasks.policy import StepInputs, fingerprint, step_for


@dataclass(frozen=True)
class _Input:
    sample_id: str
    reads: tuple[Path, ...]


def _key(**inputs):
    return StepInputs().compute_key(task_ctx=None, inputs=inputs, flow_parameters={})


def test_key_follows_file_content_and_parameters_not_the_run(tmp_path):
    reads = tmp_path / "r1.fastq.gz"
    reads.write_bytes(b"@r\nACGT\n+\nIIII\n")
    inp = _Input("S1", (reads,))
    first = _key(inp=inp, thresholds=Thresholds())
    assert _key(inp=inp, thresholds=Thresholds()) == first
    assert _key(inp=inp, thresholds=Thresholds(min_depth=5)) != first
    reads.write_bytes(b"@r\nACGA\n+\nIIII\n")
    os.utime(reads, ns=(1, 1))  # a new mtime, so the remembered digest is not reused
    assert _key(inp=inp, thresholds=Thresholds()) != first


def test_a_folder_is_keyed_by_location_whether_or_not_it_exists_yet(tmp_path):
    workdir = tmp_path / ".work" / "S1"
    before = fingerprint(workdir)
    workdir.mkdir(parents=True)
    assert fingerprint(workdir) == before == {"path": str(workdir.resolve())}


def test_unknown_input_types_are_refused():
    with pytest.raises(TypeError, match="no cache fingerprint for object"):
        fingerprint(object())


def test_the_refreshing_twin_runs_when_an_output_is_missing(tmp_path):
    from genoflow.tasks.align import align_sample, align_sample_refresh

    present = tmp_path / "a.bam"
    present.write_bytes(b"x")
    assert step_for([present], align_sample, align_sample_refresh) is align_sample
    assert step_for([present, tmp_path / "a.bam.bai"], align_sample, align_sample_refresh) is align_sample_refresh
    assert align_sample_refresh.refresh_cache and not align_sample.refresh_cache
    assert align_sample_refresh.source_code == align_sample.source_code  # so both share cache keys
