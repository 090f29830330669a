"""CIDs and UnixFS file DAGs exactly as `ipfs add --cid-version=1 --raw-leaves` builds them.

Layout (Kubo and js-ipfs defaults): the file is cut into 256 KiB chunks, each stored as a raw block
(codec 0x55); a file of one chunk *is* that raw block. Longer files get a balanced tree of dag-pb
(codec 0x70) nodes with at most 174 links each; every dag-pb node carries UnixFS `Data{Type=File,
filesize, blocksizes[]}` and links `{Hash, Name="", Tsize}`. All hashes are sha2-256. CIDs are written as
CIDv1 in base32 ("bafk..." for raw, "bafy..." for dag-pb). The protobuf writer/reader here covers just
those two messages.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from multiformats import CID

CHUNK_SIZE = 256 * 1024
MAX_LINKS = 174
RAW = 0x55
DAG_PB = 0x70
_SHA2_256 = 0x12
_UNIXFS_FILE = 2


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128 varint (protobuf, multiformats, CAR framing)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Read a varint at `pos`; returns (value, next position)."""
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def cid_bytes(codec: int, block: bytes) -> bytes:
    """Binary CIDv1 of `block` under `codec`, sha2-256 multihash."""
    return b"\x01" + encode_varint(codec) + bytes([_SHA2_256, 32]) + hashlib.sha256(block).digest()


def cid_str(binary: bytes) -> str:
    """Base32 (multibase 'b') text form of a binary CIDv1."""
    return "b" + base64.b32encode(binary).decode("ascii").lower().rstrip("=")


def cid_to_bytes(cid: str) -> bytes:
    """Binary CIDv1 of any CID text (v0 `Qm...` is converted to v1 dag-pb)."""
    return bytes(CID.decode(cid).set(version=1))


def normalise_cid(cid: str) -> str:
    """Any CID text (CIDv0, base58btc/base36/... CIDv1) as base32 CIDv1; ValueError if not a CID."""
    try:
        return cid_str(cid_to_bytes(cid.strip()))
    except Exception as exc:  # multiformats raises several unrelated types
        raise ValueError(f"not a CID: {cid!r} ({exc})") from None


def _field_bytes(field: int, payload: bytes) -> bytes:
    return encode_varint(field << 3 | 2) + encode_varint(len(payload)) + payload


def _field_varint(field: int, value: int) -> bytes:
    return encode_varint(field << 3) + encode_varint(value)


@dataclass(frozen=True)
class Block:
    """One IPFS block: binary CID and bytes."""

    cid: bytes
    data: bytes

    @property
    def is_raw(self) -> bool:
        return self.cid[1] == RAW


@dataclass(frozen=True)
class _Child:
    cid: bytes
    filesize: int  # bytes of file content under this child
    tsize: int  # cumulative block bytes under this child (dag-pb Tsize)


def _file_node(children: list[_Child]) -> Block:
    unixfs = _field_varint(1, _UNIXFS_FILE) + _field_varint(3, sum(c.filesize for c in children))
    unixfs += b"".join(_field_varint(4, c.filesize) for c in children)
    links = b"".join(
        _field_bytes(2, _field_bytes(1, c.cid) + _field_bytes(2, b"") + _field_varint(3, c.tsize))
        for c in children
    )
    data = links + _field_bytes(1, unixfs)
    return Block(cid_bytes(DAG_PB, data), data)


def build_file_dag(data: bytes) -> tuple[str, list[Block]]:
    """(root CID, blocks with leaves first and the root last) for the file `data`."""
    leaves = [data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)] or [b""]
    blocks = [Block(cid_bytes(RAW, chunk), chunk) for chunk in leaves]
    if len(blocks) == 1:
        return cid_str(blocks[0].cid), blocks
    level = [_Child(b.cid, len(b.data), len(b.data)) for b in blocks]
    while len(level) > 1:
        parents: list[_Child] = []
        for i in range(0, len(level), MAX_LINKS):
            group = level[i : i + MAX_LINKS]
            node = _file_node(group)
            blocks.append(node)
            parents.append(_Child(node.cid, sum(c.filesize for c in group), len(node.data) + sum(c.tsize for c in group)))
        level = parents
    return cid_str(blocks[-1].cid), blocks


def cid_of(data: bytes) -> str:
    """CID that `ipfs add --cid-version=1 --raw-leaves` gives `data` (base32 CIDv1)."""
    return build_file_dag(data)[0]


def dag_pb_links(block: bytes) -> list[bytes]:
    """Binary CIDs linked from a dag-pb block, in order."""
    links: list[bytes] = []
    for field, value in _iter_fields(block):
        if field == 2:
            links.extend(v for f, v in _iter_fields(value) if f == 1)
    return links


def _iter_fields(buf: bytes) -> Iterator[tuple[int, bytes]]:
    """(field number, payload) of the length-delimited fields of a protobuf message; skips varints."""
    pos = 0
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        wire = key & 7
        if wire == 0:
            _, pos = decode_varint(buf, pos)
        elif wire == 2:
            size, pos = decode_varint(buf, pos)
            if pos + size > len(buf):
                raise ValueError("truncated protobuf field")
            yield key >> 3, buf[pos : pos + size]
            pos += size
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
