"""Task: write report.json/html and put the sample's files in the batch output directory.

`genoflow.profile.publish` moves the files out of the work directory. Here it is handed hard links (a copy
where links are impossible) in a staging folder instead, so the work directory keeps the files that the cached
align/call results name: a rerun can then take every step from the cache. A hard link costs no space, but a
published BAM's disk space is freed only once `.work/ID/` is deleted too (safe once the batch is final).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prefect import task
from prefect.tasks import exponential_backoff

from genoflow import profile
from genoflow.profile import ANALYSIS_FILES, PUBLISHED, Called
from genoflow.refdata import Reference
from genoflow.report import Report
from genoflow.tasks.policy import refreshing, retry_unless_input_error, step_cache

def published_files(outdir: Path, sample_id: str) -> list[Path]:
    return [outdir / f"{sample_id}{suffix}" for suffix in PUBLISHED]


def _link_or_copy(src: Path, dest: Path) -> None:
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def stage(called: Called) -> Called:
    """Hard links of the called files in `workdir/publish/`, for `profile.publish` to move."""
    sid = called.bam.stem
    staging = called.bam.parent / "publish"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for suffix in ANALYSIS_FILES:
        _link_or_copy(called.bam.parent / f"{sid}{suffix}", staging / f"{sid}{suffix}")
    return Called(staging / f"{sid}.bam", staging / f"{sid}.vcf.gz", staging / f"{sid}.depth.npz",
                  called.variants)


@task(name="publish", task_run_name="publish-{report.sample.sample_id}", cache_policy=step_cache(),
      persist_result=True, retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_condition_fn=retry_unless_input_error)
def publish_sample(reference: Reference, report: Report, called: Called, outdir: Path) -> Path:
    """Returns the published report.json path. File-system errors (full or flaky disks) are retried with backoff."""
    return profile.publish(reference, report, stage(called), outdir)


publish_sample_refresh = refreshing(publish_sample)  # for when the step's output files are gone
