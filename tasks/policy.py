"""Cache keys and retry rules shared by the step tasks.

Cache key of a step = sha256 over: the genoflow version, the versions of the external tools the step runs, the
step's source (TASK_SOURCE), and its inputs, where every file is represented by its location *and* the sha256
of its bytes (so a changed input file, a changed parameter or a new pipeline version misses the cache, and a
rerun of the same batch hits it; the run id is deliberately not part of the key).

A cached result may name files (a BAM in the sample's work directory, a published report). `step_for` picks
a step's refreshing twin (same task, `refresh_cache=True`, made at import time so it carries the same source
for TASK_SOURCE even after being pickled to a Dask worker) when any file the step produced is gone: the step
then runs again and overwrites its cache record, instead of handing on a path that no longer exists.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from prefect.cache_policies import TASK_SOURCE, CachePolicy
from prefect.client.schemas.objects import State, TaskRun
from pydantic import BaseModel

from genoflow import __version__
from genoflow.refdata import MANIFEST, Reference, sha256_file

T = TypeVar("T")


@lru_cache(maxsize=None)
def _manifest_digest() -> str:
    return sha256_file(MANIFEST)


@lru_cache(maxsize=None)
def _tool_version(program: str) -> str:
    from genoflow.tools import version

    return version(program)


def fingerprint(value: Any) -> Any:
    """A JSON-able stand-in for a task input: files by location + content, models and dataclasses by fields.

    Raises TypeError for anything else, so a new input type is a visible decision rather than a silent pickle.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        resolved = value.resolve()
        if resolved.is_file():
            return {"file": str(resolved), "sha256": sha256_file(resolved)}
        return {"path": str(resolved)}  # a directory, or a folder/file a step is about to create
    if isinstance(value, Reference):
        return {"reference_fasta": value.fasta_sha256, "manifest": _manifest_digest()}
    if isinstance(value, BaseModel):
        return {type(value).__name__: value.model_dump(mode="json", by_alias=True)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {type(value).__name__: {f.name: fingerprint(getattr(value, f.name))
                                       for f in dataclasses.fields(value)}}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in sorted(value.items())}
    raise TypeError(f"no cache fingerprint for {type(value).__name__}; add one in tasks/policy.py")


@dataclass
class StepInputs(CachePolicy):
    """Cache policy: pipeline version + tool versions + fingerprinted inputs (see module docstring)."""

    tools: tuple[str, ...] = ()
    data_files: tuple[Path, ...] = ()  # project data the step reads (e.g. the expert rules), by content

    def compute_key(self, task_ctx: Any, inputs: dict[str, Any], flow_parameters: dict[str, Any],
                    **kwargs: Any) -> str:
        payload = {
            "genoflow": __version__,
            "tools": {tool: _tool_version(tool) for tool in self.tools},
            "data": {path.name: sha256_file(path) for path in self.data_files},
            "inputs": {name: fingerprint(value) for name, value in sorted(inputs.items())},
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def step_cache(*tools: str, data_files: tuple[Path, ...] = ()) -> CachePolicy:
    """The cache policy of a step task: its inputs (files by content) + its source; never the run id."""
    return StepInputs(tools=tools, data_files=data_files) + TASK_SOURCE


def refreshing(step: T) -> T:
    """The same step, run even when cached and overwriting its cache record (see `step_for`)."""
    return step.with_options(refresh_cache=True)


def step_for(outputs: Iterable[Path], step: T, refreshing_step: T) -> T:
    """`step` (cache allowed) while all of its output files exist, else its refreshing twin."""
    return step if all(p.exists() for p in outputs) else refreshing_step


def remove_outputs(outputs: Iterable[Path]) -> None:
    """Delete a step's previous outputs before it runs again. They may be hard links to published files (see
    tasks/publish.py), which a tool writing in place would otherwise change underneath the published copy."""
    for path in outputs:
        path.unlink(missing_ok=True)


def retry_unless_input_error(task: Any, task_run: TaskRun, state: State) -> bool:
    """Retry condition: bad input and a broken installation fail the same way every time, so never retry them."""
    from genoflow.tools import ToolError
    from genoflow.validate import InputError

    try:
        state.result()
    except (InputError, ToolError):
        return False
    except Exception:
        return True
    return True


def results_dir(outdir: Path) -> Path:
    """Where a batch keeps its persisted task results (the cache that lets a rerun resume)."""
    return Path(os.path.abspath(outdir)) / ".prefect-results"


def work_dir(outdir: Path, sample_id: str) -> Path:
    """The sample's deterministic work directory: the same on every rerun, so cached file paths stay valid."""
    return Path(os.path.abspath(outdir)) / ".work" / sample_id
