"""Fixtures: a local IPFS block store per test and one anchor registry per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from genoflow.ipfs import LocalBackend


@pytest.fixture
def ipfs(tmp_path: Path) -> LocalBackend:
    return LocalBackend(tmp_path / "ipfs")
