"""A synthetic validation panel: isolates with planted resistance variants, simulated reads, expected calls.

Planted catalogue variants are taken from the WHO coordinates file by name (so the panel tests the pipeline,
not our own spelling of coordinates); "novel" variants are found deterministically as the first change of the
wanted effect at positions the catalogue does not list. Used by tests/resistance (regional reads, fast) and
bench/accuracy (whole genome).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genoflow.refdata import Reference
from genoflow.report import DrugCall, Variant
from genoflow.resistance.annotate import annotator_for
from genoflow.resistance.catalogue import Catalogue
from genoflow.simulate import PlantedVariant

RPOB_START = 759807
RRDR = (RPOB_START + 425 * 3, RPOB_START + 452 * 3 - 1)  # 761082-761162
KATG = (2153889, 2156111)
RRDR_GAP = (760600, 762000)  # a region with no reads over the RRDR (the simulator's fragments reach ~500 bp in)


@dataclass(frozen=True)
class Plant:
    """A variant to plant: a catalogue name (resolved to its SNV/short record), or a novel change."""

    name: str = ""  # catalogue name, or "novel:<gene-range effect>" resolved by `resolve`
    af: float = 1.0
    pos: int = 0
    ref: str = ""
    alt: str = ""


@dataclass(frozen=True)
class Isolate:
    id: str
    description: str
    plants: tuple[Plant, ...]
    expected: dict[str, str]  # drug -> R / U / F; every other drug is expected S
    gaps: tuple[tuple[int, int], ...] = ()  # regions with no reads
    category: str = ""
    tags: tuple[str, ...] = field(default=())


NOVEL_SEARCH = {
    "novel:rrdr_missense": (range(RRDR[0], RRDR[1] + 1), "missense_variant", False),
    "novel:pncA_frameshift": (range(2288700, 2289200), "frameshift_variant", True),
    "novel:mmpL5_frameshift": (range(776000, 776500), "frameshift_variant", True),
}


def panel() -> list[Isolate]:
    return [
        Isolate("P01", "pan-susceptible", (), {}, category="susceptible"),
        Isolate("P02", "MDR: rpoB S450L + katG S315T",
                (Plant("rpoB_p.Ser450Leu"), Plant("katG_p.Ser315Thr")),
                {"rifampicin": "R", "isoniazid": "R"}, category="MDR-TB"),
        Isolate("P03", "Hr: inhA promoter c.-777C>T + embB M306V",
                (Plant("inhA_c.-777C>T"), Plant("embB_p.Met306Val")),
                {"isoniazid": "R", "ethionamide": "R", "ethambutol": "R"}, category="Hr-TB"),
        Isolate("P04", "pre-XDR: rpoB S450L + katG S315T + gyrA D94G",
                (Plant("rpoB_p.Ser450Leu"), Plant("katG_p.Ser315Thr"), Plant("gyrA_p.Asp94Gly")),
                {"rifampicin": "R", "isoniazid": "R", "levofloxacin": "R", "moxifloxacin": "R"},
                category="pre-XDR-TB"),
        Isolate("P05", "XDR: pre-XDR + rplC C154R + atpE A63P",
                (Plant("rpoB_p.Ser450Leu"), Plant("gyrA_p.Asp94Gly"), Plant("rplC_p.Cys154Arg"),
                 Plant("atpE_p.Ala63Pro")),
                {"rifampicin": "R", "levofloxacin": "R", "moxifloxacin": "R", "linezolid": "R",
                 "bedaquiline": "R"}, category="XDR-TB"),
        Isolate("P06", "novel RRDR missense (expert rule) + novel pncA frameshift (LoF rule)",
                (Plant("novel:rrdr_missense"), Plant("novel:pncA_frameshift")),
                {"rifampicin": "R", "pyrazinamide": "R"}, category="RR-TB"),
        Isolate("P07", "heteroresistant rpoB S450L at 30% + neutral katG R463L (grade 5)",
                (Plant("rpoB_p.Ser450Leu", af=0.30), Plant("katG_p.Arg463Leu")),
                {"rifampicin": "R"}, category="RR-TB", tags=("minority",)),
        Isolate("P08", "no reads over the rpoB RRDR + katG S315T",
                (Plant("katG_p.Ser315Thr"),), {"rifampicin": "F", "isoniazid": "R"}, gaps=(RRDR_GAP,),
                category="undetermined", tags=("gap",)),
        # the simulator still draws fragments that start inside a planted deletion, so the deleted span (and the
        # reach of fragments drawn for the right flank) is also a gap; left-flank fragments read the junction
        Isolate("P09", "katG whole-gene deletion",
                (Plant("katG_deletion"),), {"isoniazid": "R"}, gaps=((KATG[0], KATG[1] + 500),),
                category="Hr-TB",
                tags=("deletion",)),
        Isolate("P10", "Rv0678 frameshift abrogated by an mmpL5 frameshift",
                (Plant("Rv0678_p.Asp47fs"), Plant("novel:mmpL5_frameshift")),
                {"bedaquiline": "U", "clofazimine": "U"}, category="susceptible"),
        Isolate("P11", "rrs 1401A>G + eis c.-14C>T",
                (Plant("rrs_n.1401A>G"), Plant("eis_c.-14C>T")),
                {"amikacin": "R", "kanamycin": "R", "capreomycin": "R", "streptomycin": "U"},
                category="other drug resistance"),
        Isolate("P12", "rpsL K43R + ethA frameshift (catalogued LoF)",
                (Plant("rpsL_p.Lys43Arg"), Plant("ethA_LoF")),
                {"streptomycin": "R", "ethionamide": "R"}, category="other drug resistance"),
    ]


def resolve(plant: Plant, reference: Reference, catalogue: Catalogue) -> PlantedVariant:
    """Coordinates of a plant: the shortest catalogue record of that name, a novel change, or a gene deletion."""
    seq = reference.sequence
    if plant.pos:
        return PlantedVariant(plant.pos, plant.ref, plant.alt, plant.af)
    if plant.name == "katG_deletion":
        lo, hi = KATG
        return PlantedVariant(lo - 1, seq[lo - 2 : hi], seq[lo - 2], plant.af)
    if plant.name in NOVEL_SEARCH:
        positions, effect, deletion = NOVEL_SEARCH[plant.name]
        ann = annotator_for(reference)
        for pos in positions:
            options = ([(pos, seq[pos - 1 : pos + 1], seq[pos - 1])] if deletion
                       else [(pos, seq[pos - 1], b) for b in "ACGT" if b != seq[pos - 1]])
            for p, r, a in options:
                parts = ann.consequences(p, r, a)
                if (len(parts) == 1 and parts[0].effect == effect and not catalogue.names_at(p, r, a)
                        and not catalogue.grades_for(parts[0].name)):
                    return PlantedVariant(p, r, a, plant.af)
        raise ValueError(f"no novel change found for {plant.name}")
    rec = catalogue.records[catalogue.records.names == plant.name]
    if rec.empty:
        raise ValueError(f"{plant.name!r} is not a catalogue record name")
    rec = rec.assign(size=rec.ref.str.len() + rec.alt.str.len()).sort_values(["size", "pos"]).iloc[0]
    return PlantedVariant(int(rec.pos), rec.ref, rec.alt, plant.af)


def read_regions(isolate: Isolate, genome_length: int,
                 regions: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Regions to simulate reads from: `regions` (default the whole genome) minus the isolate's gaps."""
    out = list(regions or [(1, genome_length)])
    for g_lo, g_hi in isolate.gaps:
        cut = []
        for lo, hi in out:
            if g_hi < lo or hi < g_lo:
                cut.append((lo, hi))
                continue
            if lo < g_lo:
                cut.append((lo, g_lo - 1))
            if g_hi < hi:
                cut.append((g_hi + 1, hi))
        out = cut
    return out


