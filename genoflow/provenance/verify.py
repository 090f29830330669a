"""Verify one sample against its receipt: bundle hash -> leaf -> Merkle path -> anchored root -> IPFS content.

Each check is independent, so a failure names exactly what does not match: a changed report shows as a
bundle-hash mismatch only, a forged receipt path as a path mismatch only, and so on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genoflow.ipfs import PinBackend, PinError, cid_of

from .bundle import Bundle, BundleError, bundle_from_report_file, read_bundle
from .crypto import CryptoError, is_sealed, open_sealed, seal
from .merkle import MerkleError, leaf_hash, root_from_proof
from .publish import backend_label
from .receipt import RECEIPT_SUFFIX, Receipt


class VerifyInputError(ValueError):
    """The report/bundle or receipt given cannot be read at all (as opposed to not matching)."""


@dataclass
class Verification:
    """Outcome of `verify_sample`: `problems` empty means verified."""

    sample_id: str
    receipt: Receipt
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    record: Any = None  # the registry's record of the root, once looked up
    registry: str = ""  # label of the registry backend that was asked

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line; where the root is anchored comes from the registry's record, never from the receipt."""
        r, record = self.receipt, self.record
        if not self.ok:
            return f"NOT verified {self.sample_id}: " + "; ".join(self.problems)
        where = f"block {record.block_height}" + (f", tx {record.txid}" if record.txid else "")
        return (f"verified {self.sample_id}: bundle sha256 {r.bundle.sha256} is leaf {r.leaf_index} of {r.count} in "
                f"batch {r.batch_id}, root {r.root} anchored in {record.contract_id} ({self.registry}, {where}); "
                f"checked: {', '.join(self.checked)}")


def load_target(target: Path, *, key: bytes | None = None) -> Bundle:
    """The bundle of a report file (rebuilt with the VCF beside it) or of a bundle file (sealed needs `key`)."""
    target = Path(target)
    try:
        if target.name.endswith(".json"):
            return bundle_from_report_file(target)
        data = target.read_bytes()
        if is_sealed(data):
            if key is None:
                raise VerifyInputError(f"{target}: bundle is encrypted; pass --key KEYFILE")
            data = open_sealed(key, data, source=str(target))
        return read_bundle(data, source=str(target))
    except OSError as exc:
        raise VerifyInputError(f"{target}: cannot read ({exc.strerror})") from None
    except (BundleError, CryptoError) as exc:
        raise VerifyInputError(str(exc)) from None


def default_receipt_path(target: Path, sample_id: str) -> Path:
    return Path(target).with_name(sample_id + RECEIPT_SUFFIX)


def verify_sample(bundle: Bundle, receipt: Receipt, *, anchor_backend: Any = None, pin_backend: PinBackend | None = None,
                  cid: str | None = None, key: bytes | None = None, timeout: float = 10.0) -> Verification:
    """Check `bundle` against `receipt`, the registry (`anchor_backend`) and, if reachable, IPFS (`pin_backend`)."""
    result = Verification(bundle.sample_id, receipt)
    _check_bundle(result, bundle, receipt)
    _check_tree(result, receipt)
    _check_registry(result, receipt, anchor_backend)
    _check_cid(result, bundle, receipt, cid, key)
    if pin_backend is not None:
        _check_ipfs(result, receipt, pin_backend, cid or receipt.bundle.cid, key, timeout)
    return result


def _check_bundle(result: Verification, bundle: Bundle, receipt: Receipt) -> None:
    if bundle.sample_id != receipt.sample_id:
        result.problems.append(f"sample mismatch: bundle is {bundle.sample_id!r}, receipt is for {receipt.sample_id!r}")
    if bundle.sha256 == receipt.bundle.sha256:
        result.checked.append("bundle hash")
        return
    changed = [f"{name} (sha256 {bundle.members.get(name, 'absent')}, receipt says {digest})"
               for name, digest in receipt.bundle.members.items() if bundle.members.get(name) != digest]
    result.problems.append(f"bundle hash mismatch: rebuilt bundle sha256 {bundle.sha256}, receipt says "
                           f"{receipt.bundle.sha256}" + (f"; differing: {', '.join(changed)}" if changed else ""))


def _check_tree(result: Verification, receipt: Receipt) -> None:
    """Leaf from the receipt's salt and bundle hash, then the path up to the receipt's root."""
    leaf = leaf_hash(bytes.fromhex(receipt.salt), bytes.fromhex(receipt.bundle.sha256))
    if leaf.hex() != receipt.leaf:
        result.problems.append(f"leaf mismatch: sha256(0x00 || salt || bundle sha256) is {leaf.hex()}, receipt says "
                               f"{receipt.leaf} (salt or leaf altered)")
        return
    try:
        root = root_from_proof(leaf, receipt.leaf_index, receipt.count, [step.to_step() for step in receipt.path])
    except MerkleError as exc:
        result.problems.append(f"Merkle path invalid: {exc}")
        return
    if root.hex() != receipt.root:
        result.problems.append(f"Merkle path mismatch: the path from leaf {receipt.leaf_index} leads to {root.hex()}, "
                               f"not the receipt's root {receipt.root} (path forged or corrupted)")
    else:
        result.checked.append("Merkle path")


