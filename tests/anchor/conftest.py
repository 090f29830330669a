"""Fixtures for the anchor tests. They need Node 20 and `cd contracts && npm ci`: without node_modules they
fail with that instruction rather than skip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from genoflow.anchor.node import contracts_dir
from tests.anchor.fake_stacks_node import FakeStacksNode


@pytest.fixture(scope="session")
def project() -> Path:
    return contracts_dir()


@pytest.fixture(scope="module")
def fake_node(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeStacksNode]:
    with FakeStacksNode(project, tmp_path_factory.mktemp("fake-node")) as node:
        yield node


def new_stacks_key() -> str:
    """A fresh secp256k1 private key in Stacks' hex form (32 bytes + 01 = compressed public key)."""
    secret = ec.generate_private_key(ec.SECP256K1()).private_numbers().private_value
    return secret.to_bytes(32, "big").hex() + "01"
