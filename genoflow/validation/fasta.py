"""Validate a FASTA assembly: contigs count as 'reads'; there are no base qualities."""

from __future__ import annotations

from pathlib import Path

import dnaio
from dnaio.exceptions import FileFormatError

from genoflow.validation.errors import InputError
from genoflow.validation.fastq import DECOMPRESSION_ERRORS
from genoflow.validation.readstats import ReadStats, StatsAccumulator, first_invalid_base
from genoflow.validation.sniff import sniff


def validate_fasta(path: Path) -> ReadStats:
    """Check every contig (record = contig number) and return totals; mean_quality is 0."""
    path = Path(path)
    kind = sniff(path)
    if kind != "fasta":
        raise InputError(path, f"not FASTA: this is a {kind.upper()} file")
    stats = StatsAccumulator()
    contig = 0
    try:
        with dnaio.open(path, fileformat="fasta", open_threads=0) as reader:
            for contig, record in enumerate(reader, start=1):
                sequence = record.sequence.encode("ascii")
                if not sequence:
                    raise InputError(path, f"contig {record.name.split(maxsplit=1)[0]!r} has no sequence", contig)
                if not stats.add_sequences(1, sequence):
                    position = first_invalid_base(sequence)
                    raise InputError(path, f"invalid sequence character {chr(sequence[position])!r} at base "
                                           f"{position + 1} (expected A, C, G, T, N or another IUPAC code)", contig)
    except FileFormatError as exc:
        raise InputError(path, f"not valid FASTA ({exc})", contig + 1) from exc
    except UnicodeError as exc:
        raise InputError(path, "contains non-ASCII (binary) bytes: not FASTA text, or the file is damaged",
                         contig + 1) from exc
    except EOFError as exc:
        raise InputError(path, "gzip file is truncated: the data ends inside this contig", contig + 1) from exc
    except DECOMPRESSION_ERRORS as exc:
        raise InputError(path, f"gzip data is corrupt ({exc}): copy or download the file again") from exc
    return stats.result()
