"""CARv1 files (https://ipld.io/specs/transport/car/carv1/): a dag-cbor header `{roots, version: 1}`
followed by varint-framed `CID ‖ block` sections. Enough to export one DAG and read it back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from .unixfs import Block, cid_str, decode_varint, encode_varint


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * width):
            return bytes([major << 5 | info]) + value.to_bytes(width, "big")
    raise ValueError("CBOR length too large")


def _cbor_text(text: str) -> bytes:
    raw = text.encode()
    return _cbor_head(3, len(raw)) + raw


def car_header(root: bytes) -> bytes:
    """dag-cbor `{"roots": [root], "version": 1}` (keys in dag-cbor canonical order), varint-framed."""
    cid_link = _cbor_head(6, 42) + _cbor_head(2, len(root) + 1) + b"\x00" + root
    body = _cbor_head(5, 2) + _cbor_text("roots") + _cbor_head(4, 1) + cid_link + _cbor_text("version") + _cbor_head(0, 1)
    return encode_varint(len(body)) + body


def write_car(path: Path, root: bytes, blocks: Iterable[Block]) -> Path:
    """Write a CARv1 file with one root and the given blocks (in the order given)."""
    path = Path(path)
    with path.open("wb") as out:
        out.write(car_header(root))
        for block in blocks:
            out.write(encode_varint(len(block.cid) + len(block.data)) + block.cid + block.data)
    return path


def read_car(path: Path) -> tuple[str, list[Block]]:
    """(root CID, blocks) of a CARv1 file of CIDv1 sha2-256 blocks, each checked against its hash;
    ValueError naming the file and the problem."""
    buf = Path(path).read_bytes()
    try:
        size, pos = decode_varint(buf, 0)
        header = buf[pos : pos + size]
        marker = header.find(b"\xd8\x2a")  # tag 42 = the first (only) root CID link
        if marker < 0 or not header.endswith(_cbor_text("version") + b"\x01"):
            raise ValueError("header is not a CARv1 header with one root")
        cid_len, start = _cbor_len(header, marker + 2)
        root = header[start + 1 : start + cid_len]  # skip the 0x00 multibase-identity prefix
        pos += size
        blocks: list[Block] = []
        while pos < len(buf):
            size, pos = decode_varint(buf, pos)
            section = buf[pos : pos + size]
            if len(section) != size:
                raise ValueError("truncated block section")
            if section[0] != 1 or section[2] != 0x12 or section[3] != 32:
                raise ValueError(f"block {len(blocks)} is not a CIDv1 sha2-256 block")
            block = Block(section[:36], section[36:])  # v1 ‖ codec (1 byte) ‖ 0x12 ‖ 32 ‖ digest
            if hashlib.sha256(block.data).digest() != block.cid[4:]:
                raise ValueError(f"block {cid_str(block.cid)} does not match its hash")
            blocks.append(block)
            pos += size
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{path}: not a readable CARv1 file ({exc})") from None
    return cid_str(root), blocks


def _cbor_len(buf: bytes, pos: int) -> tuple[int, int]:
    info = buf[pos] & 0x1F
    if info < 24:
        return info, pos + 1
    width = 1 << (info - 24)
    return int.from_bytes(buf[pos + 1 : pos + 1 + width], "big"), pos + 1 + width
