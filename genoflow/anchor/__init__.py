"""Anchoring batch Merkle roots in the genoflow Clarity data-registry.

`open_backend("simnet", store_dir)` (default; the real contracts in an in-memory Clarinet simnet, journalled
in the store) or `open_backend("stacks", store_dir, api_url=..., contract_id=...)` (a Stacks network).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genoflow.anchor.base import (
    AlreadyAnchored, AnchorBackend, AnchorError, AnchorRecord, AnchorRejected, AnchorTimeout,
)
from genoflow.anchor.journal import JournalError
from genoflow.anchor.node import BridgeError

BACKENDS = ("simnet", "stacks")


def open_backend(kind: str, state_dir: Path, **options: Any) -> AnchorBackend:
    """Start the `kind` backend with its state in `state_dir`; options go to the backend's constructor."""
    if kind == "simnet":
        from genoflow.anchor.simnet import SimnetBackend

        return SimnetBackend(Path(state_dir), **options)
    if kind == "stacks":
        from genoflow.anchor.stacks import StacksBackend

        return StacksBackend(Path(state_dir), **options)
    raise ValueError(f"unknown anchor backend {kind!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["AlreadyAnchored", "AnchorBackend", "AnchorError", "AnchorRecord", "AnchorRejected", "AnchorTimeout",
           "BACKENDS", "BridgeError", "JournalError", "open_backend"]
