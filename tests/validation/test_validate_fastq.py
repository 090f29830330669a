"""FASTQ validation on the real reads in the mirror, and on bad files made from them."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from genoflow.validate import InputError, validate_fastq, validate_inputs
from genoflow.validation import fastq as fastq_module

from validation_helpers import Fastq, plain_stats


def assert_stats_match(stats, expected: dict[str, float]) -> None:
    assert stats.reads == expected["reads"]
    assert stats.bases == expected["bases"]
    assert stats.mean_length == pytest.approx(expected["mean_length"])
    assert stats.mean_quality == pytest.approx(expected["mean_quality"])
    assert stats.gc_content == pytest.approx(expected["gc_content"])


def raises_input_error(path: Path, record: int | None, problem: str, *files: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        validate_fastq(*files)
    error = caught.value
    assert error.path == path, str(error)
    assert error.record == record, str(error)
    assert problem in error.problem, str(error)
    assert str(error).startswith(f"{path}: " + (f"record {record}: " if record is not None else ""))
    assert "\n" not in str(error)
    return error


# --- real reads -------------------------------------------------------------------------------------------

def test_tiny_real_pair_validates_with_independent_counts(tiny_pair):
    r1, r2 = tiny_pair
    expected = plain_stats(Fastq.read(r1), Fastq.read(r2))
    assert expected["reads"] == 10 and (expected["min_length"], expected["max_length"]) == (123, 151)
    input_type, stats = validate_inputs([r1, r2])
    assert input_type == "fastq"
    assert_stats_match(stats, expected)


def test_contaminant_reads_are_valid_fastq(contaminant_pair):
    r1, r2 = contaminant_pair
    expected = plain_stats(Fastq.read(r1), Fastq.read(r2))
    stats = validate_fastq(r1, r2)
    assert stats.reads == 1600
    assert_stats_match(stats, expected)


def test_single_end_and_plain_text_and_crlf(tmp_path, contaminant_pair):
    reads = Fastq.read(contaminant_pair[0])
    expected = plain_stats(reads)
    assert_stats_match(validate_fastq(contaminant_pair[0]), expected)
    plain = reads.write(tmp_path / "reads.txt")  # content decides, not the extension
    assert validate_inputs([plain])[0] == "fastq"
    crlf = tmp_path / "crlf.fastq"
    crlf.write_bytes(reads.text().replace(b"\n", b"\r\n"))
    assert_stats_match(validate_fastq(crlf), expected)


@pytest.mark.parametrize("name1, name2", [
    (b"@X:1:2/1", b"@X:1:2/2"),
    (b"@X:1:2 1:N:0:ACGT", b"@X:1:2 2:N:0:ACGT"),
    (b"@X:1:2\tcomment one", b"@X:1:2\tcomment two"),
    (b"@X:1:2/1 1:N:0", b"@X:1:2/2 2:N:0"),
])
def test_mate_name_conventions_pair(tmp_path, tiny_pair, name1, name2):
    r1, r2 = Fastq.read(tiny_pair[0]), Fastq.read(tiny_pair[1])
    for index, (record1, record2) in enumerate(zip(r1.records, r2.records)):
        record1[0] = name1.replace(b"X", b"R%d" % index)
        record2[0] = name2.replace(b"X", b"R%d" % index)
        record1[2] = record2[2] = b"+"
    stats = validate_fastq(r1.write(tmp_path / "a_R1.fq.gz"), r2.write(tmp_path / "a_R2.fq.gz"))
    assert stats.reads == 10


# --- bad inputs -------------------------------------------------------------------------------------------

@pytest.fixture()
def good(contaminant_pair) -> tuple[Fastq, Fastq]:
    return Fastq.read(contaminant_pair[0]), Fastq.read(contaminant_pair[1])


def test_truncated_gzip_names_the_record_where_data_stops(tmp_path, good):
    data = gzip.compress(good[0].text(), mtime=0)
    cut = data[: len(data) // 2]
    path = tmp_path / "cut_R1.fastq.gz"
    path.write_bytes(cut)
    readable = zlib.decompressobj(wbits=31).decompress(cut)
    complete_records = readable.count(b"\n") // 4
    raises_input_error(path, complete_records + 1, "gzip file is truncated", path)


def test_gzip_crc_error(tmp_path, good):
    data = bytearray(gzip.compress(good[0].text(), mtime=0))
    data[-8] ^= 0xFF  # first byte of the CRC32 trailer
    path = tmp_path / "crc_R1.fastq.gz"
    path.write_bytes(bytes(data))
    error = raises_input_error(path, None, "gzip data is corrupt", path)
    assert "CRC" in error.problem


def test_non_fastq_text(tmp_path):
    path = tmp_path / "samples.fastq"
    path.write_text("sample,r1,r2\nS1,a.fq,b.fq\n")
    raises_input_error(path, 1, "not FASTQ or FASTA", path)


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.fastq.gz"
    path.write_bytes(gzip.compress(bytes(range(256)) * 64))
    raises_input_error(path, None, "binary data", path)


@pytest.mark.parametrize("content", [b"", gzip.compress(b""), b"\n\n"])
def test_empty_files(tmp_path, content):
    path = tmp_path / "empty.fastq.gz"
    path.write_bytes(content)
    raises_input_error(path, None, "file is empty", path)


def test_sequence_quality_length_mismatch(tmp_path, good):
    reads = good[0].copy()
    reads.records[36][3] = reads.records[36][3][:-1]
    path = reads.write(tmp_path / "short_qual.fastq.gz")
    raises_input_error(path, 37, "sequence has 150 bases but quality has 149 characters", path)


@pytest.mark.parametrize("record, char", [(12, b" "), (700, b"\x7f")])  # 700: beyond the first chunk
def test_invalid_quality_character(tmp_path, good, record, char):
    reads = good[0].copy()
    quality = reads.records[record - 1][3]
    reads.records[record - 1][3] = quality[:10] + char + quality[11:]
    path = reads.write(tmp_path / "badqual.fastq.gz")
    error = raises_input_error(path, record, "invalid quality character", path)
    assert repr(char.decode()) in error.problem and "base 11" in error.problem


def test_invalid_sequence_character_in_r2(tmp_path, good):
    r1, r2 = good[0], good[1].copy()
    r2.records[4][1] = b"ACGJ" + r2.records[4][1][4:]
    p1, p2 = r1.write(tmp_path / "s_R1.fq.gz"), r2.write(tmp_path / "s_R2.fq.gz")
    raises_input_error(p2, 5, "invalid sequence character 'J' at base 4", p1, p2)


def test_non_ascii_byte(tmp_path, good):
    reads = good[0].copy()
    reads.records[20][1] = b"AC\xc3\xa9" + reads.records[20][1][4:]
    path = reads.write(tmp_path / "accent.fastq.gz")
    raises_input_error(path, 21, "non-ASCII", path)


def test_missing_line_breaks_record_structure(tmp_path, good):
    reads = good[0].copy()
    del reads.records[9][2]  # record 10 loses its '+' line: its quality becomes the separator
    path = reads.write(tmp_path / "noplus.fastq")
    raises_input_error(path, 10, "expected the '+' separator line", path)


def test_plus_line_with_another_name(tmp_path, tiny_pair):
    reads = Fastq.read(tiny_pair[0])
    reads.records[2][2] = b"+someone_else"
    path = reads.write(tmp_path / "plus.fastq")
    raises_input_error(path, 3, "the '+' line names a different read", path)


def test_file_ending_inside_a_record(tmp_path, good):
    path = tmp_path / "cut.fastq"
    text = good[0].text()
    path.write_bytes(text[: text.index(b"\n+", len(text) - 400)])  # ends after a sequence line
    raises_input_error(path, 800, "ends in the middle of a record", path)


def test_read_counts_differ(tmp_path, good):
    r1, r2 = good[0], good[1].copy()
    del r2.records[-3:]
    p1, p2 = r1.write(tmp_path / "c_R1.fq.gz"), r2.write(tmp_path / "c_R2.fq.gz")
    error = raises_input_error(p2, None, "R1/R2 read counts differ", p1, p2)
    assert "c_R1.fq.gz has 800 reads, c_R2.fq.gz has 797" in error.problem
    p1, p2 = r2.write(tmp_path / "d_R1.fq.gz"), r1.write(tmp_path / "d_R2.fq.gz")  # R1 the shorter one
    raises_input_error(p1, None, "d_R1.fq.gz has 797 reads, d_R2.fq.gz has 800", p1, p2)


def test_pair_swapped_with_another_samples_r2_fails_on_names(tmp_path, contaminant_pair, tiny_pair):
    sample_a = Fastq(Fastq.read(contaminant_pair[0]).records[:5])  # 5 pairs, as many as the tiny sample
    p1 = sample_a.write(tmp_path / "A_R1.fastq.gz")
    error = raises_input_error(tiny_pair[1], 1, "does not match", p1, tiny_pair[1])
    assert "'ERR4586795.1'" in error.problem and "'ERR12033846.64'" in error.problem


@pytest.mark.parametrize("record", [100, 600])  # 600: beyond the first chunk
def test_reads_out_of_order(tmp_path, good, record):
    r2 = good[1].copy()
    r2.records[record - 1], r2.records[record] = r2.records[record], r2.records[record - 1]
    p1, p2 = good[0].write(tmp_path / "o_R1.fq.gz"), r2.write(tmp_path / "o_R2.fq.gz")
    raises_input_error(p2, record, "does not match", p1, p2)


def test_trailing_digit_is_not_a_mate_suffix(tmp_path, tiny_pair):
    r1, r2 = Fastq.read(tiny_pair[0]), Fastq.read(tiny_pair[1])
    for index, (record1, record2) in enumerate(zip(r1.records, r2.records)):
        record1[0], record2[0] = b"@read%d1" % index, b"@read%d2" % index
        record1[2] = record2[2] = b"+"
    p1, p2 = r1.write(tmp_path / "t_R1.fq"), r2.write(tmp_path / "t_R2.fq")
    raises_input_error(p2, 1, "'read02' does not match 'read01'", p1, p2)


def test_same_file_twice_and_fasta_as_fastq(tmp_path, tiny_pair):
    raises_input_error(tiny_pair[0], None, "R1 and R2 are the same file", tiny_pair[0], tiny_pair[0])
    fasta = tmp_path / "contigs.fa"
    fasta.write_text(">c1\nACGT\n")
    raises_input_error(fasta, None, "not FASTQ: this is a FASTA file", fasta)


def test_earliest_problem_in_a_chunk_is_reported(tmp_path, good):
    reads = good[0].copy()
    reads.records[5][1] = b"J" + reads.records[5][1][1:]     # record 6: bad base
    reads.records[8][3] = reads.records[8][3][:-1]            # record 9: structural error raised by the parser
    path = reads.write(tmp_path / "two.fastq")
    raises_input_error(path, 6, "invalid sequence character", path)


def test_chunk_size_does_not_change_stats(monkeypatch, contaminant_pair):
    expected = validate_fastq(*contaminant_pair)
    monkeypatch.setattr(fastq_module, "CHUNK_RECORDS", 7)
    assert validate_fastq(*contaminant_pair) == expected