@dataclass
class IsolateResult:
    isolate: Isolate
    planted: list[PlantedVariant]
    variants: list[Variant]
    depth: np.ndarray
    calls: list[DrugCall]
    category: str


def profile_isolate(reference: Reference, catalogue: Catalogue, isolate: Isolate, workdir: Path, *,
                    depth: float = 30.0, regions: list[tuple[int, int]] | None = None, seed: int = 1,
                    threads: int = 2) -> IsolateResult:
    """Simulate reads for the isolate, then align, call, annotate and predict exactly as `profile` does."""
    from genoflow.align import align_reads
    from genoflow.call import call_variants
    from genoflow.coverage import coverage_from_bam
    from genoflow.resistance.annotate import annotate
    from genoflow.resistance.predict import predict
    from genoflow.settings import Thresholds
    from genoflow.simulate import simulate_pairs

    t = Thresholds()
    planted = sorted((resolve(p, reference, catalogue) for p in isolate.plants), key=lambda v: v.pos)
    workdir.mkdir(parents=True, exist_ok=True)
    r1, r2 = workdir / f"{isolate.id}_R1.fastq.gz", workdir / f"{isolate.id}_R2.fastq.gz"
    genome = len(reference.sequence)
    simulate_pairs(reference.sequence, r1, r2, variants=planted, regions=read_regions(isolate, genome, regions),
                   depth=depth, seed=seed, name=isolate.id)
    bam = align_reads(reference, [r1, r2], workdir / f"{isolate.id}.bam", isolate.id, threads=threads)
    variants = call_variants(reference, bam, workdir / f"{isolate.id}.vcf.gz", workdir, t)
    coverage = coverage_from_bam(bam, genome, t.min_mapping_quality)
    annotated = annotate(variants, reference)
    calls, category = predict(annotated, coverage.depth, catalogue, True, t)
    return IsolateResult(isolate, planted, annotated, coverage.depth, calls, category)


def expected_call(isolate: Isolate, drug: str) -> str:
    return isolate.expected.get(drug, "S")

