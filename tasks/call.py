"""Task: variant calling (bcftools) and per-base coverage from the sample's BAM."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from genoflow import profile
from genoflow.profile import Called
from genoflow.refdata import Reference
from genoflow.settings import Thresholds
from genoflow.tasks.policy import refreshing, remove_outputs, retry_unless_input_error, step_cache


def call_outputs(workdir: Path, sample_id: str) -> list[Path]:
    return [workdir / f"{sample_id}{suffix}" for suffix in (".vcf.gz", ".vcf.gz.tbi", ".depth.npz")]


@task(name="call", task_run_name="call-{bam.stem}", cache_policy=step_cache("bcftools"), persist_result=True,
      retries=1, retry_delay_seconds=10, retry_condition_fn=retry_unless_input_error)
def call_sample(reference: Reference, bam: Path, workdir: Path, thresholds: Thresholds, threads: int = 2) -> Called:
    remove_outputs(call_outputs(workdir, bam.stem))
    return profile.call(reference, bam, workdir, thresholds, threads)


call_sample_refresh = refreshing(call_sample)  # for when the step's output files are gone
