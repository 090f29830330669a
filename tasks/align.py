"""Task: map the reads to H37Rv (minimap2 + samtools sort) into the sample's work directory."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from genoflow import profile
from genoflow.profile import Validated
from genoflow.refdata import Reference
from genoflow.tasks.policy import refreshing, remove_outputs, retry_unless_input_error, step_cache


def align_outputs(workdir: Path, sample_id: str) -> list[Path]:
    bam = workdir / f"{sample_id}.bam"
    return [bam, bam.with_name(bam.name + ".bai")]


@task(name="align", task_run_name="align-{validated.sample.sample_id}",
      cache_policy=step_cache("minimap2"), persist_result=True,
      retries=1, retry_delay_seconds=10, retry_condition_fn=retry_unless_input_error)
def align_sample(reference: Reference, validated: Validated, workdir: Path, threads: int) -> Path:
    """Returns the sorted, indexed BAM. Retried once: a killed or out-of-memory subprocess may succeed again."""
    workdir.mkdir(parents=True, exist_ok=True)
    remove_outputs(align_outputs(workdir, validated.sample.sample_id))
    return profile.align(reference, validated, workdir, threads)


align_sample_refresh = refreshing(align_sample)  # for when the step's output files are gone
