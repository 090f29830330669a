"""`genoflow profile` end to end: every input kind, QC verdicts, and nothing written for invalid input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pysam
import pytest
from typer.testing import CliRunner

from genoflow.cli import app
from genoflow.profile import PUBLISHED, SampleInput, profile_sample
from genoflow.refdata import CHROM, Reference
from genoflow.report import DRUGS, Report
from genoflow.settings import Thresholds

from .conftest import Simulated

REGIONAL = Thresholds(min_mean_depth=0, min_breadth_10x=0)  # regional simulations cover a few genes only


def _calls(report: Report) -> dict[str, str]:
    return {d.drug: d.call for d in report.drugs}


def test_fastq_pair_gives_every_output_and_a_valid_report(reference: Reference, planted_sample: Simulated,
                                                          tmp_path: Path) -> None:
    report = profile_sample(reference, SampleInput("P1", (planted_sample.r1, planted_sample.r2)), tmp_path,
                            thresholds=REGIONAL)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"P1{s}" for s in PUBLISHED)
    assert Report.read(tmp_path / "P1.report.json") == report
    assert report.qc.passed and report.qc.mapped_fraction > 0.98
    assert [d.drug for d in report.drugs] == sorted(DRUGS)
    calls = _calls(report)
    assert calls["rifampicin"] == "R" and calls["isoniazid"] == "R" and calls["pyrazinamide"] == "R"
    katg = next(e for d in report.drugs if d.drug == "isoniazid" for e in d.evidence if e.variant.startswith("katG"))
    assert katg.heteroresistant and 0.15 < katg.af < 0.45
    assert calls["levofloxacin"] == "F"  # gyrA was not sequenced: never S on missing data
    assert report.pipeline.parameters["min_depth"] == 10 and report.catalogue.name.lower().startswith("who")


def test_bam_input_is_realigned_and_gives_the_same_variants(reference: Reference, planted_sample: Simulated,
                                                            tmp_path: Path) -> None:
    from_fastq = profile_sample(reference, SampleInput("P1", (planted_sample.r1, planted_sample.r2)),
                                tmp_path / "fq", thresholds=REGIONAL)
    from_bam = profile_sample(reference, SampleInput("P1B", (planted_sample.bam,)), tmp_path / "bam",
                              thresholds=REGIONAL)
    assert from_bam.sample.input_type == "bam"
    key = lambda r: {(v.pos, v.ref, v.alt) for v in r.variants if v.filter == "PASS"}  # noqa: E731
    assert key(from_bam) == key(from_fastq)
    assert _calls(from_bam) == _calls(from_fastq)


def test_fasta_assembly_is_shredded_and_called(reference: Reference, tmp_path: Path) -> None:
    seq = reference.sequence
    start, end = 758_000, 765_000
    contig = seq[start - 1 : 761_154] + "T" + seq[761_155:end]  # rpoB S450L (761155 C>T)
    fasta = tmp_path / "assembly.fasta"
    fasta.write_text(f">contig1\n{contig}\n")
    report = profile_sample(reference, SampleInput("ASM1", (fasta,)), tmp_path / "out", thresholds=REGIONAL)
    assert report.sample.input_type == "fasta"
    assert [(v.pos, v.ref, v.alt) for v in report.variants if v.filter == "PASS"] == [(761155, "C", "T")]
    assert _calls(report)["rifampicin"] == "R"


def test_contaminant_reads_fail_qc_with_the_reason(reference: Reference, mirror: Path, tmp_path: Path) -> None:
    reads = tuple(sorted((mirror / "reads").glob("ERR12033846-800-Subset_R*_001.fastq.gz")))
    report = profile_sample(reference, SampleInput("PHIX", reads), tmp_path)
    assert not report.qc.passed
    assert any("map to H37Rv" in reason for reason in report.qc.reasons)
    assert {d.call for d in report.drugs} == {"F"}  # nothing determinable on a failed sample


def test_invalid_input_writes_nothing_for_that_sample(reference: Reference, planted_sample: Simulated,
                                                      tmp_path: Path) -> None:
    from genoflow.validate import InputError

    truncated = tmp_path / "bad_R1.fastq.gz"
    truncated.write_bytes(planted_sample.r1.read_bytes()[:5000])
    outdir = tmp_path / "out"
    with pytest.raises(InputError, match="bad_R1.fastq.gz"):
        profile_sample(reference, SampleInput("BAD", (truncated, planted_sample.r2)), outdir)
    assert not outdir.exists() or not any(outdir.iterdir())


def test_cli_profile_exits_zero_on_qc_failure_and_two_on_bad_input(reference: Reference, mirror: Path,
                                                                    tmp_path: Path) -> None:
    runner = CliRunner()
    reads = sorted((mirror / "reads").glob("ERR12033846-800-Subset_R*_001.fastq.gz"))
    args = ["profile", "--sample", "PHIX", "--outdir", str(tmp_path), "--data-dir", str(reference.data_dir)]
    ok = runner.invoke(app, [*args, "--reads", str(reads[0]), "--reads", str(reads[1])])
    assert ok.exit_code == 0, ok.output
    assert "QC FAIL" in ok.output and json.loads((tmp_path / "PHIX.report.json").read_text())["qc"]["pass"] is False
    empty = tmp_path / "empty.fastq.gz"
    with gzip.open(empty, "wb"):
        pass
    bad = runner.invoke(app, [*args[:2], "EMPTY", *args[3:], "--reads", str(empty)])
    assert bad.exit_code == 2 and "empty.fastq.gz" in bad.output
    assert not (tmp_path / "EMPTY.report.json").exists()


def test_vcf_header_is_deterministic(reference: Reference, planted_sample: Simulated, tmp_path: Path) -> None:
    first = profile_sample(reference, SampleInput("P1", (planted_sample.r1, planted_sample.r2)), tmp_path / "a",
                           thresholds=REGIONAL)
    second = profile_sample(reference, SampleInput("P1", (planted_sample.r1, planted_sample.r2)), tmp_path / "b",
                            thresholds=REGIONAL)
    assert first.to_json() == second.to_json()
    with pysam.VariantFile(str(tmp_path / "a" / "P1.vcf.gz")) as a, pysam.VariantFile(
        str(tmp_path / "b" / "P1.vcf.gz")
    ) as b:
        assert str(a.header) == str(b.header)
        assert [str(r) for r in a.fetch(CHROM)] == [str(r) for r in b.fetch(CHROM)]
