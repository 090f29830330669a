"""DNA sequence helpers shared by the simulator and the annotator."""

from __future__ import annotations

COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def revcomp(seq: str) -> str:
    """Reverse complement of an upper-case DNA string (N stays N)."""
    return seq.translate(COMPLEMENT)[::-1]
