"""Task: check a sample's ID and stream-validate its read files (`genoflow.profile.validate`)."""

from __future__ import annotations

from prefect import task

from genoflow import profile
from genoflow.profile import SampleInput, Validated
from genoflow.tasks.policy import retry_unless_input_error, step_cache


@task(name="validate", task_run_name="validate-{inp.sample_id}", cache_policy=step_cache(), persist_result=True,
      retries=1, retry_delay_seconds=5, retry_condition_fn=retry_unless_input_error)
def validate_sample(inp: SampleInput) -> Validated:
    """Invalid input raises InputError and is not retried; a read error on a network disk is retried once."""
    return profile.validate(inp)
