"""Read statistics accumulated over chunks of joined bytes with numpy and bytes methods (no per-base Python)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# IUPAC nucleotide codes, either case. '.' and '-' are not bases in reads.
VALID_BASES = b"ACGTNRYSWKMBDHVacgtnryswkmbdhv"
_LOWER = 0x20  # OR-ing an ASCII letter with this gives its lower case
_G, _C, _A, _T = (ord(ch) for ch in "gcat")


@dataclass(frozen=True)
class ReadStats:
    """Totals over every read of the input (both files of a pair).

    `mean_quality` is the mean Phred base quality (0 when the input has no qualities, e.g. FASTA);
    `gc_content` is (G+C)/(A+C+G+T) as a fraction, ambiguous bases not counted.
    """

    reads: int
    bases: int
    mean_length: float
    mean_quality: float
    gc_content: float


def first_invalid_base(sequence: bytes) -> int | None:
    """Index of the first byte of `sequence` that is not an IUPAC base, or None."""
    if not sequence.translate(None, VALID_BASES):
        return None
    return next(i for i, byte in enumerate(sequence) if byte not in VALID_BASES)


class StatsAccumulator:
    """Running totals; feed it chunks, then call `result()`."""

    def __init__(self) -> None:
        self.reads = 0
        self.bases = 0
        self._gc = 0
        self._acgt = 0
        self._quality_sum = 0
        self._quality_bases = 0

    def add_sequences(self, reads: int, sequences: bytes) -> bool:
        """Count `reads` reads whose sequences are joined in `sequences`; False if a byte is not a base."""
        if sequences.translate(None, VALID_BASES):
            return False
        codes = np.frombuffer(sequences, dtype=np.uint8) | _LOWER
        gc = int(np.count_nonzero(codes == _G)) + int(np.count_nonzero(codes == _C))
        self._gc += gc
        self._acgt += gc + int(np.count_nonzero(codes == _A)) + int(np.count_nonzero(codes == _T))
        self.reads += reads
        self.bases += len(sequences)
        return True

    def add_qualities(self, qualities: bytes, offset: int, highest: int) -> bool:
        """Add joined quality bytes (Phred + `offset`); False if one is outside offset..highest."""
        if not qualities:
            return True
        values = np.frombuffer(qualities, dtype=np.uint8)
        if values.min() < offset or values.max() > highest:
            return False
        self._quality_sum += int(values.sum(dtype=np.uint64)) - offset * len(values)
        self._quality_bases += len(values)
        return True

    def result(self) -> ReadStats:
        return ReadStats(
            reads=self.reads,
            bases=self.bases,
            mean_length=self.bases / self.reads if self.reads else 0.0,
            mean_quality=self._quality_sum / self._quality_bases if self._quality_bases else 0.0,
            gc_content=self._gc / self._acgt if self._acgt else 0.0,
        )