def _check_registry(result: Verification, receipt: Receipt, backend: Any) -> None:
    if backend is None:
        result.problems.append("root not checked against the registry (no anchor backend)")
        return
    try:
        record = backend.lookup(bytes.fromhex(receipt.root))
    except Exception as exc:  # any backend failure means the root could not be confirmed
        result.problems.append(f"registry unreadable: {type(exc).__name__}: {exc}")
        return
    if record is None:
        result.problems.append(f"root not anchored: {receipt.root} is not in the registry "
                               f"({getattr(backend, 'contract_id', receipt.anchor.contract_id)})")
        return
    result.record, result.registry = record, backend_label(backend)
    before = len(result.problems)
    if record.status != "active":
        result.problems.append(f"root {record.status}: {receipt.root} is marked {record.status} in {record.contract_id}")
    if record.contract_id != receipt.anchor.contract_id:
        result.problems.append(f"contract mismatch: root found in {record.contract_id}, receipt names "
                               f"{receipt.anchor.contract_id}")
    if record.count != receipt.count:
        result.problems.append(f"count mismatch: anchored count {record.count}, receipt says {receipt.count}")
    if record.manifest_cid != receipt.manifest_cid:
        result.problems.append(f"manifest CID mismatch: anchored {record.manifest_cid}, receipt says {receipt.manifest_cid}")
    if record.schema_version != receipt.schema_version:
        result.problems.append(f"schema version mismatch: anchored {record.schema_version!r}, receipt says "
                               f"{receipt.schema_version!r}")
    if receipt.anchor.registrant is not None and record.registrant != receipt.anchor.registrant:
        result.problems.append(f"registrant mismatch: anchored by {record.registrant}, receipt says "
                               f"{receipt.anchor.registrant}")
    if receipt.anchor.block_height is not None and record.block_height != receipt.anchor.block_height:
        result.problems.append(f"block height mismatch: anchored at block {record.block_height}, receipt says "
                               f"{receipt.anchor.block_height}")
    if len(result.problems) == before:
        result.checked.append("anchored root")


def _pinned_bytes(bundle: Bundle, receipt: Receipt, key: bytes | None) -> bytes | None:
    if not receipt.bundle.encrypted:
        return bundle.data
    return seal(key, bundle.data) if key is not None else None


def _check_cid(result: Verification, bundle: Bundle, receipt: Receipt, cid: str | None, key: bytes | None) -> None:
    """Offline: the CID is a function of the pinned bytes, so recompute it."""
    if cid is not None and cid != receipt.bundle.cid:
        result.problems.append(f"CID mismatch: --cid {cid} is not the receipt's CID {receipt.bundle.cid}")
    if bundle.sha256 != receipt.bundle.sha256:
        return  # already reported as a bundle hash mismatch; its CID cannot match either
    pinned = _pinned_bytes(bundle, receipt, key)
    if pinned is None:
        result.notes.append("bundle is pinned encrypted: its CID was not recomputed (no key)")
        return
    computed = cid_of(pinned)
    if computed != receipt.bundle.cid:
        result.problems.append(f"CID mismatch: the bundle's CID is {computed}, receipt says {receipt.bundle.cid}")
    else:
        result.checked.append("CID")


def _check_ipfs(result: Verification, receipt: Receipt, backend: PinBackend, cid: str,
                key: bytes | None, timeout: float) -> None:
    """Online, if the node answers: the content behind the CID hashes to the receipt's bundle sha256, and the
    manifest lists this leaf (independent of the local bundle, which `_check_bundle` covers)."""
    try:
        content = backend.cat(cid, timeout=timeout)
        manifest_bytes = backend.cat(receipt.manifest_cid, timeout=timeout)
    except PinError as exc:
        result.notes.append(f"IPFS content not checked: {exc}")
        return
    if receipt.bundle.encrypted:
        if key is None:
            result.notes.append("IPFS content is encrypted: not compared with the bundle (no key)")
            content = None
        else:
            try:
                content = open_sealed(key, content, source=f"IPFS {cid}")
            except CryptoError as exc:
                result.problems.append(f"CID content mismatch: {exc}")
                content = None
    if content is not None:
        if hashlib.sha256(content).hexdigest() != receipt.bundle.sha256:
            result.problems.append(f"CID content mismatch: the content of {cid} hashes to "
                                   f"{hashlib.sha256(content).hexdigest()}, the receipt's bundle to {receipt.bundle.sha256}")
        else:
            result.checked.append("IPFS content")
    served_manifest_cid = cid_of(manifest_bytes)
    if served_manifest_cid != receipt.manifest_cid:  # not the anchored manifest: its entries prove nothing
        result.problems.append(f"manifest content mismatch: the content served for {receipt.manifest_cid} has CID "
                               f"{served_manifest_cid}")
        return
    try:
        manifest = json.loads(manifest_bytes)
        entry = manifest["samples"][receipt.leaf_index]
        same = (manifest["root"], manifest["count"], entry["cid"], entry["leaf"]) == (
            receipt.root, receipt.count, receipt.bundle.cid, receipt.leaf)
    except (ValueError, KeyError, IndexError, TypeError):
        result.problems.append(f"manifest mismatch: {receipt.manifest_cid} is not a batch manifest with leaf "
                               f"{receipt.leaf_index}")
        return
    if same:
        result.checked.append("manifest")
    else:
        result.problems.append(f"manifest mismatch: entry {receipt.leaf_index} of {receipt.manifest_cid} does not "
                               "list this receipt's CID, leaf, root and count")


__all__ = ["Verification", "VerifyInputError", "default_receipt_path", "load_target", "verify_sample"]
