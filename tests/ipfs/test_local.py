"""The embedded `local://` backend and backend-URL parsing."""

from __future__ import annotations

import random

import pytest
from multiformats import CID

from genoflow.ipfs import CidNotFound, LocalBackend, PinBackend, PinError, cid_of, open_backend, read_car
from genoflow.ipfs.unixfs import CHUNK_SIZE, cid_str


@pytest.fixture
def store(tmp_path) -> LocalBackend:
    backend = open_backend(f"local://{tmp_path / 'ipfs'}")
    assert isinstance(backend, LocalBackend) and isinstance(backend, PinBackend)
    return backend


def test_add_cat_has_and_pins(store: LocalBackend) -> None:
    data = random.Random(1).randbytes(3 * CHUNK_SIZE + 17)
    cid = store.add(data, filename="S1.bundle")
    assert cid == cid_of(data)
    assert store.has(cid) and store.cat(cid) == data
    assert store.pinned() == [cid]
    assert (store.root / "pins" / cid).read_text() == "S1.bundle"


def test_repeated_chunks_are_stored_once_and_read_back_in_full(store: LocalBackend) -> None:
    data = bytes(4 * CHUNK_SIZE)  # four identical chunks -> one leaf block linked four times
    cid = store.add(data)
    assert store.cat(cid) == data
    assert len(list(store.blocks(cid))) == 2


def test_adding_twice_is_idempotent(store: LocalBackend) -> None:
    assert store.add(b"same") == store.add(b"same")
    assert store.pinned() == [cid_of(b"same")]


def test_missing_content_is_reported_not_waited_for(store: LocalBackend) -> None:
    absent = cid_of(b"never added")
    assert not store.has(absent)
    with pytest.raises(CidNotFound, match=f"{absent}.*not in this store"):
        store.cat(absent)
    with pytest.raises(CidNotFound, match="never fetches"):
        store.pin(absent)


def test_missing_leaf_block_is_named(store: LocalBackend) -> None:
    cid = store.add(random.Random(2).randbytes(CHUNK_SIZE + 1))
    leaf = next(b for b in store.blocks(cid) if b.is_raw)
    store._block_path(cid_str(leaf.cid)).unlink()
    with pytest.raises(CidNotFound, match=f"block {cid_str(leaf.cid)} of {cid}"):
        store.cat(cid)


def test_export_car_holds_exactly_the_dag(store: LocalBackend, tmp_path) -> None:
    data = random.Random(4).randbytes(2 * CHUNK_SIZE + 3)
    cid = store.add(data)
    root, blocks = read_car(store.export_car(cid, tmp_path / "out.car"))
    assert root == cid
    assert b"".join(b.data for b in blocks if b.is_raw) == data
    assert len(blocks) == 4  # root + 3 leaves


def test_pin_of_a_stored_cid_and_cid_normalisation(store: LocalBackend) -> None:
    cid = store.add(b"bundle")
    base58 = str(CID.decode(cid).set(base="base58btc"))
    store.pin(base58)
    assert store.has(base58) and store.cat(base58) == b"bundle"


def test_invalid_cid_names_the_store(store: LocalBackend) -> None:
    with pytest.raises(PinError, match=r"local://.*not a CID: 'nope'"):
        store.has("nope")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/just/a/path", "is not of the form"),
        ("ftp://host/x", "unknown scheme 'ftp'"),
        ("pinning+https://host/api", "needs token-env"),
        ("pinning+https://host/api?token-env=X&colour=blue", "unknown URL parameter 'colour'"),
        ("kubo+http://127.0.0.1:5001", "unexpected keyword argument 'colour'"),
    ],
)
def test_bad_backend_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(PinError, match=message):
        open_backend(url, **({"colour": "blue"} if url.startswith("kubo") else {}))


def test_unwritable_store_is_reported(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(PinError, match="cannot create the block store"):
        LocalBackend(blocker / "ipfs")
