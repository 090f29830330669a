"""Task: QC verdict, catalogue annotation and per-drug resistance calls: the finished (unwritten) report."""

from __future__ import annotations

from prefect import task

from genoflow import profile
from genoflow.profile import Called, Validated
from genoflow.refdata import Reference
from genoflow.report import Report
from genoflow.resistance.rules import RULES_PATH
from genoflow.settings import Thresholds
from genoflow.tasks.policy import step_cache


@task(name="assess", task_run_name="assess-{validated.sample.sample_id}", cache_policy=step_cache(data_files=(RULES_PATH,)),
      persist_result=True, retries=0)
def assess_sample(reference: Reference, validated: Validated, called: Called, thresholds: Thresholds,
                  catalogue_version: str) -> Report:
    """Deterministic and local: a failure here would fail again, so no retries."""
    return profile.assess(reference, validated, called, thresholds, catalogue_version)
