"""Per-position read depth and mapping counts from a BAM, in one pass over the reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

from genoflow.refdata import CHROM

_SKIP = 0x4 | 0x100 | 0x200 | 0x400 | 0x800  # unmapped, secondary, qc-fail, duplicate, supplementary


@dataclass(frozen=True)
class Coverage:
    depth: np.ndarray  # int32 per position, 0-based (depth[pos - 1])
    primary_reads: int
    mapped_reads: int

    @property
    def mapped_fraction(self) -> float:
        return self.mapped_reads / self.primary_reads if self.primary_reads else 0.0

    def save(self, path: Path) -> Path:
        np.savez_compressed(path, depth=np.minimum(self.depth, 65535).astype(np.uint16),
                            counts=np.array([self.primary_reads, self.mapped_reads], dtype=np.int64))
        return path

    def low_intervals(self, min_depth: int) -> list[tuple[int, int]]:
        """Maximal runs of positions below min_depth, as BED (0-based start, exclusive end)."""
        low = np.concatenate(([False], self.depth < min_depth, [False]))
        edges = np.flatnonzero(low[1:] != low[:-1])
        return list(zip(edges[::2].tolist(), edges[1::2].tolist()))

    def write_mask_bed(self, path: Path, min_depth: int) -> Path:
        """The low-coverage mask (positions below min_depth) as BED, for SNP distances that ignore gaps."""
        path.write_text("".join(f"{CHROM}\t{s}\t{e}\n" for s, e in self.low_intervals(min_depth)))
        return path

    @classmethod
    def load(cls, path: Path) -> "Coverage":
        with np.load(path) as z:
            return cls(z["depth"].astype(np.int32), int(z["counts"][0]), int(z["counts"][1]))


def coverage_from_bam(bam: Path, genome_length: int, min_mapping_quality: int) -> Coverage:
    starts: list[int] = []
    ends: list[int] = []
    primary = mapped = 0
    with pysam.AlignmentFile(str(bam)) as fh:
        for read in fh.fetch(until_eof=True):
            flag = read.flag
            if flag & 0x900:
                continue
            primary += 1
            if flag & _SKIP or read.reference_name != CHROM:
                continue
            mapped += 1
            if read.mapping_quality >= min_mapping_quality:
                starts.append(read.reference_start)
                ends.append(read.reference_end)
    diff = np.bincount(np.asarray(starts, dtype=np.int64), minlength=genome_length + 1)
    diff -= np.bincount(np.asarray(ends, dtype=np.int64), minlength=genome_length + 1)
    return Coverage(np.cumsum(diff[:genome_length]).astype(np.int32), primary, mapped)
