"""CIDs and DAGs built locally against aleph-cid (an independent implementation that matches Kubo)."""

from __future__ import annotations

import hashlib
import random

import aleph_cid
import pytest
from multiformats import CID

from genoflow.ipfs import build_file_dag, cid_of, normalise_cid, read_car, write_car
from genoflow.ipfs.unixfs import CHUNK_SIZE, MAX_LINKS, RAW, cid_str, cid_to_bytes, dag_pb_links

KIB = 1024


def aleph(data: bytes) -> str:
    hasher = aleph_cid.CidHasher.for_ipfs_v1_raw_leaves()
    hasher.update(data)
    return hasher.finalize()


@pytest.mark.parametrize(
    "size",
    [0, 1, KIB, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5_000_000, MAX_LINKS * CHUNK_SIZE, MAX_LINKS * CHUNK_SIZE + 1],
)
def test_cid_of_matches_aleph_cid(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert cid_of(data) == aleph(data)


def test_single_chunk_is_a_raw_block_and_larger_files_a_dag_pb_root() -> None:
    assert cid_of(b"x" * CHUNK_SIZE).startswith("bafk")
    assert cid_of(b"x" * (CHUNK_SIZE + 1)).startswith("bafy")


def test_balanced_tree_gains_a_level_after_174_chunks() -> None:
    data = random.Random(7).randbytes(MAX_LINKS * CHUNK_SIZE + 1)
    _, blocks = build_file_dag(data)
    by_cid = {b.cid: b for b in blocks}
    root_links = dag_pb_links(blocks[-1].data)
    assert len(root_links) == 2
    assert [len(dag_pb_links(by_cid[c].data)) for c in root_links] == [MAX_LINKS, 1]
    assert sum(b.cid[1] == RAW for b in blocks) == MAX_LINKS + 1


def test_every_block_hash_matches_its_cid() -> None:
    _, blocks = build_file_dag(random.Random(3).randbytes(3 * CHUNK_SIZE + 5))
    for block in blocks:
        assert block.cid[-32:] == hashlib.sha256(block.data).digest()


def test_normalise_cid_converts_other_bases_and_cidv0() -> None:
    cid = cid_of(b"hello")
    base58 = str(CID.decode(cid).set(base="base58btc"))
    assert base58.startswith("z") and normalise_cid(base58) == cid
    v0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"
    assert normalise_cid(v0) == str(CID.decode(v0).set(version=1, base="base32"))
    with pytest.raises(ValueError, match="not a CID"):
        normalise_cid("bafk-not-a-cid")


def test_car_round_trip_keeps_root_and_blocks(tmp_path) -> None:
    root, blocks = build_file_dag(random.Random(5).randbytes(2 * CHUNK_SIZE + 9))
    path = write_car(tmp_path / "f.car", cid_to_bytes(root), reversed(blocks))
    assert aleph_cid.read_carv1_root(path) == root
    read_root, read_blocks = read_car(path)
    assert read_root == root
    assert [cid_str(b.cid) for b in read_blocks] == [cid_str(b.cid) for b in reversed(blocks)]
    assert [b.data for b in read_blocks] == [b.data for b in reversed(blocks)]


def test_read_car_names_the_file_when_it_is_not_a_car(tmp_path) -> None:
    bad = tmp_path / "bad.car"
    bad.write_bytes(b"\x05hello")
    with pytest.raises(ValueError, match="bad.car"):
        read_car(bad)


def test_read_car_rejects_a_block_that_does_not_match_its_cid(tmp_path) -> None:
    root, blocks = build_file_dag(b"original bundle bytes")
    path = write_car(tmp_path / "t.car", cid_to_bytes(root), blocks)
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"original", b"modified"))
    with pytest.raises(ValueError, match="does not match its hash"):
        read_car(path)
