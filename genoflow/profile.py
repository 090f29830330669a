"""`genoflow profile`: one sample from reads to report, as plain steps the Prefect tasks wrap one by one.

validate -> align -> call (+ coverage) -> assess (QC, annotation, resistance) -> publish outputs.
Steps hand each other files in a per-sample work directory; only `publish` puts files in the output directory,
each by an atomic rename, so an invalid or failed sample leaves nothing behind in `outdir`.
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from genoflow import __version__
from genoflow.align import align_reads, bam_to_fastq
from genoflow.call import call_variants
from genoflow.coverage import Coverage, coverage_from_bam
from genoflow.qc import qc_report
from genoflow.refdata import CHROM, Reference, sha256_file
from genoflow.report import InputFile, Pipeline, Report, Sample, Variant
from genoflow.settings import Thresholds
from genoflow.simulate import shred
from genoflow.tools import version
from genoflow.validate import ReadStats, validate_inputs, validate_sample_id


ANALYSIS_FILES = (".bam", ".bam.bai", ".vcf.gz", ".vcf.gz.tbi", ".depth.npz")  # made by align and call
PUBLISHED = (*ANALYSIS_FILES, ".mask.bed", ".report.html", ".report.json")  # report.json last: marks completion


@dataclass(frozen=True)
class SampleInput:
    """What a sample sheet row (or the profile command line) says about one sample."""

    sample_id: str
    reads: tuple[Path, ...]
    batch_id: str | None = None
    collection_date: date | None = None
    site: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Validated:
    sample: Sample
    input_type: str
    stats: ReadStats
    reads: tuple[Path, ...]


@dataclass(frozen=True)
class Called:
    bam: Path
    vcf: Path
    coverage: Path
    variants: list[Variant] = field(hash=False)


def validate(inp: SampleInput) -> Validated:
    """Check the sample ID and stream-validate its input files (raises validate.InputError)."""
    sample_id = validate_sample_id(inp.sample_id)
    input_type, stats = validate_inputs(list(inp.reads))
    inputs = [InputFile(name=p.name, sha256=sha256_file(p), bytes=p.stat().st_size) for p in inp.reads]
    sample = Sample(sample_id=sample_id, input_type=input_type, inputs=inputs, batch_id=inp.batch_id,
                    collection_date=inp.collection_date, site=inp.site, country=inp.country)
    return Validated(sample, input_type, stats, tuple(inp.reads))


def _reads_for(v: Validated, workdir: Path, threads: int) -> list[Path]:
    """Reads as minimap2 takes them: FASTQ as given, BAM converted back, assemblies shredded to fragments."""
    if v.input_type == "bam":
        return bam_to_fastq(v.reads[0], workdir, threads)
    if v.input_type == "fasta":
        import pysam

        shredded = workdir / "assembly.shredded.fasta"
        with pysam.FastxFile(str(v.reads[0])) as fh, open(shredded, "w") as out:
            for contig in fh:
                for name, seq in shred(contig.sequence.upper()):
                    out.write(f">{contig.name}.{name}\n{seq}\n")
        return [shredded]
    return list(v.reads)


def align(reference: Reference, v: Validated, workdir: Path, threads: int = 2) -> Path:
    return align_reads(reference, _reads_for(v, workdir, threads), workdir / f"{v.sample.sample_id}.bam",
                       v.sample.sample_id, threads=threads)


def call(reference: Reference, bam: Path, workdir: Path, thresholds: Thresholds, threads: int = 2) -> Called:
    """Variant calling (bcftools, in subprocesses) while coverage is computed here, in parallel."""
    sample_id = bam.stem
    with ThreadPoolExecutor(max_workers=1) as pool:
        variants = pool.submit(call_variants, reference, bam, workdir / f"{sample_id}.vcf.gz", workdir, thresholds,
                               threads=threads)
        coverage = coverage_from_bam(bam, len(reference.sequence), thresholds.min_mapping_quality)
        coverage_path = coverage.save(workdir / f"{sample_id}.depth.npz")
        return Called(bam, workdir / f"{sample_id}.vcf.gz", coverage_path, variants.result())


def assess(reference: Reference, v: Validated, called: Called, thresholds: Thresholds,
           catalogue_version: str = "who2023") -> Report:
    """QC verdict, annotation, per-drug resistance calls and WHO category: the finished report."""
    from genoflow.resistance import annotate, load_catalogue, predict

    coverage = Coverage.load(called.coverage)
    qc = qc_report(v.stats, coverage, reference.loci, thresholds)
    catalogue = load_catalogue(reference, catalogue_version)
    variants = annotate(called.variants, reference)
    drugs, who_category = predict(variants, coverage.depth, catalogue, qc.passed, thresholds)
    parameters = {**thresholds.model_dump(), "catalogue": catalogue_version}
    pipeline = Pipeline(version=__version__, reference=f"{CHROM} sha256:{reference.fasta_sha256}",
                        aligner=version("minimap2"), caller=version("bcftools"), parameters=parameters)
    return Report(sample=v.sample, qc=qc, variants=variants, drugs=drugs, who_category=who_category,
                  catalogue=catalogue.info, pipeline=pipeline)


def publish(reference: Reference, report: Report, called: Called, outdir: Path) -> Path:
    """Write report.json, report.html and the low-coverage mask beside BAM/VCF/depth, then move all into outdir.

    Returns the report path.
    """
    from genoflow.resistance import render_html

    sid = report.sample.sample_id
    workdir = called.bam.parent
    coverage = Coverage.load(called.coverage)
    coverage.write_mask_bed(workdir / f"{sid}.mask.bed", int(report.pipeline.parameters["min_depth"]))
    report.write(workdir / f"{sid}.report.json")
    (workdir / f"{sid}.report.html").write_text(render_html(report, coverage.depth, reference), encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / f"{sid}.report.json").unlink(missing_ok=True)  # no old completion marker beside new files
    for suffix in PUBLISHED:
        (workdir / f"{sid}{suffix}").replace(outdir / f"{sid}{suffix}")
    return outdir / f"{sid}.report.json"


def profile_sample(reference: Reference, inp: SampleInput, outdir: Path, *, threads: int = 2,
                   thresholds: Thresholds | None = None, catalogue_version: str = "who2023") -> Report:
    """All steps for one sample; the work directory is removed whatever happens."""
    thresholds = thresholds or Thresholds()
    validated = validate(inp)
    outdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f".{validated.sample.sample_id}.", dir=outdir))
    try:
        bam = align(reference, validated, workdir, threads)
        called = call(reference, bam, workdir, thresholds, threads)
        report = assess(reference, validated, called, thresholds, catalogue_version)
        publish(reference, report, called, outdir)
        return report
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
