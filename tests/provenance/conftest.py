"""Fixtures: a local IPFS block store per test and one real simnet registry (Clarity VM) per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from genoflow.ipfs import LocalBackend
from genoflow.provenance.publish import backend_label


@pytest.fixture
def ipfs(tmp_path: Path) -> LocalBackend:
    return LocalBackend(tmp_path / "ipfs")


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The data-registry contract in a simnet Node process (started once: 8-40 s on a busy machine)."""
    from genoflow.anchor import open_backend

    backend = open_backend("simnet", tmp_path_factory.mktemp("simnet"))
    yield backend
    backend.close()


class CountingRegistry:
    """Passes every call to `inner`, counting anchor() and lookup() calls."""

    def __init__(self, inner) -> None:
        self.inner, self.anchors, self.lookups = inner, 0, 0
        self.contract_id = inner.contract_id
        self.label = backend_label(inner)

    def anchor(self, *args):
        self.anchors += 1
        return self.inner.anchor(*args)

    def lookup(self, root):
        self.lookups += 1
        return self.inner.lookup(root)

    def close(self) -> None:
        """Shared registry: left open for the other tests."""


@pytest.fixture
def counting(registry) -> CountingRegistry:
    return CountingRegistry(registry)
