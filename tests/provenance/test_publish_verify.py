"""publish_batch + verify_sample end to end on the local IPFS backend and the real contract in simnet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from genoflow.anchor.base import AlreadyAnchored
from genoflow.ipfs import cid_of, open_backend
from genoflow.provenance.bundle import BundleError, bundle_from_report_file
from genoflow.provenance.crypto import is_sealed, load_key, open_sealed
from genoflow.provenance.publish import PublishError, publish_batch
from genoflow.provenance.receipt import Receipt
from genoflow.provenance.verify import load_target, verify_sample
from genoflow.store import Store, StoreError
from genoflow.store.queries import connect

from .batches import PATIENT, make_batch

ALL_CHECKS = ["bundle hash", "Merkle path", "anchored root", "CID", "IPFS content", "manifest"]


def publish(outdir: Path, ipfs, registry, **options) -> list[Receipt]:
    return publish_batch(outdir, outdir.name, pin_backend=ipfs, anchor_backend=registry, **options)


def check(path: Path, registry, ipfs, receipt: Path | None = None, **options):
    bundle = load_target(path, key=options.get("key"))
    receipt_path = receipt or path.with_name(bundle.sample_id + ".receipt.json")
    return verify_sample(bundle, Receipt.read(receipt_path), anchor_backend=registry, pin_backend=ipfs, **options)


def test_every_receipt_of_a_batch_verifies_and_artifacts_are_recorded(tmp_path, ipfs, counting):
    outdir = tmp_path / "B1"
    make_batch(outdir, "B1", 6)
    store = Store(tmp_path / "store")
    receipts = publish(outdir, ipfs, counting, store=store, patient_ids=[PATIENT])
    assert counting.anchors == 1 and len(receipts) == 6
    assert len({r.root for r in receipts}) == 1 and [r.leaf_index for r in receipts] == list(range(6))
    for receipt in receipts:
        sid = receipt.sample_id
        assert Receipt.read(outdir / f"{sid}.receipt.json") == receipt
        assert receipt.anchor.backend == "simnet" and receipt.anchor.txid and receipt.anchor.block_height
        for target in (outdir / f"{sid}.report.json", outdir / f"{sid}.bundle.tar"):
            result = check(target, counting, ipfs)
            assert result.ok, result.problems
            assert result.checked == ALL_CHECKS
            assert result.summary().startswith(f"verified {sid}: bundle sha256 {receipt.bundle.sha256}")
    manifest = json.loads(ipfs.cat(receipts[0].manifest_cid))
    assert [s["cid"] for s in manifest["samples"]] == [r.bundle.cid for r in receipts]
    assert "B1-S001" not in json.dumps(manifest)  # sample ids stay out of the manifest
    with connect(store) as con:
        rows = con.execute("select kind, count(*), count(distinct merkle_root), count(anchor_txid), count(cid) "
                           "from artifacts where batch_id = 'B1' group by kind order by kind").fetchall()
    assert rows == [("bundle", 6, 1, 6, 6), ("manifest", 1, 1, 1, 1), ("receipt", 6, 1, 6, 0)]


def test_one_byte_change_to_a_report_or_vcf_fails_naming_the_hash(tmp_path, ipfs, registry):
    outdir = tmp_path / "B2"
    make_batch(outdir, "B2", 3)
    publish(outdir, ipfs, registry)
    report = outdir / "B2-S002.report.json"
    text = report.read_text()
    assert text.count('"site": "SITE-07"') == 1
    report.write_text(text.replace('"site": "SITE-07"', '"site": "SITE-08"'))
    result = check(report, registry, ipfs)
    assert len(result.problems) == 1, result.problems
    assert result.problems[0].startswith("bundle hash mismatch") and "B2-S002.report.json (sha256" in result.problems[0]
    assert "B2-S002.vcf (" not in result.problems[0]
    assert result.summary().startswith("NOT verified B2-S002")

    bundle_path = outdir / "B2-S003.bundle.tar"
    data = bytearray(bundle_path.read_bytes())
    at = data.index(b"#CHROM") + 1  # a byte inside the VCF member
    data[at] ^= 0x20
    bundle_path.write_bytes(bytes(data))
    result = check(bundle_path, registry, ipfs)
    assert len(result.problems) == 1 and "B2-S003.vcf (sha256" in result.problems[0], result.problems


def test_forged_path_and_other_receipt_tampering_are_named(tmp_path, ipfs, registry):
    outdir = tmp_path / "B3"
    make_batch(outdir, "B3", 5)
    receipt = publish(outdir, ipfs, registry)[1]
    report = outdir / "B3-S002.report.json"

    def tampered(**changes) -> Path:
        path = tmp_path / "forged.receipt.json"
        path.write_text(receipt.model_copy(update=changes).to_json())
        return path

    forged_step = receipt.path[1].model_copy(update={"hash": "00" * 32})
    result = check(report, registry, ipfs, tampered(path=[receipt.path[0], forged_step, *receipt.path[2:]]))
    assert result.checked[:1] == ["bundle hash"]
    assert [p.split(":")[0] for p in result.problems] == ["Merkle path mismatch"], result.problems
    flipped = [step.model_copy(update={"side": "left" if step.side == "right" else "right"}) for step in receipt.path]
    assert check(report, registry, ipfs, tampered(path=flipped)).problems[0].startswith("Merkle path invalid: path shape")
    assert check(report, registry, ipfs, tampered(salt="11" * 32)).problems[0].startswith("leaf mismatch")
    other_cid = cid_of(b"something else")
    problems = check(report, registry, ipfs, cid=other_cid).problems
    assert len(problems) == 1 and problems[0].startswith(f"CID mismatch: --cid {other_cid}")


def test_forged_anchor_fields_fail_and_the_summary_names_the_registry_record(tmp_path, ipfs, registry):
    outdir = tmp_path / "B11"
    make_batch(outdir, "B11", 3)
    receipt = publish(outdir, ipfs, registry)[0]
    report = outdir / "B11-S001.report.json"

    def forged(**changes) -> Path:
        path = tmp_path / "forged.receipt.json"
        path.write_text(receipt.model_copy(update={"anchor": receipt.anchor.model_copy(update=changes)}).to_json())
        return path

    registrant = "ST3J2GVMMM2R07ZFBJDWTYEYAR8FZH5WKDTFJ9AHA"
    assert check(report, registry, ipfs, forged(registrant=registrant)).problems == [
        f"registrant mismatch: anchored by {receipt.anchor.registrant}, receipt says {registrant}"]
    height = receipt.anchor.block_height + 1000
    assert check(report, registry, ipfs, forged(block_height=height)).problems == [
        f"block height mismatch: anchored at block {receipt.anchor.block_height}, receipt says {height}"]
    path = tmp_path / "forged.receipt.json"
    path.write_text(receipt.model_copy(update={"schema_version": "9.9.9"}).to_json())
    assert check(report, registry, ipfs, path).problems == [
        f"schema version mismatch: anchored {receipt.schema_version!r}, receipt says '9.9.9'"]
    # fields the registry does not hold are never echoed: the summary shows what the registry says
    result = check(report, registry, ipfs, forged(backend="stacks-mainnet", txid="0x" + "ab" * 32))
    assert result.ok, result.problems
    summary = result.summary()
    assert f"anchored in {registry.contract_id} (simnet, block {receipt.anchor.block_height}" in summary
    assert "stacks-mainnet" not in summary and "ab" * 32 not in summary


def test_a_manifest_block_that_does_not_hash_to_its_cid_is_named(tmp_path, ipfs, registry):
    outdir = tmp_path / "B12"
    make_batch(outdir, "B12", 3)
    receipt = publish(outdir, ipfs, registry)[1]
    block = ipfs.root / "blocks" / receipt.manifest_cid[-2:] / receipt.manifest_cid
    manifest = json.loads(block.read_bytes())
    manifest["samples"][0]["cid"] = cid_of(b"another sample")  # this receipt's own entry (index 1) still matches
    block.write_bytes(json.dumps(manifest).encode())
    result = check(outdir / "B12-S002.report.json", registry, ipfs)
    assert len(result.problems) == 1, result.problems
    assert result.problems[0].startswith(f"manifest content mismatch: the content served for {receipt.manifest_cid} "
                                         f"has CID {cid_of(block.read_bytes())}")
    assert "manifest" not in result.checked


def test_an_invalid_batch_id_fails_before_anything_is_pinned_or_anchored(tmp_path, ipfs, counting):
    outdir = tmp_path / "bad batch"
    reports = make_batch(outdir, "bad batch", 2)
    with pytest.raises(StoreError, match="invalid batch id 'bad batch'"):
        publish_batch(outdir, "bad batch", reports, pin_backend=ipfs, anchor_backend=counting,
                      store=Store(tmp_path / "store"))
    assert ipfs.pinned() == [] and counting.anchors == 0 and counting.lookups == 0
    assert not list(outdir.glob("*.bundle.tar")) and not (outdir / "provenance").exists()


class Unanchored:
    contract_id = "ST000.data-registry"

    def lookup(self, root):
        return None


def test_unanchored_revoked_and_wrong_content_are_named(tmp_path, ipfs, registry):
    outdir = tmp_path / "B4"
    make_batch(outdir, "B4", 2)
    receipt = publish(outdir, ipfs, registry)[0]
    report = outdir / "B4-S001.report.json"
    assert check(report, Unanchored(), ipfs).problems == [
        f"root not anchored: {receipt.root} is not in the registry (ST000.data-registry)"]

    block = ipfs.root / "blocks" / receipt.bundle.cid[-2:] / receipt.bundle.cid
    block.write_bytes(block.read_bytes().replace(b"SITE-07", b"SITE-99"))  # a node serving other bytes
    problems = check(report, registry, ipfs).problems
    assert len(problems) == 1 and problems[0].startswith(f"CID content mismatch: the content of {receipt.bundle.cid}")

    registry.revoke(bytes.fromhex(receipt.root))
    problems = check(report, registry, None).problems
    assert problems == [f"root revoked: {receipt.root} is marked revoked in {registry.contract_id}"]
    with pytest.raises(PublishError, match="is revoked"):
        publish(outdir, ipfs, registry)


def test_republishing_never_anchors_twice_and_the_contract_refuses_a_duplicate(tmp_path, ipfs, counting, registry):
    outdir = tmp_path / "B5"
    make_batch(outdir, "B5", 4)
    first = publish(outdir, ipfs, counting)
    second = publish(outdir, ipfs, counting)
    assert counting.anchors == 1 and counting.lookups == 2
    assert [r.to_json() for r in first] == [r.to_json() for r in second]  # salts persisted: same root, same receipts
    journal_before = len(registry.journal.entries)
    with pytest.raises(AlreadyAnchored) as refused:
        registry.anchor(bytes.fromhex(first[0].root), 4, "1.0.0", first[0].manifest_cid)
    assert refused.value.existing.block_height == first[0].anchor.block_height
    last = registry.journal.entries[-1]
    assert len(registry.journal.entries) == journal_before + 1 and last["request"]["function"] == "anchor"
    assert last["reply"]["result"] == {"err": "307"} or "err" in last["reply"]["result"]

    # a changed report gives another root: refused unless asked for explicitly
    report = outdir / "B5-S001.report.json"
    report.write_text(report.read_text().replace('"country": "ZA"', '"country": "MZ"'))
    with pytest.raises(PublishError, match="was already anchored with root"):
        publish(outdir, ipfs, counting)
    assert counting.anchors == 1


def test_no_patient_identifier_reaches_any_pinned_block(tmp_path, ipfs, registry):
    outdir = tmp_path / "B6"
    reports = make_batch(outdir, "B6", 4)
    assert PATIENT in (outdir / "B6-S001.report.json").read_text()  # planted in the pipeline's own outputs
    publish(outdir, ipfs, registry, patient_ids=[PATIENT])
    blocks = [p for p in (ipfs.root / "blocks").rglob("*") if p.is_file()]
    assert len(blocks) >= 5
    forbidden = [PATIENT.lower().encode(), b"patient_id", b"2024-03-17", b"/data/", b"fastq.gz\"", b"_r1"]
    for block in blocks:
        content = block.read_bytes().lower()
        assert not [word for word in forbidden[:4] if word in content], block
    assert reports[0].sample.inputs[0].name.lower().encode() not in b"".join(b.read_bytes().lower() for b in blocks)


def test_a_bundle_naming_a_patient_is_refused_before_anything_is_pinned(tmp_path, ipfs, counting):
    outdir = tmp_path / "B7"
    reports = make_batch(outdir, "B7", 3)
    leaky = reports[2].model_copy(update={"sample": reports[2].sample.model_copy(update={"site": PATIENT})})
    with pytest.raises(BundleError, match="'B7-S003': a patient identifier occurs"):
        publish_batch(outdir, "B7", [*reports[:2], leaky], pin_backend=ipfs, anchor_backend=counting,
                      patient_ids=[PATIENT])
    assert ipfs.pinned() == [] and counting.anchors == 0


def test_node_down_fails_clearly_then_the_batch_is_republished(tmp_path, ipfs, counting):
    outdir = tmp_path / "B8"
    make_batch(outdir, "B8", 3)
    down = open_backend("kubo+http://127.0.0.1:9", attempts=2, backoff=0, timeout=0.5)
    with pytest.raises(PublishError, match=r"pinning B8-S001.bundle.tar to kubo\+http://127.0.0.1:9 failed: .* "
                                           r"failed after 2 attempts.*Nothing was anchored") as failed:
        publish(outdir, down, counting)
    assert "publish OUTDIR" in str(failed.value) and counting.anchors == 0
    receipts = publish(outdir, ipfs, counting)
    assert counting.anchors == 1 and all(check(outdir / f"{r.sample_id}.report.json", counting, ipfs).ok for r in receipts)


def test_encrypted_bundles_round_trip_and_the_key_is_never_pinned(tmp_path, ipfs, registry):
    outdir = tmp_path / "B9"
    make_batch(outdir, "B9", 3)
    receipts = publish(outdir, ipfs, registry, encrypt=True)
    key_path = outdir / "provenance" / "bundle.key"
    key = load_key(key_path)
    assert key_path.stat().st_mode & 0o777 == 0o600
    for receipt in receipts:
        pinned = ipfs.cat(receipt.bundle.cid)
        bundle = bundle_from_report_file(outdir / f"{receipt.sample_id}.report.json")
        assert receipt.bundle.encrypted and is_sealed(pinned) and bundle.data not in pinned
        assert open_sealed(key, pinned) == bundle.data
        with_key = check(outdir / f"{receipt.sample_id}.report.json", registry, ipfs, key=key)
        assert with_key.ok and with_key.checked == ALL_CHECKS, with_key.problems
        without = check(outdir / f"{receipt.sample_id}.report.json", registry, ipfs)
        assert without.ok and "CID" not in without.checked and any("encrypted" in n for n in without.notes)
    stored = b"".join(p.read_bytes() for p in (ipfs.root / "blocks").rglob("*") if p.is_file())
    assert key not in stored and key.hex().encode() not in stored and b"SITE-07" not in stored
    assert publish(outdir, ipfs, registry, encrypt=True) == receipts  # deterministic sealing: same CIDs again


def test_an_auditor_holding_only_the_released_files_can_verify(tmp_path, ipfs, registry):
    """The bundle is what is handed out: its de-identified report + VCF, extracted anywhere, verify as-is."""
    import tarfile

    outdir = tmp_path / "B10"
    make_batch(outdir, "B10", 3)
    receipts = publish(outdir, ipfs, registry)
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    with tarfile.open(outdir / "B10-S003.bundle.tar") as tar:
        tar.extractall(auditor, filter="data")
    (auditor / "B10-S003.receipt.json").write_bytes((outdir / "B10-S003.receipt.json").read_bytes())
    released = (auditor / "B10-S003.report.json").read_text()
    assert PATIENT not in released and '"collection_date": null' in released
    result = check(auditor / "B10-S003.report.json", registry, None)
    assert result.ok and result.receipt == receipts[2], result.problems
