"""RFC 6962-style Merkle tree over per-sample salted bundle hashes: one root per batch.

    leaf = sha256(0x00 || salt || sha256(bundle bytes))      salt: 32 random bytes per sample
    node = sha256(0x01 || left || right)

Odd levels follow RFC 6962's split rule (MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two
below n). Built level by level this is the same tree as: the last node of an odd level is carried up
unchanged -- never duplicated, so no two different leaf lists share a root (cf. CVE-2012-2459). Domain
separation (0x00 / 0x01) keeps a leaf from being passed off as an inner node.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
SALT_BYTES = 32

Side = Literal["left", "right"]


class MerkleError(ValueError):
    """A malformed leaf, salt, index or proof."""


def leaf_hash(salt: bytes, content_sha256: bytes) -> bytes:
    """sha256(0x00 || salt || content_sha256)."""
    if len(salt) != SALT_BYTES or len(content_sha256) != 32:
        raise MerkleError(f"leaf needs a {SALT_BYTES}-byte salt and a 32-byte sha256 "
                          f"(got {len(salt)} and {len(content_sha256)} bytes)")
    return hashlib.sha256(LEAF_PREFIX + salt + content_sha256).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """sha256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


@dataclass(frozen=True)
class ProofStep:
    """One sibling on the way up: `side` is where the sibling sits relative to the running hash."""

    side: Side
    sibling: bytes


class MerkleTree:
    """All levels of the tree over `leaves` (already leaf-hashed), for the root and inclusion proofs."""

    def __init__(self, leaves: list[bytes]) -> None:
        if not leaves:
            raise MerkleError("a Merkle tree needs at least one leaf")
        if any(len(leaf) != 32 for leaf in leaves):
            raise MerkleError("every leaf must be a 32-byte hash")
        levels = [list(leaves)]
        while len(levels[-1]) > 1:
            level = levels[-1]
            upper = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                upper.append(level[-1])  # carried up unchanged (RFC 6962 split rule)
            levels.append(upper)
        self.levels = levels

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    @property
    def count(self) -> int:
        return len(self.levels[0])

    def proof(self, index: int) -> list[ProofStep]:
        """Siblings from leaf `index` up to the root (RFC 6962 PATH(index, D[n]))."""
        if not 0 <= index < self.count:
            raise MerkleError(f"leaf index {index} outside a tree of {self.count} leaves")
        steps = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                steps.append(ProofStep("left" if sibling < index else "right", level[sibling]))
            index //= 2
        return steps


def expected_sides(index: int, count: int) -> list[Side]:
    """The sibling sides a proof for leaf `index` of `count` leaves must have (derived, never trusted)."""
    if not 0 <= index < count:
        raise MerkleError(f"leaf index {index} outside a tree of {count} leaves")
    sides: list[Side] = []
    width = count
    while width > 1:
        sibling = index ^ 1
        if sibling < width:
            sides.append("left" if sibling < index else "right")
        index //= 2
        width = (width + 1) // 2
    return sides


def root_from_proof(leaf: bytes, index: int, count: int, steps: list[ProofStep]) -> bytes:
    """Walk `steps` up from `leaf`; MerkleError if their number or sides do not fit `index` in `count` leaves."""
    sides = expected_sides(index, count)
    if [step.side for step in steps] != sides:
        raise MerkleError(f"path shape does not fit leaf {index} of {count}: expected sides {sides}, "
                          f"got {[step.side for step in steps]}")
    running = leaf
    for step in steps:
        running = node_hash(step.sibling, running) if step.side == "left" else node_hash(running, step.sibling)
    return running
