"""Batches of small, honestly generated reports + pysam-written VCFs, laid out as the pipeline leaves them."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pysam
from genoflow.report import QC, DrugCall, Evidence, InputFile, Pipeline, Report, Sample, Variant

CHROM = "NC_000962.3"
PATIENT = "PAT-0042-JANE-DOE"  # a patient identifier planted wherever free text could carry it
KNOWN = [(761155, "C", "T", "rpoB", "p.Ser450Leu", "rifampicin"), (2155168, "C", "G", "katG", "p.Ser315Thr", "isoniazid"),
         (7582, "A", "G", "gyrA", "p.Asp94Gly", "moxifloxacin")]


def make_report(sample_id: str, batch_id: str, rng: random.Random) -> tuple[Report, list[Variant]]:
    """A report whose free-text fields carry the planted patient identifier (file name, path parameter)."""
    variants = []
    for pos, ref, alt, gene, hgvs, _ in rng.sample(KNOWN, rng.randint(0, 2)):
        variants.append(Variant(chrom=CHROM, pos=pos, ref=ref, alt=alt, depth=rng.randint(20, 90), af=1.0, qual=225.0,
                                filter="PASS", minority=False, gene=gene, hgvs=hgvs, name=f"{gene}_{hgvs}",
                                effect="missense_variant"))
    for _ in range(rng.randint(3, 12)):  # lineage background SNPs
        pos = rng.randint(1, 4_411_532)
        ref, alt = rng.sample("ACGT", 2)
        variants.append(Variant(chrom=CHROM, pos=pos, ref=ref, alt=alt, depth=rng.randint(20, 90),
                                af=round(rng.uniform(0.8, 1.0), 3), qual=200.0, filter="PASS", minority=False))
    variants.sort(key=lambda v: v.pos)
    resistant = {drug for pos, *_, drug in KNOWN if any(v.pos == pos for v in variants)}
    report = Report(
        sample=Sample(sample_id=sample_id, input_type="fastq", batch_id=batch_id, collection_date=date(2024, 3, 17),
                      site="SITE-07", country="ZA",
                      inputs=[InputFile(name=f"{PATIENT}_{sample_id}_R{n}.fastq.gz", sha256=f"{rng.getrandbits(256):064x}",
                                        bytes=rng.randint(10**6, 10**8)) for n in (1, 2)]),
        qc=QC(read_count=441_000, bases=132_300_000, mean_read_length=150.0, mean_base_quality=36.1, gc_content=0.656,
              mapped_fraction=0.98, mean_depth=round(rng.uniform(25, 60), 2), breadth_1x=0.99, breadth_10x=0.98,
              passed=True),
        variants=variants,
        drugs=[DrugCall(drug=drug, call="R", evidence=[Evidence(variant=v.name, grade="Assoc w R", af=v.af, source="who2023")
                                                        for v in variants if v.name and drug in _drugs_of(v.pos)])
               for drug in sorted(resistant)],
        pipeline=Pipeline(version="0.1.0", reference="NC_000962.3 sha256:test", aligner="minimap2 2.31",
                          caller="bcftools 1.24", parameters={"min_depth": 10, "minority_af": 0.1,
                                                               "workdir": f"/data/{PATIENT}/run1"}),
    )
    return report, variants


def _drugs_of(pos: int) -> set[str]:
    return {drug for p, *_, drug in KNOWN if p == pos}


def write_vcf(path: Path, sample_id: str, variants: list[Variant]) -> Path:
    """bgzipped VCF via pysam, with a command-line header and sample column that name the planted patient."""
    header = pysam.VariantHeader()
    header.add_line(f"##bcftools_callCommand=call -mv /data/{PATIENT}/{sample_id}.bam; Date=Sun Mar 17 2024")
    header.add_line("##reference=file:///srv/refs/H37Rv.fasta")
    header.contigs.add(CHROM, length=4_411_532)
    header.info.add("DP", 1, "Integer", "Read depth")
    header.info.add("AF", "A", "Float", "Allele frequency")
    header.formats.add("GT", 1, "String", "Genotype")
    header.add_sample(PATIENT)
    plain = path.with_suffix("")
    with pysam.VariantFile(str(plain), "w", header=header) as out:
        for v in variants:
            record = out.new_record(contig=CHROM, start=v.pos - 1, alleles=(v.ref, v.alt), qual=v.qual, filter=v.filter)
            record.info["DP"] = v.depth
            record.info["AF"] = (v.af,)
            record.samples[PATIENT]["GT"] = (1,)
            out.write(record)
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()
    return path


def make_batch(outdir: Path, batch_id: str, count: int, seed: int = 7) -> list[Report]:
    """`count` samples written as the pipeline leaves them: ID.report.json + ID.vcf.gz in `outdir`."""
    outdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    reports = []
    for n in range(1, count + 1):
        report, variants = make_report(f"{batch_id}-S{n:03d}", batch_id, rng)
        write_vcf(outdir / f"{report.sample.sample_id}.vcf.gz", report.sample.sample_id, variants)
        report.write(outdir / f"{report.sample.sample_id}.report.json")
        reports.append(report)
    return reports

