"""The `stacks` backend against a loopback Stacks API (tests/anchor/fake_stacks_node.py), not a real node:
no Stacks node can run here. The loopback server executes the signed transactions in the Clarinet simnet."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from genoflow.anchor import AlreadyAnchored, AnchorError, AnchorRejected, AnchorTimeout, open_backend
from genoflow.anchor.stacks import LEDGER_NAME, StacksBackend
from tests.anchor.conftest import new_stacks_key
from tests.anchor.fake_stacks_node import FakeStacksNode

CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"


def batch_root(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = new_stacks_key()
    monkeypatch.setenv("GENOFLOW_STACKS_KEY", value)
    return value


@pytest.fixture
def backend(fake_node: FakeStacksNode, key: str, tmp_path: Path) -> Iterator[StacksBackend]:
    opened = open_backend("stacks", tmp_path, api_url=fake_node.url, contract_id=fake_node.contract_id,
                          network="testnet", fee=2_000, confirm_timeout=30.0, poll_interval=0.05)
    assert isinstance(opened, StacksBackend)
    yield opened
    opened.close()


def test_anchor_is_signed_broadcast_and_confirmed(backend: StacksBackend, fake_node: FakeStacksNode) -> None:
    fake_node.enrol_facility(backend.sender)
    sent = len(fake_node.state.broadcasts)
    record = backend.anchor(batch_root("stacks-1"), 12, "1.0.0", CID)
    assert len(fake_node.state.broadcasts) == sent + 1
    mined = fake_node.state.txs[record.txid]
    assert (mined["sender"], mined["function"], mined["fee"], mined["nonce"]) == (backend.sender, "anchor", 2_000, 0)
    assert (record.registrant, record.block_height, record.count, record.status) == \
        (backend.sender, mined["block_height"], 12, "active")
    assert backend.lookup(batch_root("stacks-1")) == record
    statuses = [json.loads(line)["status"] for line in (backend.ledger_path).read_text().splitlines()]
    assert statuses == ["signed", "broadcast", "success"]


def test_duplicate_is_refused_without_a_broadcast(backend: StacksBackend, fake_node: FakeStacksNode,
                                                  tmp_path: Path) -> None:
    fake_node.enrol_facility(backend.sender)
    first = backend.anchor(batch_root("stacks-dup"), 3, "1.0.0", CID)
    sent = len(fake_node.state.broadcasts)
    with pytest.raises(AlreadyAnchored) as refused:
        backend.anchor(batch_root("stacks-dup"), 3, "1.0.0", CID)
    assert refused.value.existing == first
    # a client with no ledger of its own reads the same record from the chain, txid unknown to it
    with open_backend("stacks", tmp_path / "other-client", api_url=backend.api_url,
                      contract_id=backend.contract_id, network="testnet") as other:
        with pytest.raises(AlreadyAnchored) as again:
            other.anchor(batch_root("stacks-dup"), 3, "1.0.0", CID)
    assert again.value.existing.block_height == first.block_height and again.value.existing.txid == ""
    assert len(fake_node.state.broadcasts) == sent


def test_a_caller_the_contract_would_refuse_pays_nothing(backend: StacksBackend, fake_node: FakeStacksNode) -> None:
    sent = len(fake_node.state.broadcasts)
    with pytest.raises(AnchorRejected, match="ERR-NOT-FACILITY"):
        backend.anchor(batch_root("stacks-stranger"), 1, "1.0.0", CID)
    fake_node.enrol_facility(backend.sender, subscribe=False)
    with pytest.raises(AnchorRejected, match="ERR-SUBSCRIPTION-INACTIVE") as refused:
        backend.anchor(batch_root("stacks-stranger"), 1, "1.0.0", CID)
    assert refused.value.code == 302
    assert len(fake_node.state.broadcasts) == sent


def test_nonces_advance_and_fall_back_to_the_accounts_endpoint(backend: StacksBackend,
                                                               fake_node: FakeStacksNode) -> None:
    fake_node.enrol_facility(backend.sender)
    backend.anchor(batch_root("nonce-0"), 1, "1.0.0", CID)
    backend.anchor(batch_root("nonce-1"), 1, "1.0.0", CID)
    fake_node.state.nonces_endpoint = False
    try:
        third = backend.anchor(batch_root("nonce-2"), 1, "1.0.0", CID)
    finally:
        fake_node.state.nonces_endpoint = True
    assert fake_node.state.txs[third.txid]["nonce"] == 2  # the loopback node refuses any other nonce
    assert f"GET /v2/accounts/{backend.sender}?proof=0" in fake_node.state.requests


def test_an_unconfirmed_anchor_times_out_naming_its_txid(fake_node: FakeStacksNode, key: str,
                                                         tmp_path: Path) -> None:
    with StacksBackend(tmp_path, api_url=fake_node.url, contract_id=fake_node.contract_id, network="testnet",
                       confirm_timeout=0.3, poll_interval=0.05) as impatient:
        fake_node.enrol_facility(impatient.sender)
        fake_node.state.never_confirm = True
        try:
            with pytest.raises(AnchorTimeout) as waited:
                impatient.anchor(batch_root("stuck"), 1, "1.0.0", CID)
        finally:
            fake_node.state.never_confirm = False
    assert waited.value.txid in fake_node.state.txs and waited.value.txid in str(waited.value)
    ledger = [json.loads(line) for line in (tmp_path / LEDGER_NAME).read_text().splitlines()]
    signed = {"fee": 10_000, "nonce": 0, "root": batch_root("stuck").hex(), "txid": waited.value.txid}
    assert ledger == [{**signed, "status": "signed", "tx_hex": fake_node.state.broadcasts[-1]},
                      {**signed, "status": "broadcast"}]


def test_a_lost_broadcast_reply_is_resumed_without_signing_again(backend: StacksBackend,
                                                                 fake_node: FakeStacksNode) -> None:
    fake_node.enrol_facility(backend.sender)
    mined_before = len(fake_node.state.txs)
    fake_node.state.drop_broadcast_reply = True
    try:
        with pytest.raises(AnchorError, match="broadcast to"):
            backend.anchor(batch_root("lost-reply"), 4, "1.0.0", CID)
    finally:
        fake_node.state.drop_broadcast_reply = False
    (first_tx,) = set(fake_node.state.broadcasts[-1:])
    record = backend.anchor(batch_root("lost-reply"), 4, "1.0.0", CID)
    # the second call re-sent the same bytes (the node refused the duplicate nonce) and confirmed them
    assert fake_node.state.broadcasts[-2:] == [first_tx, first_tx]
    assert len(fake_node.state.txs) == mined_before + 1 and record.txid in fake_node.state.txs
    assert (record.count, record.status, record.registrant) == (4, "active", backend.sender)
    statuses = [json.loads(line)["status"] for line in backend.ledger_path.read_text().splitlines()]
    assert statuses == ["signed", "success"]
    assert backend.lookup(batch_root("lost-reply")) == record


def test_a_torn_ledger_line_is_skipped(backend: StacksBackend, fake_node: FakeStacksNode) -> None:
    fake_node.enrol_facility(backend.sender)
    first = backend.anchor(batch_root("torn-1"), 1, "1.0.0", CID)
    with open(backend.ledger_path, "a") as ledger:
        ledger.write('{"root": "' + batch_root("torn-1").hex()[:10])  # a crash mid-write, no newline
    assert backend.lookup(batch_root("torn-1")) == first
    second = backend.anchor(batch_root("torn-2"), 1, "1.0.0", CID)
    assert backend.lookup(batch_root("torn-2")) == second and second.txid


def test_the_key_is_needed_only_to_anchor_and_never_written(fake_node: FakeStacksNode, key: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with StacksBackend(tmp_path, api_url=fake_node.url, contract_id=fake_node.contract_id, network="testnet",
                       poll_interval=0.05) as signer:
        fake_node.enrol_facility(signer.sender)
        signer.anchor(batch_root("secret-free"), 1, "1.0.0", CID)
    written = caplog.text + "".join(p.read_text() for p in tmp_path.iterdir() if p.is_file())
    assert "broadcast as 0x" in caplog.text and key not in written and key[:64] not in written

    monkeypatch.delenv("GENOFLOW_STACKS_KEY")
    with StacksBackend(tmp_path / "auditor", api_url=fake_node.url, contract_id=fake_node.contract_id,
                       network="testnet") as auditor:
        assert auditor.lookup(batch_root("secret-free")) is not None
        with pytest.raises(AnchorError, match="GENOFLOW_STACKS_KEY is not set"):
            auditor.anchor(batch_root("no key"), 1, "1.0.0", CID)
