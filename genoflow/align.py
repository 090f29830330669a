"""Alignment: minimap2 (short-read preset) to a coordinate-sorted, indexed BAM with a read group."""

from __future__ import annotations

from pathlib import Path

import pysam

from genoflow.refdata import Reference
from genoflow.tools import run_pipeline


def align_reads(
    reference: Reference,
    reads: list[Path],
    bam: Path,
    sample_id: str,
    *,
    threads: int = 2,
    sort_memory: str = "768M",
) -> Path:
    """Map single or paired FASTQ (or a single FASTA of shredded contigs) and write `bam` + `bam.bai`."""
    read_group = f"@RG\\tID:{sample_id}\\tSM:{sample_id}\\tPL:ILLUMINA"
    tmp_prefix = str(bam.with_suffix(".sorttmp"))
    run_pipeline(
        [
            ["minimap2", "-a", "-x", "sr", "-t", str(threads), "-R", read_group, str(reference.mmi),
             *map(str, reads)],
            ["samtools", "sort", "-@", str(max(1, threads - 1)), "-m", sort_memory, "-T", tmp_prefix,
             "-o", str(bam), "-"],
        ]
    )
    pysam.index(str(bam))
    return bam


def bam_to_fastq(bam: Path, outdir: Path, threads: int = 2) -> list[Path]:
    """Reads of an input BAM back to FASTQ (paired when the BAM holds pairs), for re-alignment to H37Rv."""
    r1, r2, single = outdir / "from_bam_R1.fastq.gz", outdir / "from_bam_R2.fastq.gz", outdir / "from_bam.fastq.gz"
    run_pipeline(
        [
            ["samtools", "collate", "-u", "-O", "-@", str(threads), str(bam), str(outdir / "collate")],
            ["samtools", "fastq", "-F", "0x900", "-1", str(r1), "-2", str(r2), "-0", str(single),
             "-s", "/dev/null", "-n", "-"],
        ]
    )
    paired = [r1, r2] if r1.exists() and r1.stat().st_size > 28 else []
    return paired or [single]
