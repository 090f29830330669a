"""A real js-ipfs node (npm `ipfs@0.66.1`, Kubo-compatible RPC) for the session, via ipfs-node/start.sh."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[2] / "ipfs-node"


@dataclass
class IpfsNode:
    """A test node whose repo lives in `home`; `stop()`/`start()` keep the repo and its API URL."""

    home: Path
    url: str = ""

    def start(self) -> str:
        done = subprocess.run([NODE_DIR / "start.sh", self.home], capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            pytest.fail(f"ipfs-node/start.sh failed (did `npm ci` run in ipfs-node/?):\n{done.stderr}")
        url = done.stdout.strip().splitlines()[-1]
        assert not self.url or url == self.url, "a restarted node must keep its API URL"
        self.url = url
        return url

    def stop(self) -> None:
        subprocess.run([NODE_DIR / "stop.sh", self.home], check=True, timeout=30)


@pytest.fixture(scope="session")
def ipfs_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IpfsNode]:
    node = IpfsNode(tmp_path_factory.mktemp("ipfs-node"))
    node.start()
    try:
        yield node
    finally:
        node.stop()
