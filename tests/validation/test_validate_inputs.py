"""Input type detection, BAM and FASTA validation (files made with pysam), sample IDs."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pysam
import pytest
from validation_helpers import Fastq, plain_stats

from genoflow.validate import (InputError, check_unique_ids, detect_input_type, validate_bam, validate_fasta,
                               validate_fastq, validate_inputs, validate_sample_id)


def write_unaligned_bam(path: Path, r1: Fastq, r2: Fastq) -> Path:
    """An unaligned paired BAM of the reads (the layout sequencers and `samtools import` produce)."""
    header = {"HD": {"VN": "1.6", "SO": "unsorted"}, "RG": [{"ID": "rg1", "SM": "S1"}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for record1, record2 in zip(r1.records, r2.records):
            for record, flag in ((record1, 77), (record2, 141)):
                segment = pysam.AlignedSegment(bam.header)
                segment.query_name = record[0][1:].split()[0].decode()
                segment.flag = flag
                segment.query_sequence = record[1].decode()
                segment.query_qualities = pysam.qualitystring_to_array(record[3].decode())
                segment.set_tag("RG", "rg1")
                bam.write(segment)
    return path


@pytest.fixture()
def tiny_reads(tiny_pair) -> tuple[Fastq, Fastq]:
    return Fastq.read(tiny_pair[0]), Fastq.read(tiny_pair[1])


def test_unaligned_bam_gives_the_same_stats_as_its_fastq(tmp_path, tiny_pair, tiny_reads):
    bam = write_unaligned_bam(tmp_path / "reads.bam", *tiny_reads)
    input_type, stats = validate_inputs([bam])
    assert input_type == "bam"
    assert stats == validate_fastq(*tiny_pair)
    expected = plain_stats(*tiny_reads)
    assert (stats.reads, stats.bases) == (expected["reads"], expected["bases"])


def test_aligned_bam_counts_primary_reads_only(tmp_path, tiny_reads):
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "NC_000962.3", "LN": 4411532}]}
    path = tmp_path / "aligned.bam"
    reads = tiny_reads[0].records
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for index, record in enumerate(reads):
            for flag in (0, 256):  # a primary and a secondary alignment of each read
                segment = pysam.AlignedSegment(bam.header)
                segment.query_name = f"r{index}"
                segment.flag = flag
                segment.reference_id = 0
                segment.reference_start = 1000 + index
                segment.mapping_quality = 60
                segment.cigarstring = f"{len(record[1])}M"
                segment.query_sequence = record[1].decode()
                segment.query_qualities = pysam.qualitystring_to_array(record[3].decode())
                bam.write(segment)
    stats = validate_bam(path)
    expected = plain_stats(tiny_reads[0])
    assert (stats.reads, stats.bases) == (5, expected["bases"])
    assert stats.mean_quality == pytest.approx(expected["mean_quality"])


def test_truncated_and_garbage_bam(tmp_path, contaminant_pair):
    r1, r2 = Fastq.read(contaminant_pair[0]), Fastq.read(contaminant_pair[1])
    data = write_unaligned_bam(tmp_path / "full.bam", r1, r2).read_bytes()
    truncated = tmp_path / "truncated.bam"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="BAM file is truncated") as caught:
        validate_inputs([truncated])
    assert caught.value.path == truncated and 1 < caught.value.record < 1600
    garbage = tmp_path / "garbage.bam"
    garbage.write_bytes(gzip.compress(b"BAM\x01" + bytes(range(256)) * 40))
    with pytest.raises(InputError) as caught:
        validate_inputs([garbage])
    assert caught.value.path == garbage and "BAM" in caught.value.problem


@pytest.fixture(scope="session")
def h37rv(mirror: Path) -> pysam.FastaFile:
    return pysam.FastaFile(str(mirror / "reference" / "NC_000962.3.fasta.gz"))


def test_fasta_assembly_contigs_validate(tmp_path, h37rv):
    contigs = {"rpoB_region": h37rv.fetch("NC_000962.3", 759_000, 764_000),
               "katG_region": h37rv.fetch("NC_000962.3", 2_153_000, 2_157_000)}
    text = tmp_path / "assembly.fa"
    text.write_text("".join(f">{name} len={len(seq)}\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60))
                            + "\n" for name, seq in contigs.items()))
    pysam.tabix_compress(str(text), str(tmp_path / "assembly.fa.gz"))
    pysam.faidx(str(tmp_path / "assembly.fa.gz"))  # a bgzipped, indexed FASTA as assemblers' tools write
    joined = "".join(contigs.values())
    input_type, stats = validate_inputs([tmp_path / "assembly.fa.gz"])
    assert input_type == "fasta"
    assert (stats.reads, stats.bases, stats.mean_quality) == (2, 9000, 0.0)
    assert stats.gc_content == pytest.approx(sum(joined.count(b) for b in "GC") / len(joined))


def test_fasta_problems(tmp_path):
    path = tmp_path / "bad.fa"
    path.write_text(">c1\nACGT\n>c2\nAC1T\n")
    with pytest.raises(InputError, match=r"record 2: invalid sequence character '1' at base 3"):
        validate_fasta(path)
    path.write_text(">c1\nACGT\n>empty\n>c3\nACGT\n")
    with pytest.raises(InputError, match=r"record 2: contig 'empty' has no sequence"):
        validate_fasta(path)


def test_detect_input_type_by_content(tmp_path, tiny_pair, tiny_reads):
    misnamed = tiny_reads[0].write(tmp_path / "reads.bam")  # FASTQ text despite the name
    assert detect_input_type([misnamed]) == "fastq"
    assert detect_input_type(list(tiny_pair)) == "fastq"
    bam = write_unaligned_bam(tmp_path / "x.fastq.gz", *tiny_reads)
    assert detect_input_type([bam]) == "bam"
    fasta = tmp_path / "x.txt"
    fasta.write_text(">c\nACGT\n")
    assert detect_input_type([fasta]) == "fasta"
    with pytest.raises(InputError, match="must all be the same type"):
        detect_input_type([tiny_pair[0], fasta])
    with pytest.raises(InputError, match="3 FASTQ files given"):
        detect_input_type([tiny_pair[0], tiny_pair[1], misnamed])
    with pytest.raises(InputError, match="R1 and R2 are the same file"):
        detect_input_type([tiny_pair[0], tiny_pair[0]])
    compressed = tmp_path / "reads.fastq.bz2"
    compressed.write_bytes(bz2.compress(tiny_reads[0].text()))
    with pytest.raises(InputError, match="bzip2-compressed: recompress it with gzip"):
        detect_input_type([compressed])
    with pytest.raises(InputError, match="file not found"):
        detect_input_type([tmp_path / "missing.fq"])
    with pytest.raises(InputError, match="no input files"):
        detect_input_type([])


@pytest.mark.parametrize("sample_id", ["S1", "ERR12033846", "TB-2024_07.a", "x" * 64])
def test_safe_sample_ids_pass(sample_id):
    assert validate_sample_id(sample_id) == sample_id


@pytest.mark.parametrize("sample_id, problem", [
    ("", "is empty"),
    ("../etc", "path separator"),
    ("a/b", "path separator"),
    ("a\\b", "path separator"),
    ("a..b", "contains '..'"),
    (".hidden", "starts with '.'"),
    ("S 1", "whitespace"),
    ("S\t1", "whitespace"),
    ("S\x001", "control character"),
    ("x" * 65, "65 characters long"),
    ("S1;rm", "contains ';'"),
    ("Probe\u00e9", "contains 'é'"),
])
def test_unsafe_sample_ids_fail(sample_id, problem):
    with pytest.raises(InputError) as caught:
        validate_sample_id(sample_id, source="sheet.csv")
    assert problem in caught.value.problem and repr(sample_id) in str(caught.value)
    assert str(caught.value).startswith("sheet.csv: ")


def test_duplicate_sample_ids():
    check_unique_ids(["A", "B", "C"], "batch.csv")
    with pytest.raises(InputError) as caught:
        check_unique_ids(["A", "B", "A"], "batch.csv")
    assert str(caught.value) == "batch.csv: record 3: duplicate sample ID 'A' (first used at entry 1)"
