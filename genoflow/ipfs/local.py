"""`local://` backend: an embedded content-addressed directory of IPFS blocks.

Layout under the root directory: `blocks/<last 2 chars of CID>/<CID>` holds each block's bytes, and
`pins/<CID>` marks a pinned root (its text is the filename given to `add`, if any). Blocks are written
atomically, leaves before the root, so a root block present means its whole DAG is present.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from genoflow.atomic import write_atomic

from .base import CidNotFound, PinError, checked_cid
from .car import write_car
from .unixfs import RAW, Block, build_file_dag, cid_str, cid_to_bytes, dag_pb_links


class LocalBackend:
    """Blocks and pins in a directory; CIDs identical to `ipfs add --cid-version=1 --raw-leaves`."""

    name = "local"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.url = f"local://{self.root.resolve()}"
        try:
            (self.root / "blocks").mkdir(parents=True, exist_ok=True)
            (self.root / "pins").mkdir(exist_ok=True)
        except OSError as exc:
            raise PinError(f"{self.url}: cannot create the block store ({exc.strerror})") from None

    def _block_path(self, cid: str) -> Path:
        return self.root / "blocks" / cid[-2:] / cid

    def add(self, data: bytes, *, filename: str | None = None) -> str:
        root, blocks = build_file_dag(data)
        for block in blocks:
            self._write(self._block_path(cid_str(block.cid)), block.data)
        self._write(self.root / "pins" / root, (filename or "").encode())
        return root

    def pin(self, cid: str) -> None:
        cid = checked_cid(cid, self.url)
        if not self.has(cid):
            raise CidNotFound(f"{self.url}: cannot pin {cid}: not in this store (local backend never fetches)")
        self._write(self.root / "pins" / cid, b"")

    def has(self, cid: str) -> bool:
        return self._block_path(checked_cid(cid, self.url)).is_file()

    def pinned(self) -> list[str]:
        """CIDs pinned in this store, sorted."""
        return sorted(p.name for p in (self.root / "pins").iterdir() if not p.name.startswith("."))

    def cat(self, cid: str, *, timeout: float = 10.0) -> bytes:
        """File bytes of `cid` (local reads never wait, so `timeout` is unused)."""
        return b"".join(block.data for block in self.blocks(cid, unique=False) if block.is_raw)

    def blocks(self, cid: str, *, unique: bool = True) -> Iterator[Block]:
        """The DAG under `cid` depth-first, each block before its children (CAR order), leaves in file order.

        With `unique=False` a block linked twice (repeated chunks) is yielded each time, as `cat` needs.
        """
        stack = [cid_to_bytes(checked_cid(cid, self.url))]
        seen: set[bytes] = set()
        while stack:
            binary = stack.pop()
            if unique and binary in seen:
                continue
            seen.add(binary)
            text = cid_str(binary)
            try:
                data = self._block_path(text).read_bytes()
            except FileNotFoundError:
                raise CidNotFound(f"{self.url}: block {text} of {cid} is not in this store") from None
            yield Block(binary, data)
            if binary[1] != RAW:
                stack.extend(reversed(dag_pb_links(data)))

    def export_car(self, cid: str, path: Path | str) -> Path:
        """Write the DAG of `cid` as a CARv1 file with `cid` as its single root."""
        return write_car(Path(path), cid_to_bytes(checked_cid(cid, self.url)), self.blocks(cid))

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():
            return
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise PinError(f"{self.url}: cannot write {path.name} ({exc.strerror})") from None
