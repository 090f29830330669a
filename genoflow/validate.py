"""Input validation before anything is written for a sample: safe sample IDs, input type by content, and a
streaming check of FASTQ (single or R1/R2), BAM or FASTA that also yields the read statistics for QC.

Every problem is an `InputError` with one line: '<file>: record <n>: <problem>'.
"""

from __future__ import annotations

from pathlib import Path

from genoflow.validation.bam import validate_bam
from genoflow.validation.errors import InputError
from genoflow.validation.fasta import validate_fasta
from genoflow.validation.fastq import validate_fastq
from genoflow.validation.readstats import ReadStats
from genoflow.validation.sample_ids import check_unique_ids, validate_sample_id
from genoflow.validation.sniff import InputType, detect_input_type

__all__ = [
    "InputError", "InputType", "ReadStats", "check_unique_ids", "detect_input_type", "validate_bam",
    "validate_fasta", "validate_fastq", "validate_inputs", "validate_sample_id",
]


def validate_inputs(paths: list[Path]) -> tuple[InputType, ReadStats]:
    """Detect the input type of a sample's files and validate them; return (input_type, stats)."""
    paths = [Path(p) for p in paths]
    input_type = detect_input_type(paths)
    if input_type == "fastq":
        return input_type, validate_fastq(*paths)
    if input_type == "bam":
        return input_type, validate_bam(paths[0])
    return input_type, validate_fasta(paths[0])
