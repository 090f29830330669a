"""Variant calling: bcftools haploid consensus calls genome-wide plus minority alleles at resistance loci.

Consensus: `bcftools mpileup | bcftools call -m --ploidy 1 | bcftools norm` (left-normalised, split).
Minority: an allele-count pileup restricted to the resistance loci, where an allele at AF >= minority_af is
reported when it has enough reads, reads on both strands, and mapping/base quality above the thresholds.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pysam

from genoflow.refdata import CHROM, Reference
from genoflow.report import Variant
from genoflow.settings import Thresholds
from genoflow.tools import run_pipeline

ERROR_RATE = 0.01  # per-base error assumed by the minority-allele quality score


@dataclass(frozen=True)
class _Allele:
    pos: int
    ref: str
    alt: str
    depth: int
    alt_depth: int
    forward: int
    reverse: int
    qual: float


def _mpileup(reference: Reference, bam: Path, t: Thresholds) -> list[str]:
    return ["bcftools", "mpileup", "-f", str(reference.fasta), "-q", str(t.min_mapping_quality),
            "-Q", str(t.min_base_quality), "-a", "FORMAT/AD,FORMAT/ADF,FORMAT/ADR,FORMAT/DP",
            "--max-depth", "5000", "-Ou"]


def _alleles(path: Path) -> list[_Allele]:
    out = []
    pysam.set_verbosity(0)  # htslib warns about bcftools 1.16's MQ header type; harmless here
    with pysam.VariantFile(str(path)) as vf:
        for rec in vf:
            call = next(iter(rec.samples.values()))
            ad, adf, adr = call.get("AD"), call.get("ADF"), call.get("ADR")
            if not rec.alts or ad is None or None in ad:
                continue
            # `norm -m -any` trims AD to (ref, this alt): the site's depth is FORMAT/DP, not sum(AD)
            depth = max(int(call.get("DP") or 0), int(sum(ad)))
            for i, alt in enumerate(rec.alts, start=1):
                if alt.startswith("<"):
                    continue
                out.append(_Allele(rec.pos, rec.ref, alt, depth, int(ad[i]), int(adf[i]), int(adr[i]),
                                   float(rec.qual or 0.0)))
    return out


def _binomial_qual(k: int, n: int, p: float = ERROR_RATE) -> float:
    """Phred-scaled P(X >= k) for X ~ Binomial(n, p): how unlikely k alt reads are from errors alone."""
    if k <= 0:
        return 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(p)
            + (n - i) * math.log1p(-p) for i in range(k, n + 1)]
    top = max(logs)
    tail = top + math.log(sum(math.exp(x - top) for x in logs))
    return round(min(999.0, -10.0 * tail / math.log(10)), 1)


def _filter(a: _Allele, t: Thresholds, qual: float) -> str:
    if a.depth < t.min_depth:
        return "LowDepth"
    if a.alt_depth < t.min_allele_depth:
        return "LowAltDepth"
    if a.forward == 0 or a.reverse == 0:
        return "StrandBias"
    if qual < 20:
        return "LowQual"
    return "PASS"


def _to_variant(a: _Allele, t: Thresholds, qual: float) -> Variant:
    af = a.alt_depth / a.depth if a.depth else 0.0
    return Variant(chrom=CHROM, pos=a.pos, ref=a.ref, alt=a.alt, depth=a.depth, af=round(af, 4), qual=qual,
                   filter=_filter(a, t, qual), minority=af < t.consensus_af)


def _scatter(length: int, parts: int) -> list[str]:
    """Split the chromosome into `parts` contiguous regions for parallel calling (calls are per-site)."""
    bounds = [round(i * length / parts) for i in range(parts + 1)]
    return [f"{CHROM}:{bounds[i] + 1}-{bounds[i + 1]}" for i in range(parts)]


def call_variants(reference: Reference, bam: Path, vcf: Path, workdir: Path, t: Thresholds,
                  loci: pd.DataFrame | None = None, threads: int = 2) -> list[Variant]:
    """Call consensus + minority variants; write bgzipped, indexed `vcf`; return them sorted by position.

    The genome is scattered into `threads` regions called in parallel (bcftools call is single-threaded).
    """
    norm = ["bcftools", "norm", "-f", str(reference.fasta), "-m", "-any", "-Ob"]
    call = ["bcftools", "call", "-m", "--ploidy", "1", "-v", "-Ou"]
    loci = reference.loci if loci is None else loci
    regions = workdir / "loci.regions.tsv"
    loci[["chrom", "start", "end"]].to_csv(regions, sep="\t", header=False, index=False)
    loci_bcf = workdir / "loci.bcf"
    jobs = [([[*_mpileup(reference, bam, t), "-r", region, str(bam)], call, norm], workdir / f"consensus.{i}.bcf")
            for i, region in enumerate(_scatter(len(reference.sequence), max(1, threads)))]
    jobs.append(([[*_mpileup(reference, bam, t), "-R", str(regions), str(bam)], norm], loci_bcf))
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for done in [pool.submit(run_pipeline, commands, stdout=out) for commands, out in jobs]:
            done.result()

    variants: dict[tuple[int, str, str], Variant] = {}
    for _, consensus_bcf in jobs[:-1]:
        for a in _alleles(consensus_bcf):
            variants[(a.pos, a.ref, a.alt)] = _to_variant(a, t, round(a.qual, 1))
    for a in _alleles(loci_bcf):
        key = (a.pos, a.ref, a.alt)
        if key in variants or a.depth == 0 or a.alt_depth / a.depth < t.minority_af:
            continue
        minority = _to_variant(a, t, _binomial_qual(a.alt_depth, a.depth))
        if minority.filter == "PASS":  # a minority allele without full evidence is noise, not a finding
            variants[key] = minority
    ordered = [variants[k] for k in sorted(variants)]
    write_vcf(ordered, reference, vcf, sample=bam.stem)
    return ordered


def write_vcf(variants: list[Variant], reference: Reference, vcf: Path, sample: str) -> Path:
    """Deterministic VCF (no dates or command lines in the header), bgzipped with a .tbi index."""
    header = pysam.VariantHeader()
    header.add_line(f"##reference={reference.fasta.name}")
    header.contigs.add(CHROM, length=len(reference.sequence))
    for fid, desc in [("LowDepth", "Depth below min_depth"), ("LowAltDepth", "Too few reads with the allele"),
                      ("StrandBias", "Allele seen on one strand only"), ("LowQual", "Quality below 20")]:
        header.filters.add(fid, None, None, desc)
    header.info.add("DP", 1, "Integer", "Read depth (quality-filtered)")
    header.info.add("AF", "A", "Float", "Allele frequency")
    header.info.add("MINORITY", 0, "Flag", "Allele frequency below the consensus threshold")
    header.formats.add("GT", 1, "String", "Genotype")
    header.add_sample(sample)
    plain = vcf.with_suffix("")  # x.vcf.gz -> x.vcf
    with pysam.VariantFile(str(plain), "w", header=header) as out:
        for v in variants:
            rec = out.new_record(contig=v.chrom, start=v.pos - 1, alleles=(v.ref, v.alt), qual=v.qual,
                                 filter=v.filter)
            rec.info["DP"] = v.depth
            rec.info["AF"] = (v.af,)
            if v.minority:
                rec.info["MINORITY"] = True
            rec.samples[sample]["GT"] = (1,)
            out.write(rec)
    pysam.tabix_index(str(plain), preset="vcf", force=True)
    return vcf
