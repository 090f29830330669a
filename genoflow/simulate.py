"""Honest synthetic reads: Illumina-like 2x150 pairs drawn from the real H37Rv sequence with planted variants.

Used by the tests, the demo batch and the benchmarks. Each fragment is cut from the reference, planted variants
inside it are applied (a variant with af < 1 independently per fragment, so both mates agree), then a
position-dependent base-quality profile decides sequencing errors, so qualities mean what they say.
"""

from __future__ import annotations

import bisect
import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genoflow.sequence import revcomp

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


@dataclass(frozen=True)
class PlantedVariant:
    """A variant to plant: 1-based pos, REF as in the reference, ALT, and the fraction of fragments carrying it."""

    pos: int
    ref: str
    alt: str
    af: float = 1.0


def _check_variants(sequence: str, variants: Sequence[PlantedVariant]) -> list[PlantedVariant]:
    for v in variants:
        actual = sequence[v.pos - 1 : v.pos - 1 + len(v.ref)]
        if actual != v.ref:
            raise ValueError(f"planted variant {v.pos} {v.ref}>{v.alt}: reference has {actual!r} there")
    return sorted(variants, key=lambda v: v.pos)


def _quality_profile(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Phred scores: high at the 5' end, decaying towards the 3' end, with per-base noise (2..41)."""
    cycle = np.arange(shape[1]) / shape[1]
    mean = 37.0 - 12.0 * cycle**3
    return np.clip(np.rint(rng.normal(mean, 3.0, size=shape)), 2, 41).astype(np.uint8)


def _add_errors(rng: np.random.Generator, reads: list[str], read_length: int) -> tuple[list[bytes], list[bytes]]:
    seqs = np.frombuffer("".join(reads).encode(), dtype=np.uint8).reshape(len(reads), read_length).copy()
    quals = _quality_profile(rng, seqs.shape)
    wrong = rng.random(seqs.shape) < 10.0 ** (-quals.astype(np.float64) / 10.0)
    substitutes = _BASES[rng.integers(0, 4, size=int(wrong.sum()))]
    same = substitutes == seqs[wrong]
    substitutes[same] = _BASES[(np.searchsorted(_BASES, substitutes[same]) + 1) % 4]
    seqs[wrong] = substitutes
    qual_chars = quals + 33
    return [row.tobytes() for row in seqs], [row.tobytes() for row in qual_chars]


def simulate_pairs(
    sequence: str,
    r1_path: Path,
    r2_path: Path,
    *,
    variants: Sequence[PlantedVariant] = (),
    regions: Sequence[tuple[int, int]] | None = None,
    depth: float = 30.0,
    read_length: int = 150,
    insert_mean: int = 350,
    insert_sd: int = 50,
    seed: int = 1,
    name: str = "sim",
    compresslevel: int = 1,
    batch: int = 20_000,
) -> int:
    """Write gzipped paired FASTQ covering `regions` (1-based inclusive; default: whole sequence) at ~`depth`.

    Returns the number of pairs written.
    """
    rng = np.random.default_rng(seed)
    planted = _check_variants(sequence, variants)
    starts = [v.pos - 1 for v in planted]
    spans = [(max(0, a - 1), min(len(sequence), b)) for a, b in (regions or [(1, len(sequence))])]
    lengths = np.array([b - a for a, b in spans], dtype=float)
    n_pairs = int(round(depth * lengths.sum() / (2 * read_length)))
    pad = insert_mean + 4 * insert_sd + max((len(v.ref) for v in planted), default=0)
    with gzip.open(r1_path, "wb", compresslevel=compresslevel) as f1, gzip.open(
        r2_path, "wb", compresslevel=compresslevel
    ) as f2:
        for first in range(0, n_pairs, batch):
            count = min(batch, n_pairs - first)
            which = rng.choice(len(spans), size=count, p=lengths / lengths.sum())
            inserts = np.maximum(read_length, rng.normal(insert_mean, insert_sd, size=count).astype(int))
            r1s: list[str] = []
            r2s: list[str] = []
            for k in range(count):
                lo, hi = spans[which[k]]
                size = int(inserts[k])
                start = int(rng.integers(max(0, lo - size + read_length), max(lo + 1, hi - read_length + 1)))
                fragment = sequence[start : start + size + pad]
                for i in range(bisect.bisect_right(starts, start + len(fragment)) - 1, -1, -1):
                    v = planted[i]
                    offset = v.pos - 1 - start
                    if offset < 0:  # a deletion that began upstream removes this fragment's first bases
                        if offset + len(v.ref) > 0 and len(v.alt) < len(v.ref) and (v.af >= 1.0 or rng.random() < v.af):
                            fragment = fragment[offset + len(v.ref) :]
                        break
                    if v.af >= 1.0 or rng.random() < v.af:
                        fragment = fragment[:offset] + v.alt + fragment[offset + len(v.ref) :]
                fragment = fragment[:size]
                if len(fragment) < read_length:
                    fragment = sequence[len(sequence) - size :]
                if rng.random() < 0.5:
                    fragment = revcomp(fragment)
                r1s.append(fragment[:read_length])
                r2s.append(revcomp(fragment)[:read_length])
            for out, reads, mate in ((f1, r1s, 1), (f2, r2s, 2)):
                seqs, quals = _add_errors(rng, reads, read_length)
                out.write(
                    b"".join(
                        b"@%s.%d/%d\n%s\n+\n%s\n" % (name.encode(), first + k, mate, s, q)
                        for k, (s, q) in enumerate(zip(seqs, quals))
                    )
                )
    return n_pairs


def shred(sequence: str, *, fragment: int = 250, step: int = 10) -> list[tuple[str, str]]:
    """Tile a sequence into overlapping error-free (name, seq) fragments on both strands (assembly input)."""
    out: list[tuple[str, str]] = []
    last = max(1, len(sequence) - fragment + 1)
    for i, start in enumerate(range(0, last, step)):
        piece = sequence[start : start + fragment]
        out.append((f"shred{i}", piece if i % 2 == 0 else revcomp(piece)))
    return out
