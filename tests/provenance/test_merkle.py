"""Merkle tree: RFC 6962 roots (Certificate Transparency test vectors), proofs for every leaf, forged paths."""

from __future__ import annotations

import hashlib

import pytest

from genoflow.provenance.merkle import MerkleError, MerkleTree, ProofStep, leaf_hash, node_hash, root_from_proof

# RFC 6962 leaves and the roots of their first 1..8 (Trillian testonly/constants.go, CT merkle_tree_test)
CT_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def rfc6962_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 6962 section 2.1: split at the largest power of two below n."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(rfc6962_root(leaves[:k]), rfc6962_root(leaves[k:]))


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(b"salt%d" % i).digest(), hashlib.sha256(b"bundle%d" % i).digest()) for i in range(n)]


def test_roots_match_certificate_transparency_vectors():
    ct_leaves = [hashlib.sha256(b"\x00" + bytes.fromhex(data)).digest() for data in CT_INPUTS]
    assert [MerkleTree(ct_leaves[:n]).root.hex() for n in range(1, 9)] == CT_ROOTS


@pytest.mark.parametrize("n", list(range(1, 34)) + [100, 1000])
def test_levelwise_tree_is_the_rfc6962_tree_and_every_proof_verifies(n):
    tree = MerkleTree(leaves(n))
    assert tree.root == rfc6962_root(tree.levels[0])
    for index in range(n):
        assert root_from_proof(tree.levels[0][index], index, n, tree.proof(index)) == tree.root


def test_leaf_is_salted_and_domain_separated():
    salt, content = b"\x01" * 32, hashlib.sha256(b"bundle").digest()
    assert leaf_hash(salt, content) == hashlib.sha256(b"\x00" + salt + content).digest()
    assert leaf_hash(salt, content) != leaf_hash(b"\x02" * 32, content)
    with pytest.raises(MerkleError, match="32-byte salt"):
        leaf_hash(b"short", content)


def test_forged_paths_do_not_reach_the_root():
    tree = MerkleTree(leaves(7))
    proof = tree.proof(2)
    forged_sibling = [ProofStep(proof[0].side, bytes(32))] + proof[1:]
    assert root_from_proof(tree.levels[0][2], 2, 7, forged_sibling) != tree.root
    with pytest.raises(MerkleError, match="path shape"):
        root_from_proof(tree.levels[0][2], 2, 7, [ProofStep("right" if s.side == "left" else "left", s.sibling) for s in proof])
    with pytest.raises(MerkleError, match="path shape"):
        root_from_proof(tree.levels[0][2], 2, 7, proof[:-1])
    # a leaf of another position cannot borrow this path
    assert root_from_proof(tree.levels[0][3], 2, 7, proof) != tree.root


def test_inner_node_cannot_pose_as_a_leaf():
    tree = MerkleTree(leaves(4))
    inner = tree.levels[1][0]
    short = MerkleTree([inner, tree.levels[1][1]])
    assert short.root == tree.root  # same bytes up the tree, so a verifier must fix the leaf count
    with pytest.raises(MerkleError, match="path shape"):
        root_from_proof(inner, 0, 4, short.proof(0))


def test_empty_tree_and_bad_index_are_refused():
    with pytest.raises(MerkleError, match="at least one leaf"):
        MerkleTree([])
    with pytest.raises(MerkleError, match="outside a tree of 3"):
        MerkleTree(leaves(3)).proof(3)
