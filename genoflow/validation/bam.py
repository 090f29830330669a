"""Validate a BAM (unaligned or aligned) with pysam and count statistics over its primary reads."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pysam

from genoflow.validation.errors import InputError, is_transient_io_error
from genoflow.validation.readstats import ReadStats, StatsAccumulator, first_invalid_base

CHUNK_RECORDS = 8192
_NOT_PRIMARY = 0x100 | 0x800  # secondary, supplementary
_MAX_BAM_QUALITY = 93


@contextmanager
def _quiet_htslib() -> Iterator[None]:
    """htslib prints warnings to stderr and pysam warns about missing EOF markers: we report those ourselves."""
    previous = pysam.set_verbosity(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        pysam.set_verbosity(previous)


def validate_bam(path: Path) -> ReadStats:
    """Read every record of `path`; count primary reads (both mates of a pair). Raise InputError if damaged."""
    path = Path(path)
    stats = StatsAccumulator()
    sequences: list[str] = []
    qualities: list[bytes] = []
    records: list[int] = []  # 1-based record number of each collected read (for error messages)
    record = 0
    try:
        with _quiet_htslib(), pysam.AlignmentFile(str(path), "rb", check_sq=False) as bam:
            for record, segment in enumerate(bam.fetch(until_eof=True), start=1):
                if segment.flag & _NOT_PRIMARY:
                    continue
                sequence = segment.query_sequence
                if not sequence:
                    raise InputError(path, "read has no sequence stored (SEQ is '*')", record)
                sequences.append(sequence)
                quality = segment.query_qualities
                qualities.append(quality.tobytes() if quality is not None else b"")
                records.append(record)
                if len(sequences) == CHUNK_RECORDS:
                    _flush(path, stats, sequences, qualities, records)
    except OSError as exc:
        if is_transient_io_error(exc):
            raise  # the disk or network share failed, not the data: let the step retry
        _flush(path, stats, sequences, qualities, records)
        raise _damaged(path, exc, record) from exc
    except ValueError as exc:
        raise InputError(path, f"not a readable BAM file ({exc})") from exc
    _flush(path, stats, sequences, qualities, records)
    if stats.reads == 0:
        raise InputError(path, "BAM file holds no primary reads")
    return stats.result()


def _flush(path: Path, stats: StatsAccumulator, sequences: list[str], qualities: list[bytes],
           records: list[int]) -> None:
    if not sequences:
        return
    if not stats.add_sequences(len(sequences), "".join(sequences).encode("ascii")):
        for sequence, record in zip(sequences, records):
            position = first_invalid_base(sequence.encode("ascii"))
            if position is not None:
                raise InputError(path, f"invalid sequence character {sequence[position]!r} at base {position + 1}",
                                 record)
    if not stats.add_qualities(b"".join(qualities), 0, _MAX_BAM_QUALITY):
        for quality, record in zip(qualities, records):
            if quality and max(quality) > _MAX_BAM_QUALITY:
                raise InputError(path, f"base quality {max(quality)} is out of range (0..{_MAX_BAM_QUALITY})", record)
    sequences.clear()
    qualities.clear()
    records.clear()


def _damaged(path: Path, exc: OSError, last_record: int) -> InputError:
    message = str(exc)
    if "truncated" in message or "EOF marker" in message:
        readable = _readable_records(path)
        return InputError(path, "BAM file is truncated: the data ends inside this record (incomplete copy or "
                                "download)", readable + 1)
    if last_record == 0:
        return InputError(path, f"not a readable BAM file ({message})")
    return InputError(path, f"BAM data is corrupt ({message})", last_record + 1)


def _readable_records(path: Path) -> int:
    count = 0
    try:
        with _quiet_htslib(), pysam.AlignmentFile(str(path), "rb", check_sq=False, ignore_truncation=True) as bam:
            for _ in bam.fetch(until_eof=True):
                count += 1
    except (OSError, ValueError):
        pass
    return count
