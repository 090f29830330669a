"""Stream-validate FASTQ (plain or gzip), single or R1/R2 pair, and count read statistics.

dnaio's C parser checks the record structure (four lines, '@' and '+', sequence and quality lengths) and
reports line numbers; this module adds base/quality alphabets, R1/R2 pairing and the statistics. Per-read
Python work is limited to collecting each record's strings; everything per base runs over joined chunks.
Memory stays constant: one chunk of records per file at a time.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from pathlib import Path

import dnaio
from dnaio.exceptions import FileFormatError

from genoflow.validation.errors import InputError, is_transient_io_error
from genoflow.validation.readstats import ReadStats, StatsAccumulator, first_invalid_base
from genoflow.validation.sniff import read_head, sniff

CHUNK_RECORDS = 512  # records per file held at once; small chunks stay in CPU cache (faster than 2k-8k here)
_QUALITY_LOW, _QUALITY_HIGH = ord("!"), ord("~")
_DNAIO_PREFIX = re.compile(r"^Error in FASTQ file at (?:line \d+|unknown line): ")
_first = itemgetter(0)


def _decompression_errors() -> tuple[type[BaseException], ...]:
    """Exceptions the gzip back-ends xopen may use (zlib, ISA-L, zlib-ng) raise for damaged data."""
    errors: list[type[BaseException]] = [EOFError, zlib.error, gzip.BadGzipFile]
    try:
        from isal.isal_zlib import error as isal_error
        errors.append(isal_error)
    except ImportError:
        pass
    try:
        from zlib_ng.zlib_ng import error as zlib_ng_error
        errors.append(zlib_ng_error)
    except ImportError:
        pass
    return tuple(errors)


DECOMPRESSION_ERRORS = _decompression_errors()


def validate_fastq(r1: Path, r2: Path | None = None) -> ReadStats:
    """Validate a FASTQ file or an R1/R2 pair in one streaming pass; return totals over all reads.

    Raises InputError ('<file>: record <n>: <problem>') for the first problem found.
    """
    files = [Path(r1)] + ([Path(r2)] if r2 is not None else [])
    for path in files:
        _require_fastq(path)
    if len(files) == 2 and files[0].resolve() == files[1].resolve():
        raise InputError(files[1], "R1 and R2 are the same file")
    stats = StatsAccumulator()
    _scan(files, stats)
    return stats.result()


def _require_fastq(path: Path) -> None:
    kind = sniff(path)
    if kind != "fastq":
        raise InputError(path, f"not FASTQ: this is a {kind.upper()} file")


# --- the two scans ------------------------------------------------------------------------------------------

@dataclass
class _Chunk:
    """Strings of up to CHUNK_RECORDS records per file; sequences/qualities interleave the files (R1, R2, ...)."""

    files: list[Path]
    first_record: int = 1  # 1-based record number (per file) of the chunk's first record
    sequences: list[str] = field(default_factory=list)
    qualities: list[str] = field(default_factory=list)

    def record_of(self, index: int) -> tuple[Path, int]:
        """File and record number of the `index`-th string in `sequences` / `qualities`."""
        return self.files[index % len(self.files)], self.first_record + index // len(self.files)

    def flush(self, stats: StatsAccumulator) -> None:
        """Check the alphabets and add the chunk to `stats`; start the next chunk."""
        sequences = "".join(self.sequences).encode("ascii")
        if not stats.add_sequences(len(self.sequences), sequences):
            self._raise_invalid_base()
        if not stats.add_qualities("".join(self.qualities).encode("ascii"), _QUALITY_LOW, _QUALITY_HIGH):
            self._raise_invalid_quality()
        self.first_record += len(self.sequences) // len(self.files)
        self.sequences.clear()
        self.qualities.clear()

    def _raise_invalid_base(self) -> None:
        for index, sequence in enumerate(self.sequences):
            position = first_invalid_base(sequence.encode("ascii"))
            if position is not None:
                path, record = self.record_of(index)
                raise InputError(path, f"invalid sequence character {sequence[position]!r} at base {position + 1} "
                                       "(expected A, C, G, T, N or another IUPAC code)", record)
        raise AssertionError("a chunk failed the base check but no record has an invalid base")

    def _raise_invalid_quality(self) -> None:
        for index, quality in enumerate(self.qualities):
            for position, char in enumerate(quality):
                if not "!" <= char <= "~":
                    path, record = self.record_of(index)
                    raise InputError(path, f"invalid quality character {char!r} (byte {ord(char)}) at base "
                                           f"{position + 1}: FASTQ qualities must be '!'..'~' (Phred+33)", record)
        raise AssertionError("a chunk failed the quality check but no record has an invalid quality")


def _scan(files: list[Path], stats: StatsAccumulator) -> None:
    """One pass over a file or an R1/R2 pair; library errors become InputErrors naming file and record."""
    chunk = _Chunk(files)
    try:
        with ExitStack() as stack:
            readers = [stack.enter_context(dnaio.open(path, fileformat="fastq", open_threads=1)) for path in files]
            if len(readers) == 1:
                _read_single(readers[0], chunk, stats)
            else:
                _read_pair(readers[0], readers[1], chunk, stats)
    except (FileFormatError, *DECOMPRESSION_ERRORS, OSError) as exc:
        if is_transient_io_error(exc):
            raise  # the disk or network share failed, not the data: let the step retry
        chunk.flush(stats)  # a problem in an earlier record is reported first
        if len(files) == 1:
            raise _library_error(files[0], exc) from exc
        for path in files:  # which file failed: each alone gives the precise error
            _scan([path], StatsAccumulator())
        raise InputError(files[0], f"cannot read the pair ({exc})") from exc
    if stats.reads == 0:
        raise InputError(files[0], "file holds no reads")


def _read_single(reader: dnaio.SingleEndReader, chunk: _Chunk, stats: StatsAccumulator) -> None:
    add_sequence, add_quality = chunk.sequences.append, chunk.qualities.append
    records = iter(reader)
    while True:
        for record in islice(records, CHUNK_RECORDS):
            add_sequence(record.sequence)
            add_quality(record.qualities)
        complete = len(chunk.sequences) == CHUNK_RECORDS
        chunk.flush(stats)
        if not complete:
            return


def _read_pair(reader1: dnaio.SingleEndReader, reader2: dnaio.SingleEndReader, chunk: _Chunk,
               stats: StatsAccumulator) -> None:
    r1, r2 = chunk.files
    add_sequence, add_quality = chunk.sequences.append, chunk.qualities.append
    names1: list[str] = []
    names2: list[str] = []
    add_name1, add_name2 = names1.append, names2.append
    records1, records2 = iter(reader1), iter(reader2)
    while True:
        for record1, record2 in zip(islice(records1, CHUNK_RECORDS), records2):
            add_sequence(record1.sequence)
            add_sequence(record2.sequence)
            add_quality(record1.qualities)
            add_quality(record2.qualities)
            add_name1(record1.name)
            add_name2(record2.name)
        pairs = len(names1)
        _check_names(r1, r2, names1, names2, chunk.first_record)
        chunk.flush(stats)
        names1.clear()
        names2.clear()
        if pairs < CHUNK_RECORDS:
            break
    deque(records1, maxlen=0)  # one file ended: read (and so validate) what is left of the other
    deque(records2, maxlen=0)
    if reader1.number_of_records != reader2.number_of_records:
        _raise_count_mismatch(r1, r2, reader1.number_of_records, reader2.number_of_records)


def _raise_count_mismatch(r1: Path, r2: Path, count1: int, count2: int) -> None:
    shorter = r1 if count1 < count2 else r2
    raise InputError(shorter, f"R1/R2 read counts differ: {r1.name} has {count1} reads, {r2.name} has {count2} "
                              "(a file is truncated, or the two files are not a pair)")


# --- R1/R2 read names ---------------------------------------------------------------------------------------

def pair_key(name: str) -> str:
    """The part of a read name both mates share: up to the first whitespace, without a trailing /1 or /2."""
    parts = name.split(maxsplit=1)
    read_id = parts[0] if parts else ""
    return read_id[:-2] if read_id.endswith(("/1", "/2")) else read_id


def _joined_pair_keys(names: list[str]) -> str:
    try:
        ids = "\n".join(map(_first, map(str.split, names))) + "\n"
    except IndexError:  # an empty read name
        return "\n".join(map(pair_key, names)) + "\n"
    return ids.replace("/1\n", "\n").replace("/2\n", "\n")


def _check_names(r1: Path, r2: Path, names1: list[str], names2: list[str], first_record: int) -> None:
    if names1 == names2 or _joined_pair_keys(names1) == _joined_pair_keys(names2):
        return
    for offset, (name1, name2) in enumerate(zip(names1, names2)):
        if pair_key(name1) != pair_key(name2):
            raise InputError(r2, f"read name {pair_key(name2)!r} does not match {pair_key(name1)!r} in {r1.name} "
                                 "(the files are not a pair, or reads are out of order)", first_record + offset)
    raise AssertionError("joined pair keys differ but no pair of names does")


# --- reading records and translating library errors ---------------------------------------------------------

def _library_error(path: Path, exc: Exception) -> InputError:
    """An InputError for an exception dnaio or a gzip back-end raised while reading `path`."""
    if isinstance(exc, FileFormatError):
        return _format_error(path, exc)
    if isinstance(exc, DECOMPRESSION_ERRORS):
        return _decompression_error(path)
    return InputError(path, f"cannot read the file ({getattr(exc, 'strerror', None) or exc})")


def _format_error(path: Path, exc: FileFormatError) -> InputError:
    if _gzip_damage(path) is not None:  # garbage from a damaged gzip stream: report the cause, not the symptom
        return _decompression_error(path)
    message = _DNAIO_PREFIX.sub("", str(exc))
    line = getattr(exc, "line", None)
    if line is None and "Non-ASCII" in message:
        line = _first_non_ascii_line(path)
    record = line // 4 + 1 if line is not None else None
    lines = _record_lines(path, record) if record is not None else []
    return InputError(path, _explain(message, lines), record)


def _explain(message: str, lines: list[bytes]) -> str:
    """dnaio's message in words a lab tech can act on (using the record's own lines where that helps)."""
    def shown(index: int) -> str:
        return repr(lines[index][:40].decode("ascii", "replace")) if len(lines) > index else "nothing"

    if message.startswith("Length of sequence and qualities differ") and len(lines) == 4:
        return (f"sequence has {len(lines[1])} bases but quality has {len(lines[3])} characters "
                "(sequence/quality length mismatch)")
    if message.startswith("Line expected to start with '@'"):
        return f"expected a read header starting with '@' but found {shown(0)} (not FASTQ, or a record has extra or missing lines)"
    if message.startswith("Line expected to start with '+'"):
        return f"expected the '+' separator line after the sequence but found {shown(2)} (not FASTQ, or a record is broken)"
    if message.startswith("Sequence descriptions don't match"):
        return f"the '+' line names a different read than the header ({shown(2)} vs {shown(0)})"
    if message.startswith("Premature end of file"):
        return "file ends in the middle of a record (truncated file)"
    if "Non-ASCII" in message:
        return "contains non-ASCII (binary) bytes: not FASTQ text, or the file is damaged"
    return message.splitlines()[0]


def _decompression_error(path: Path) -> InputError:
    damage = _gzip_damage(path)
    if damage is None:
        return InputError(path, "the file could not be decompressed (unknown gzip error)")
    if damage.truncated:
        return InputError(path, "gzip file is truncated: the data ends inside this record (incomplete download "
                                "or copy)", damage.complete_lines // 4 + 1)
    return InputError(path, f"gzip data is corrupt ({damage.reason}): the file was damaged, copy or download it again")


@dataclass(frozen=True)
class _GzipDamage:
    truncated: bool
    reason: str
    complete_lines: int  # lines of intact text before the damage


_ZLIB_REASONS = {"incorrect data check": "CRC check failed", "incorrect length check": "length check failed",
                 "incorrect header check": "bytes that are not gzip data follow or interrupt the stream"}


def _gzip_damage(path: Path) -> _GzipDamage | None:
    """Decompress all of `path` with zlib: None if it is not gzip or is intact, else where and why it breaks."""
    _, compressed = read_head(path, 2)
    if not compressed:
        return None
    lines = 0
    inflater = zlib.decompressobj(wbits=31)
    member_open = False  # bytes fed to the current gzip member and its end not reached yet
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            while block:
                try:
                    lines += inflater.decompress(block).count(b"\n")
                except zlib.error as exc:
                    reason = str(exc).split(": ", 1)[-1]
                    return _GzipDamage(False, _ZLIB_REASONS.get(reason, reason), lines)
                member_open = not inflater.eof
                block = b""
                if inflater.eof:  # the next gzip member (concatenated files) starts in unused_data
                    block = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
    return _GzipDamage(True, "truncated", lines) if member_open else None


def _open_text(path: Path):
    _, compressed = read_head(path, 2)
    return gzip.open(path, "rb") if compressed else path.open("rb")


def _first_non_ascii_line(path: Path) -> int | None:
    with _open_text(path) as stream:
        for index, line in enumerate(stream):
            if not line.isascii():
                return index
    return None


def _record_lines(path: Path, record: int) -> list[bytes]:
    """The (up to four) raw lines of 1-based `record`, assuming four lines per record before it."""
    try:
        with _open_text(path) as stream:
            return [line.rstrip(b"\r\n") for line in islice(stream, 4 * (record - 1), 4 * record)]
    except (EOFError, zlib.error, OSError):
        return []

