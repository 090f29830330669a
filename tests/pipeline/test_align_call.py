"""Alignment and calling on simulated reads from the real H37Rv sequence with planted SNVs and indels."""

from __future__ import annotations

from pathlib import Path

import pysam
import pytest

from genoflow.align import align_reads
from genoflow.call import _binomial_qual, call_variants
from genoflow.coverage import Coverage, coverage_from_bam
from genoflow.refdata import CHROM, Reference
from genoflow.settings import Thresholds

from .conftest import PLANTED, REGIONS, Simulated


@pytest.fixture(scope="module")
def called(reference: Reference, planted_sample: Simulated):
    workdir = planted_sample.workdir / "call"
    workdir.mkdir(exist_ok=True)
    vcf = workdir / "P1.vcf.gz"
    return vcf, call_variants(reference, planted_sample.bam, vcf, workdir, Thresholds())


def test_bam_is_sorted_indexed_with_read_group(planted_sample: Simulated) -> None:
    with pysam.AlignmentFile(str(planted_sample.bam)) as bam:
        assert bam.header["HD"]["SO"] == "coordinate"
        assert bam.header["RG"][0]["SM"] == "P1"
        assert bam.check_index()
        positions = [r.reference_start for r in bam.fetch(CHROM) if not r.is_unmapped]
        assert positions == sorted(positions)
        assert all(r.get_tag("RG") == "P1" for r in bam.head(100))


def test_every_planted_variant_is_recovered_with_its_allele_frequency(called) -> None:
    _, variants = called
    found = {(v.pos, v.ref, v.alt): v for v in variants}
    for planted in PLANTED:
        v = found.get((planted.pos, planted.ref, planted.alt))
        assert v is not None, f"planted {planted} not called; got {sorted(found)}"
        assert v.filter == "PASS"
        assert abs(v.af - planted.af) < 0.15, (planted, v.af)
        assert v.minority is (planted.af < 0.75)


def test_no_false_positive_calls_inside_simulated_regions(called) -> None:
    _, variants = called
    planted = {(p.pos, p.ref, p.alt) for p in PLANTED}
    extra = [v for v in variants if v.filter == "PASS" and (v.pos, v.ref, v.alt) not in planted]
    assert extra == []


def test_vcf_is_indexed_normalised_and_marks_minority(called) -> None:
    vcf, variants = called
    assert Path(str(vcf) + ".tbi").exists()
    with pysam.VariantFile(str(vcf)) as fh:
        records = list(fh.fetch(CHROM, 2155160, 2155170))
        assert [(r.pos, r.ref, r.alts[0]) for r in records] == [(2155168, "C", "G")]
        assert records[0].info["MINORITY"] is True
        assert len(list(fh.fetch(CHROM))) == len(variants)


def test_coverage_counts_depth_and_mapping(reference: Reference, planted_sample: Simulated, tmp_path: Path) -> None:
    coverage = coverage_from_bam(planted_sample.bam, len(reference.sequence), 20)
    assert coverage.mapped_fraction > 0.98
    for start, end in REGIONS:
        middle = (start + end) // 2
        assert 50 < coverage.depth[middle - 1] < 130
    assert coverage.depth[1_000_000] == 0
    again = Coverage.load(coverage.save(tmp_path / "d.npz"))
    assert (again.depth == coverage.depth).all() and again.mapped_reads == coverage.mapped_reads


def test_tiny_real_reads_map(reference: Reference, mirror: Path, tmp_path: Path) -> None:
    reads = [mirror / "reads" / "tinysra_S1_R1_X.fastq.gz", mirror / "reads" / "tinysra_S1_R2_X.fastq.gz"]
    bam = align_reads(reference, reads, tmp_path / "tiny.bam", "tiny")
    coverage = coverage_from_bam(bam, len(reference.sequence), 0)
    assert coverage.primary_reads == 10 and coverage.mapped_reads == 10


def test_contaminant_reads_do_not_map(reference: Reference, mirror: Path, tmp_path: Path) -> None:
    reads = sorted((mirror / "reads").glob("ERR12033846-800-Subset_R*_001.fastq.gz"))
    bam = align_reads(reference, reads, tmp_path / "phix.bam", "phix")
    coverage = coverage_from_bam(bam, len(reference.sequence), 20)
    assert coverage.primary_reads == 1600 and coverage.mapped_fraction < 0.01


def test_minority_quality_score_grows_with_evidence() -> None:
    assert _binomial_qual(0, 50) == 0.0
    assert _binomial_qual(2, 100) < 20 < _binomial_qual(10, 100) < _binomial_qual(30, 100)


def test_planted_large_deletion_has_no_reads(reference: Reference, tmp_path: Path) -> None:
    from genoflow.simulate import PlantedVariant, simulate_pairs

    start, end = 2_153_889, 2_156_111  # katG
    deletion = PlantedVariant(start - 1, reference.sequence[start - 2 : end], reference.sequence[start - 2])
    r1, r2 = tmp_path / "d_R1.fastq.gz", tmp_path / "d_R2.fastq.gz"
    simulate_pairs(reference.sequence, r1, r2, variants=[deletion], regions=[(start - 3000, end + 3000)], depth=40)
    coverage = coverage_from_bam(align_reads(reference, [r1, r2], tmp_path / "d.bam", "d"), len(reference.sequence), 20)
    assert coverage.depth[start + 200 : end - 200].max() == 0
    assert coverage.depth[start - 1500] > 15 and coverage.depth[end + 1500] > 15


def test_low_coverage_mask_is_bed_of_maximal_runs(tmp_path: Path) -> None:
    import numpy as np

    coverage = Coverage(np.array([0, 0, 12, 15, 3, 11, 10, 9, 9], dtype=np.int32), 10, 10)
    assert coverage.low_intervals(10) == [(0, 2), (4, 5), (7, 9)]
    bed = coverage.write_mask_bed(tmp_path / "m.bed", 10).read_text().splitlines()
    assert bed == [f"{CHROM}\t0\t2", f"{CHROM}\t4\t5", f"{CHROM}\t7\t9"]


def test_split_multiallelic_site_keeps_the_site_depth(tmp_path: Path) -> None:
    from genoflow.call import _alleles

    header = pysam.VariantHeader()
    header.contigs.add(CHROM, length=100)
    for fid, number in (("AD", "R"), ("ADF", "R"), ("ADR", "R"), ("DP", 1)):
        header.formats.add(fid, number, "Integer", fid)
    header.add_sample("s")
    path = tmp_path / "split.vcf"
    with pysam.VariantFile(str(path), "w", header=header) as out:  # as `bcftools norm -m -any` leaves it
        for alt, ad in (("C", (10, 5)), ("G", (10, 85))):
            rec = out.new_record(contig=CHROM, start=9, alleles=("A", alt))
            rec.samples["s"]["AD"], rec.samples["s"]["DP"] = ad, 100
            rec.samples["s"]["ADF"], rec.samples["s"]["ADR"] = (5, ad[1] // 2), (5, ad[1] - ad[1] // 2)
            out.write(rec)
    alleles = {a.alt: a for a in _alleles(path)}
    assert alleles["C"].depth == 100 and alleles["C"].alt_depth == 5  # AF 0.05, not 5/15
    assert alleles["G"].depth == 100 and alleles["G"].alt_depth == 85
