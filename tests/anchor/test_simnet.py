"""The `simnet` backend: the real contracts in the Clarinet simnet, journalled and replayed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from genoflow.anchor import AlreadyAnchored, BridgeError, JournalError, open_backend
from genoflow.anchor.node import contracts_dir
from genoflow.anchor.simnet import JOURNAL_NAME, SimnetBackend

CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"


def batch_root(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


@pytest.fixture(scope="module")
def backend(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimnetBackend]:
    opened = SimnetBackend(tmp_path_factory.mktemp("simnet-store"), project=project)
    yield opened
    opened.close()  # idempotent: the replay test closes it early


def test_anchor_returns_what_the_contract_stores(backend: SimnetBackend) -> None:
    root = batch_root("night-1")
    record = backend.anchor(root, 96, "1.0.0", CID)
    assert (record.root, record.count, record.schema_version, record.manifest_cid, record.status) == \
        (root.hex(), 96, "1.0.0", CID, "active")
    assert record.registrant == backend.accounts["wallet_1"] != backend.deployer
    assert record.contract_id == f"{backend.deployer}.data-registry"
    assert record.block_height == backend.journal.entries[-1]["reply"]["block_height"]
    assert len(record.txid) == 64
    assert backend.lookup(root) == record
    assert backend.lookup(batch_root("never anchored")) is None


def test_duplicate_is_refused_by_the_contract_and_reported(backend: SimnetBackend) -> None:
    root = batch_root("night-2")
    first = backend.anchor(root, 10, "1.0.0", CID)
    with pytest.raises(AlreadyAnchored) as refused:
        backend.anchor(root, 11, "1.0.1", CID)
    assert refused.value.existing == first
    refusal = backend.journal.entries[-1]  # the refused call mined a block, so it is journalled
    assert refusal["request"]["function"] == "anchor"
    assert backend.errors[refusal["reply"]["result"]["err"]] == "ERR-ALREADY-ANCHORED"
    assert backend.lookup(root) == first


def test_malformed_input_is_refused_before_the_chain(backend: SimnetBackend) -> None:
    before = len(backend.journal.entries)
    with pytest.raises(ValueError, match="32 bytes"):
        backend.anchor(b"\x01" * 31, 1, "1.0.0", CID)
    with pytest.raises(ValueError, match="count"):
        backend.anchor(batch_root("x"), 0, "1.0.0", CID)
    with pytest.raises(ValueError, match="manifest CID"):
        backend.anchor(batch_root("x"), 1, "1.0.0", "")
    assert len(backend.journal.entries) == before


def test_a_second_backend_on_the_same_store_is_refused(backend: SimnetBackend) -> None:
    with pytest.raises(JournalError, match="in use by another genoflow process"):
        open_backend("simnet", backend.journal.path.parent)


def test_missing_node_modules_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "Clarinet.toml").write_text("[project]\n")
    with pytest.raises(BridgeError, match="npm ci"):
        contracts_dir(tmp_path)


def test_journal_replay_restores_identical_state(backend: SimnetBackend, project: Path) -> None:
    """Runs last in this module: it closes the shared backend and reopens its store."""
    store = backend.journal.path.parent
    roots = [batch_root(f"replay-{i}") for i in range(3)]
    for i, root in enumerate(roots):
        backend.anchor(root, i + 1, "1.0.0", CID)
    backend.revoke(roots[1])
    with pytest.raises(AlreadyAnchored):
        backend.anchor(roots[0], 1, "1.0.0", CID)
    height = backend.mine(7)
    known = roots + [batch_root("night-1"), batch_root("night-2")]
    before = [backend.lookup(root) for root in known]
    backend.close()
    journal = store / JOURNAL_NAME
    with open(journal, "a") as out:  # a crash in the middle of a write leaves a cut line behind
        out.write('{"request": {"cmd": "ca')

    with SimnetBackend(store, project=project) as reopened:
        assert [reopened.lookup(root) for root in known] == before
        assert before[1] is not None and before[1].status == "revoked"
        after = reopened.anchor(batch_root("after restart"), 4, "1.0.0", CID)
        assert after.block_height == height + 1  # the chain continued where it stopped
    assert journal.read_text().endswith("}\n")  # the cut line was dropped

    lines = journal.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["reply"]["block_height"] += 1  # a forged record no longer matches what the contracts answer
    lines[2] = json.dumps(entry)
    journal.write_text("\n".join(lines) + "\n")
    with pytest.raises(JournalError, match=rf"{JOURNAL_NAME}:3: replay answered"):
        SimnetBackend(store, project=project)
