"""Task seam: result bundles, IPFS pinning, Merkle receipts and one on-chain anchor per batch.

Delegates to `genoflow.provenance.publish_batch` (owned by the provenance work; idempotent on the batch's
Merkle root, so a rerun never anchors twice). Skipped, with a log line, when no anchor backend is configured
(`anchor=None`, the default until an operator sets one) or while `genoflow.provenance` is not installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from genoflow.report import Report


@task(name="provenance", task_run_name="provenance-{batch_id}", cache_policy=NO_CACHE, persist_result=False,
      retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=10))
def publish_provenance(batch_id: str, outdir: Path, report_paths: Sequence[Path], *, anchor: str | None,
                       ipfs_url: str, anchor_state: Path, patient_ids: Sequence[str] = ()) -> dict[str, Any] | None:
    """Pin and anchor the batch's reports; returns {'receipts': n, 'root': hex} or None when skipped.

    Network step (IPFS node, chain): retried with backoff. `patient_ids` are only screened for in the bundles.
    """
    logger = get_run_logger()
    if anchor is None:
        logger.info("provenance skipped for batch %s: no anchor backend configured", batch_id)
        return None
    if importlib.util.find_spec("genoflow.provenance") is None:
        logger.info("provenance skipped for batch %s: genoflow.provenance not installed", batch_id)
        return None
    from genoflow.anchor import open_backend as open_anchor
    from genoflow.ipfs import open_backend as open_pins
    from genoflow.provenance import publish_batch

    reports = [Report.read(path) for path in report_paths]
    registry = open_anchor(anchor, anchor_state)
    try:
        receipts = publish_batch(outdir, batch_id, reports, pin_backend=open_pins(ipfs_url),
                                 anchor_backend=registry, patient_ids=patient_ids)
    finally:
        registry.close()
    return {"receipts": len(receipts), "root": receipts[0].root if receipts else None}
