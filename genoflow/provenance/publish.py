"""Publish a finished batch: bundles -> pins -> manifest -> Merkle tree -> one anchor -> receipts -> store.

Idempotent: per-sample salts (and the optional encryption key) persist in OUTDIR/provenance/, so re-running
on the same reports rebuilds the same bundles, CIDs, manifest and root; the registry is read before anchoring
and a root that is already anchored is never anchored again. A pinning node that is down fails the run before
anything is anchored, and `genoflow publish OUTDIR` later completes it without redoing any analysis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from genoflow.atomic import write_atomic
from genoflow.ipfs import PinBackend, PinError
from genoflow.report import Report

from .bundle import REPORT_SUFFIX, Bundle, build_bundle, check_no_identifiers, find_vcf, read_report
from .crypto import load_or_create_key, seal
from .merkle import SALT_BYTES, MerkleTree, leaf_hash
from .receipt import RECEIPT_SUFFIX, AnchorInfo, BundleInfo, PathStep, Receipt

log = logging.getLogger(__name__)

STATE_DIR = "provenance"
SALTS_FILE = "salts.json"
KEY_FILE = "bundle.key"
MANIFEST_FILE = "manifest.json"
PUBLICATION_FILE = "publication.json"
MANIFEST_VERSION = "1"


class PublishError(RuntimeError):
    """Publishing stopped; the message names the sample/file/backend and what to do."""


class AnchorBackendLike(Protocol):
    """What publishing and verification need from `genoflow.anchor` backends."""

    def anchor(self, root: bytes, count: int, schema_version: str, manifest_cid: str) -> Any: ...

    def lookup(self, root: bytes) -> Any: ...


@dataclass(frozen=True)
class Prepared:
    """A sample ready to pin: its bundle, the bytes to pin, and its salted leaf."""

    bundle: Bundle
    pinned: bytes
    salt: bytes
    leaf: bytes


def publish_batch(outdir: Path, batch_id: str, reports: Sequence[Report] | None = None, *,
                  pin_backend: PinBackend, anchor_backend: AnchorBackendLike, store: Any = None,
                  encrypt: bool = False, patient_ids: Iterable[str] = (),
                  allow_new_root: bool = False) -> list[Receipt]:
    """Publish the reports of `outdir` (or `reports`, whose VCFs sit in `outdir`) as batch `batch_id`.

    Writes OUTDIR/ID.bundle.tar and OUTDIR/ID.receipt.json per sample and OUTDIR/provenance/ (salts, manifest,
    key when `encrypt`); returns the receipts in leaf order. `patient_ids` are screened for in every bundle.
    A batch already anchored with a different root is refused unless `allow_new_root`. With a `store`, a batch
    id the store cannot hold fails (StoreError) before anything is written, pinned or anchored.
    """
    if store is not None:
        from genoflow.store.backend import check_batch_id

        check_batch_id(batch_id)
    outdir = Path(outdir)
    state = outdir / STATE_DIR
    reports = sorted(reports if reports is not None else _reports_in(outdir), key=lambda r: r.sample.sample_id)
    _check_batch(outdir, batch_id, reports)
    schema_version = reports[0].schema_version
    key = load_or_create_key(state / KEY_FILE) if encrypt else None
    salts = _salts(state / SALTS_FILE, [r.sample.sample_id for r in reports])
    forbidden = list(patient_ids)

    prepared = []
    for report in reports:
        sid = report.sample.sample_id
        vcf = find_vcf(outdir / (sid + REPORT_SUFFIX), sid)
        bundle = build_bundle(report, vcf.read_bytes(), vcf_source=str(vcf))
        check_no_identifiers(bundle, forbidden)
        salt = salts[sid]
        prepared.append(Prepared(bundle, seal(key, bundle.data) if key else bundle.data, salt,
                                 leaf_hash(salt, bytes.fromhex(bundle.sha256))))
    tree = MerkleTree([item.leaf for item in prepared])
    _check_previous(state / PUBLICATION_FILE, batch_id, tree, allow_new_root)
    for item in prepared:
        write_atomic(outdir / item.bundle.name, item.bundle.data)

    cids = [_pin(pin_backend, item.pinned, item.bundle.name + (".enc" if key else "")) for item in prepared]
    manifest = _manifest_bytes(batch_id, schema_version, tree, cids, encrypted=key is not None)
    write_atomic(state / MANIFEST_FILE, manifest)
    manifest_cid = _pin(pin_backend, manifest, f"{batch_id}.manifest.json")
    record = _anchor_once(anchor_backend, tree, schema_version, manifest_cid)
    anchor = AnchorInfo(backend=backend_label(anchor_backend), contract_id=record.contract_id,
                        registrant=record.registrant or None, txid=record.txid or None,
                        block_height=record.block_height)
    write_atomic(state / PUBLICATION_FILE, (json.dumps({
        "batch_id": batch_id, "root": tree.root.hex(), "count": tree.count, "manifest_cid": manifest_cid,
        "anchor": anchor.model_dump()}, indent=1, sort_keys=True) + "\n").encode())

    receipts = []
    for index, (item, cid) in enumerate(zip(prepared, cids)):
        bundle = item.bundle
        receipt = Receipt(
            sample_id=bundle.sample_id, batch_id=batch_id, schema_version=schema_version,
            bundle=BundleInfo(name=bundle.name, sha256=bundle.sha256, bytes=len(bundle.data), members=bundle.members,
                              cid=cid, encrypted=key is not None),
            salt=item.salt.hex(), leaf=item.leaf.hex(), leaf_index=index, count=tree.count,
            path=[PathStep(side=step.side, hash=step.sibling.hex()) for step in tree.proof(index)],
            root=tree.root.hex(), manifest_cid=manifest_cid, anchor=anchor)
        receipt.write(outdir / (bundle.sample_id + RECEIPT_SUFFIX))
        receipts.append(receipt)
    if store is not None:
        _record(store, batch_id, outdir, receipts, manifest, manifest_cid)
    return receipts


def backend_label(backend: Any) -> str:
    """Where the registry lives: "simnet", or "stacks-<network>" (a backend may also set `label` itself)."""
    label = getattr(backend, "label", None)
    if isinstance(label, str) and label:
        return label
    kind = type(backend).__name__.removesuffix("Backend").lower()
    network = getattr(backend, "network", None)
    return f"{kind}-{network}" if isinstance(network, str) and network else kind


def _reports_in(outdir: Path) -> list[Report]:
    paths = sorted(outdir.glob("*" + REPORT_SUFFIX))
    if not paths:
        raise PublishError(f"{outdir}: no *{REPORT_SUFFIX} files to publish")
    return [read_report(path) for path in paths]


def _check_batch(outdir: Path, batch_id: str, reports: Sequence[Report]) -> None:
    if not reports:
        raise PublishError(f"{outdir}: batch {batch_id!r} has no reports to publish")
    seen: set[str] = set()
    for report in reports:
        sid = report.sample.sample_id
        if sid in seen:
            raise PublishError(f"{outdir}: sample {sid!r} appears twice in batch {batch_id!r}")
        seen.add(sid)
        if report.sample.batch_id not in (None, batch_id):
            raise PublishError(f"{outdir / (sid + REPORT_SUFFIX)}: report belongs to batch "
                               f"{report.sample.batch_id!r}, not {batch_id!r}")
    versions = {report.schema_version for report in reports}
    if len(versions) > 1:
        raise PublishError(f"{outdir}: reports of batch {batch_id!r} mix schema versions {sorted(versions)}")


def _salts(path: Path, sample_ids: list[str]) -> dict[str, bytes]:
    """Persisted per-sample salts (random, 32 bytes), adding new ones for new samples; mode 0600."""
    stored: dict[str, str] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise PublishError(f"{path}: unreadable salt file ({exc}); without it the batch root cannot be "
                               "reproduced -- restore it from backup") from None
    missing = [sid for sid in sample_ids if sid not in stored]
    if missing:
        stored.update({sid: secrets.token_hex(SALT_BYTES) for sid in missing})
        write_atomic(path, (json.dumps(stored, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)
    try:
        return {sid: bytes.fromhex(stored[sid]) for sid in sample_ids}
    except ValueError:
        raise PublishError(f"{path}: a salt is not hex") from None


def _pin(backend: PinBackend, data: bytes, filename: str) -> str:
    """Pin one file; the backend retries transient failures itself (bounded), and the Prefect task retries the step."""
    try:
        return backend.add(data, filename=filename)
    except PinError as exc:
        raise PublishError(f"pinning {filename} to {backend.url} failed: {exc}. "
                           "Nothing was anchored; run `genoflow publish OUTDIR` again once the node is up.") from None


def _manifest_bytes(batch_id: str, schema_version: str, tree: MerkleTree, cids: list[str], *, encrypted: bool) -> bytes:
    """The batch manifest: sample CIDs and leaves in leaf order (no sample ids: they could reveal who is in it)."""
    manifest = {
        "manifest_version": MANIFEST_VERSION, "batch_id": batch_id, "schema_version": schema_version,
        "count": tree.count, "root": tree.root.hex(), "encrypted": encrypted,
        "leaf": "sha256(0x00 || salt || sha256(bundle))", "node": "sha256(0x01 || left || right), RFC 6962 split",
        "samples": [{"cid": cid, "leaf": leaf.hex()} for cid, leaf in zip(cids, tree.levels[0])],
    }
    return (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()


def _check_previous(path: Path, batch_id: str, tree: MerkleTree, allow_new_root: bool) -> None:
    if allow_new_root or not path.exists():
        return
    previous = json.loads(path.read_text())
    if previous.get("root") != tree.root.hex():
        raise PublishError(
            f"{path}: batch {batch_id!r} was already anchored with root {previous.get('root')} "
            f"({previous.get('count')} samples) but its bundles now give root {tree.root.hex()} ({tree.count} "
            "samples): a report, VCF or the sample list changed. Publish a new batch id, or pass "
            "--allow-new-root (and revoke/supersede the old root) if this is intended.")


def _anchor_once(backend: AnchorBackendLike, tree: MerkleTree, schema_version: str, manifest_cid: str) -> Any:
    """The registry record of the root: looked up first, anchored only if absent (AlreadyAnchored = done)."""
    from genoflow.anchor import AlreadyAnchored

    record = backend.lookup(tree.root)
    if record is None:
        try:
            record = backend.anchor(tree.root, tree.count, schema_version, manifest_cid)
        except AlreadyAnchored as exc:  # anchored meanwhile (another run): the contract refused a duplicate
            record = exc.existing
    else:
        log.info("root %s already anchored (block %s); not anchoring again", tree.root.hex(), record.block_height)
    if record is None:
        raise PublishError(f"registry reports root {tree.root.hex()} as anchored but returned no record")
    status = getattr(record, "status", "active")
    if status != "active":
        raise PublishError(f"root {tree.root.hex()} is {status} in {record.contract_id}; refusing to issue receipts for it")
    if record.count != tree.count or record.manifest_cid != manifest_cid:
        raise PublishError(
            f"root {tree.root.hex()} is anchored in {record.contract_id} with count {record.count} and manifest "
            f"{record.manifest_cid}, but this run has count {tree.count} and manifest {manifest_cid} "
            "(was the encryption key or the --encrypt choice changed?)")
    return record


def _record(store: Any, batch_id: str, outdir: Path, receipts: list[Receipt], manifest: bytes, manifest_cid: str) -> None:
    from genoflow.store import ArtifactRow, record_artifacts

    rows = []
    for receipt in receipts:
        common = dict(sample_id=receipt.sample_id, merkle_root=receipt.root, anchor_network=receipt.anchor.backend,
                      anchor_txid=receipt.anchor.txid, anchor_block=receipt.anchor.block_height)
        receipt_name = receipt.sample_id + RECEIPT_SUFFIX
        receipt_bytes = (outdir / receipt_name).read_bytes()
        rows.append(ArtifactRow(name=receipt.bundle.name, sha256=receipt.bundle.sha256, kind="bundle",
                                bytes=receipt.bundle.bytes, cid=receipt.bundle.cid, receipt=receipt_name, **common))
        rows.append(ArtifactRow(name=receipt_name, sha256=hashlib.sha256(receipt_bytes).hexdigest(), kind="receipt",
                                bytes=len(receipt_bytes), **common))
    first = receipts[0]
    rows.append(ArtifactRow(name=f"{STATE_DIR}/{MANIFEST_FILE}", sha256=hashlib.sha256(manifest).hexdigest(),
                            kind="manifest", bytes=len(manifest), cid=manifest_cid, merkle_root=first.root,
                            anchor_network=first.anchor.backend, anchor_txid=first.anchor.txid,
                            anchor_block=first.anchor.block_height))
    record_artifacts(store, batch_id, rows)


__all__ = ["PublishError", "backend_label", "publish_batch"]
