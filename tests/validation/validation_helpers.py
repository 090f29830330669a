"""FASTQ files as record lists, written and parsed the plain way (independent of genoflow)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Fastq:
    """One FASTQ file as a list of records, each [header, sequence, plus, quality] (bytes, no newlines)."""

    records: list[list[bytes]]

    @classmethod
    def read(cls, path: Path) -> Fastq:
        with gzip.open(path, "rb") as handle:
            lines = handle.read().splitlines()
        return cls([lines[i:i + 4] for i in range(0, len(lines), 4)])

    def text(self) -> bytes:
        return b"".join(b"\n".join(record) + b"\n" for record in self.records)

    def write(self, path: Path) -> Path:
        data = self.text()
        path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
        return path

    def copy(self) -> Fastq:
        return Fastq([list(record) for record in self.records])


def plain_stats(*fastqs: Fastq) -> dict[str, float]:
    """Read statistics computed the straightforward way, independently of genoflow."""
    reads = bases = quality = gc = acgt = 0
    lengths = []
    for fastq in fastqs:
        for _, sequence, _, qualities in fastq.records:
            reads += 1
            bases += len(sequence)
            lengths.append(len(sequence))
            quality += sum(q - 33 for q in qualities)
            gc += sum(1 for base in sequence.upper() if base in b"GC")
            acgt += sum(1 for base in sequence.upper() if base in b"ACGT")
    return {"reads": reads, "bases": bases, "mean_length": bases / reads, "mean_quality": quality / bases,
            "gc_content": gc / acgt, "min_length": min(lengths), "max_length": max(lengths)}
