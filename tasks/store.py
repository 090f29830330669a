"""Task: load a batch's finished reports into the analytical store (`genoflow.store.load_batch`).

Not cached: the load is idempotent (a reload replaces the batch atomically), cheap, and must follow the
latest set of reports, e.g. after a failed sample was fixed and the batch rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff



@task(name="store-load", task_run_name="store-load-{batch_id}", cache_policy=NO_CACHE, persist_result=False,
      retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=5))
def load_into_store(store_url: str, batch_id: str, report_paths: Sequence[Path],
                    patient_ids: Mapping[str, str]) -> dict[str, int]:
    """Returns rows per table. `patient_ids` reaches the store only, which keeps a keyed hash of each."""
    from genoflow.store import Store
    from genoflow.store.load import load_report_files

    return dict(load_report_files(Store(store_url), batch_id, report_paths, patient_ids).rows)
