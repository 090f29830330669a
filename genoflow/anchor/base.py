"""The anchoring interface every backend implements, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class AnchorRecord:
    """One batch root as the data-registry contract stores it (plus the transaction that wrote it).

    `root` is lowercase hex without 0x; `status` is "active", "revoked" or "superseded"; `txid` is "" when
    the backend does not know which transaction anchored the root (e.g. anchored by another client).
    """

    root: str
    count: int
    schema_version: str
    manifest_cid: str
    registrant: str
    block_height: int
    txid: str
    contract_id: str
    status: str

    @classmethod
    def from_registry(cls, root_hex: str, found: dict, *, txid: str, contract_id: str) -> "AnchorRecord":
        """The record from a `get-anchor` reply of the data-registry contract."""
        return cls(root=root_hex, count=int(found["count"]), schema_version=found["schema"],
                   manifest_cid=found["cid"], registrant=found["registrant"],
                   block_height=int(found["block-height"]), txid=txid, contract_id=contract_id,
                   status=found["status"])


@runtime_checkable
class AnchorBackend(Protocol):
    contract_id: str

    def anchor(self, root: bytes, count: int, schema_version: str, manifest_cid: str) -> AnchorRecord:
        """Anchor `root`; raises AlreadyAnchored (carrying the existing record) if it is already anchored."""
        ...

    def lookup(self, root: bytes) -> AnchorRecord | None:
        """The registry's record for `root`, or None."""
        ...

    def close(self) -> None:
        ...


class AnchorError(RuntimeError):
    """Anchoring failed: the message names what and where."""


class AlreadyAnchored(AnchorError):
    """The root is already in the registry; `existing` is its record. Nothing was paid for the refusal
    on the `stacks` backend (a read-only check runs first)."""

    def __init__(self, existing: AnchorRecord) -> None:
        super().__init__(f"root {existing.root} is already anchored in {existing.contract_id} "
                         f"at block {existing.block_height} by {existing.registrant} (status {existing.status})")
        self.existing = existing


class AnchorRejected(AnchorError):
    """The contract refused a call with one of its named error codes."""

    def __init__(self, function: str, code: int, name: str, contract_id: str) -> None:
        super().__init__(f"{contract_id} {function} refused with {name} (err u{code})")
        self.function, self.code, self.name, self.contract_id = function, code, name, contract_id


class AnchorTimeout(AnchorError):
    """A broadcast transaction was not confirmed within the polling bound; it may still confirm later."""

    def __init__(self, txid: str, waited: float, last_status: str) -> None:
        super().__init__(f"transaction 0x{txid} not confirmed after {waited:.1f} s (last status: {last_status}); "
                         "it may still be mined: look it up later, do not re-sign blindly")
        self.txid = txid


def check_anchor_input(root: bytes, count: int, schema_version: str, manifest_cid: str) -> str:
    """Reject malformed arguments before any Node process or network is involved; returns the root's hex."""
    root_hex = check_root(root)
    if count < 1:
        raise ValueError(f"sample count must be at least 1, got {count}")
    for label, text, limit in (("schema version", schema_version, 32), ("manifest CID", manifest_cid, 128)):
        if not text or len(text) > limit or not text.isascii():
            raise ValueError(f"{label} must be 1-{limit} ASCII characters, got {text!r}")
    return root_hex


def check_root(root: bytes) -> str:
    """`root` as lowercase hex, after checking it is 32 bytes."""
    if not isinstance(root, (bytes, bytearray)) or len(root) != 32:
        size = len(root) if isinstance(root, (bytes, bytearray)) else type(root).__name__
        raise ValueError(f"batch root must be 32 bytes, got {size}")
    return bytes(root).hex()
