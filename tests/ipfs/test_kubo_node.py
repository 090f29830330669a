"""The kubo backend and the local backend's CIDs/CARs against a real node (js-ipfs, Kubo RPC API)."""

from __future__ import annotations

import random

import httpx
import pytest

from genoflow.ipfs import CidNotFound, KuboBackend, LocalBackend, PinError, normalise_cid, open_backend
from genoflow.ipfs.unixfs import CHUNK_SIZE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
KIB = 1024


@pytest.fixture(scope="module")
def kubo(ipfs_node) -> KuboBackend:
    backend = open_backend(f"kubo+{ipfs_node.url}", attempts=2, backoff=0.05)
    assert isinstance(backend, KuboBackend)
    return backend


@pytest.fixture
def local(tmp_path) -> LocalBackend:
    return LocalBackend(tmp_path / "ipfs")


def node_add(url: str, data: bytes, *, pin: bool = True) -> str:
    """`ipfs add --cid-version=1 --raw-leaves` straight through the RPC API (not through our client)."""
    params = {"cid-version": "1", "raw-leaves": "true", "pin": str(pin).lower()}
    answer = httpx.post(f"{url}/api/v0/add", params=params, files={"file": ("f", data)}, timeout=60)
    answer.raise_for_status()
    return normalise_cid(answer.json()["Hash"])


@pytest.mark.parametrize("size", [KIB, CHUNK_SIZE, CHUNK_SIZE + 1, 5_000_000], ids=["1KiB", "256KiB", "256KiB+1", "5MB"])
def test_local_backend_cids_equal_the_node_cids(ipfs_node, local: LocalBackend, kubo: KuboBackend, size: int) -> None:
    data = random.Random(size).randbytes(size)
    cid = local.add(data)
    assert node_add(ipfs_node.url, data) == cid
    assert kubo.add(data) == cid


def test_pin_then_cat_round_trip(ipfs_node, kubo: KuboBackend) -> None:
    data = random.Random(11).randbytes(CHUNK_SIZE * 3 + 5)
    cid = node_add(ipfs_node.url, data, pin=False)
    assert not kubo.has(cid)
    kubo.pin(cid)
    assert kubo.has(cid)
    assert kubo.cat(cid) == data


def test_add_reports_base32_cidv1_and_pins(kubo: KuboBackend) -> None:
    data = b'{"sample_id": "S1", "calls": []}'
    cid = kubo.add(data, filename="S1.report.json")
    assert cid.startswith("bafk") and kubo.has(cid) and kubo.cat(cid) == data


def test_cat_of_a_missing_cid_times_out_instead_of_hanging(kubo: KuboBackend, local: LocalBackend) -> None:
    absent = local.add(random.Random(12).randbytes(100))  # known CID, never given to the node
    with pytest.raises(CidNotFound, match=rf"cat {absent} at kubo\+http://127.0.0.1:\d+: not found"):
        kubo.cat(absent, timeout=1.0)
    assert not kubo.has(absent)


def test_car_exported_by_local_backend_imports_into_the_node(tmp_path, local: LocalBackend, kubo: KuboBackend) -> None:
    data = random.Random(13).randbytes(2 * CHUNK_SIZE + 123)
    cid = local.add(data)
    assert not kubo.has(cid)
    assert kubo.import_car(local.export_car(cid, tmp_path / "bundle.car")) == [cid]
    assert kubo.has(cid)
    assert kubo.cat(cid) == data


def test_node_down_is_a_clear_error_then_recovers_after_restart(ipfs_node, kubo: KuboBackend) -> None:
    pinned = kubo.add(b"pinned before the outage")
    ipfs_node.stop()
    try:
        with pytest.raises(PinError, match=rf"add at kubo\+{ipfs_node.url} failed after 2 attempts: ConnectError"):
            kubo.add(b"during the outage")
    finally:
        ipfs_node.start()
    assert kubo.has(pinned)
    cid = kubo.add(b"during the outage")
    assert kubo.cat(cid) == b"during the outage"
