"""Tell FASTQ, FASTA and BAM apart by content (magic bytes, first character after gunzip), not by name."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Literal

from genoflow.validation.errors import InputError

InputType = Literal["fastq", "bam", "fasta"]

GZIP_MAGIC = b"\x1f\x8b"
BAM_MAGIC = b"BAM\x01"
_OTHER_FORMATS = {
    b"BZh": "bzip2-compressed: recompress it with gzip",
    b"\xfd7zXZ": "xz-compressed: recompress it with gzip",
    b"\x28\xb5\x2f\xfd": "zstd-compressed: recompress it with gzip",
    b"CRAM": "a CRAM file: convert it to BAM (samtools view -b) first",
    b"PK\x03\x04": "a zip archive, not FASTQ/FASTA/BAM",
}
_HEAD_BYTES = 64 * 1024
# Bytes that never occur in FASTQ/FASTA text: NUL and other control characters, and anything beyond ASCII.
_TEXT_BYTES = bytes([9, 10, 13]) + bytes(range(32, 127))


def read_head(path: Path, size: int = _HEAD_BYTES) -> tuple[bytes, bool]:
    """Up to `size` bytes of the file's content (gunzipped if it is gzip) and whether it was gzip."""
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file")
    with path.open("rb") as handle:
        raw = handle.read(size)
    if raw[:2] != GZIP_MAGIC:
        return raw, False
    inflater = zlib.decompressobj(wbits=31)
    try:
        head = inflater.decompress(raw, size)
    except zlib.error as exc:
        raise InputError(path, f"gzip data is corrupt at the start of the file ({exc})") from exc
    if not head and len(raw) < size and not inflater.eof:
        raise InputError(path, "gzip file is truncated (it ends before any data)")
    return head, True


def is_binary(head: bytes) -> bool:
    return bool(head.translate(None, _TEXT_BYTES))


def sniff(path: Path) -> InputType:
    """The input type of one file, or InputError saying why it is none of them."""
    head, _ = read_head(path)
    if not head.strip():
        raise InputError(path, "file is empty" if not head else "file is empty (only blank lines)")
    if head.startswith(BAM_MAGIC):
        return "bam"
    for magic, what in _OTHER_FORMATS.items():
        if head.startswith(magic):
            raise InputError(path, f"file is {what}")
    if is_binary(head[:4096]):
        raise InputError(path, "file holds binary data, not FASTQ/FASTA text or BAM")
    first = head[:1]
    if first == b"@":
        return "fastq"
    if first == b">":
        return "fasta"
    first_line = head.splitlines()[0][:40].decode("ascii", "replace")
    raise InputError(path, f"not FASTQ or FASTA: the first line should start with '@' (FASTQ) or '>' (FASTA) "
                           f"but reads {first_line!r}", record=1)


def detect_input_type(paths: list[Path]) -> InputType:
    """One input type for a sample's files: FASTQ (1 file or an R1/R2 pair), one BAM or one FASTA."""
    if not paths:
        raise InputError(None, "no input files given")
    paths = [Path(p) for p in paths]
    types = [sniff(p) for p in paths]
    if len(set(types)) > 1:
        listing = ", ".join(f"{p} is {t.upper()}" for p, t in zip(paths, types))
        raise InputError(paths[-1], f"inputs of one sample must all be the same type ({listing})")
    kind = types[0]
    limit = 2 if kind == "fastq" else 1
    if len(paths) > limit:
        raise InputError(paths[-1], f"{len(paths)} {kind.upper()} files given; a sample takes at most {limit}")
    if len(paths) == 2 and paths[0].resolve() == paths[1].resolve():
        raise InputError(paths[1], "R1 and R2 are the same file")
    return kind
