"""Variant annotation in the WHO 2023 catalogue's own spelling (`gene_HGVS`), on both strands.

Names follow the catalogue: `rpoB_p.Ser450Leu`, `inhA_c.-777C>T` (upstream positions are named after the
catalogued gene downstream of them, so fabG1 and its promoter are `inhA_c.-N`), `rrs_n.1401A>G`,
`katG_p.Trp91*`, `p.Met1?`, `p.Ala123fs`, in-frame `p.X12del` / `dup` / `ins` / `delins`, and `c.15C>T` for
synonymous changes. A multi-nucleotide change that touches several codons gets one name per codon (or per base
outside codons), joined with `&` exactly as in the catalogue's coordinates VCF. Indels are shifted 3' in the
gene's direction before naming (HGVS), so the same event gets the same name whichever way the caller aligned it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from genoflow.refdata import Reference, coordinate_records, gene_rows
from genoflow.report import Variant
from genoflow.sequence import revcomp

CODON_TABLE = {
    a + b + c: aa
    for (a, b, c), aa in zip(
        ((x, y, z) for x in "TCAG" for y in "TCAG" for z in "TCAG"),
        "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
    )
}
THREE_LETTER = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly", "H": "His",
    "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp",
    "Y": "Tyr", "V": "Val", "*": "Ter", "X": "Xaa",
}
START_CODONS = {"ATG", "GTG", "TTG", "CTG", "ATT", "ATC", "ATA"}

LOSS_OF_FUNCTION = frozenset({"frameshift_variant", "stop_gained", "start_lost", "feature_ablation"})
# most severe first: a multi-codon change takes the effect of its worst part
EFFECT_ORDER = (
    "feature_ablation", "frameshift_variant", "stop_gained", "start_lost", "stop_lost", "inframe_deletion",
    "inframe_insertion", "missense_variant", "non_coding_transcript_exon_variant", "synonymous_variant",
    "upstream_gene_variant", "downstream_gene_variant", "intergenic_variant",
)
DEL_SEQUENCE_SHOWN = 50  # longer deletions are named by range only (c.-186_-29del)
DOWNSTREAM_TRANSLATION = 3000  # bases past a gene translated to name frameshifts running past the stop


def translate(seq: str, to_stop: bool = False) -> str:
    protein = []
    for i in range(0, len(seq) - 2, 3):
        aa = CODON_TABLE.get(seq[i : i + 3], "X")
        protein.append(aa)
        if to_stop and aa == "*":
            break
    return "".join(protein)


def aa3(seq: str) -> str:
    return "".join(THREE_LETTER[a] for a in seq)


@dataclass(frozen=True)
class Gene:
    """A gene as the catalogue names it; `span_*` is the catalogued locus (gene plus promoter reach)."""

    name: str
    start: int
    end: int
    strand: str
    coding: bool
    upstream: int = 0  # catalogued promoter reach (bases before the start codon / first base)
    genome_length: int = 4_411_532

    def intervals(self) -> list[tuple[int, int]]:
        """Genomic intervals of gene body + catalogued promoter (two when the promoter wraps the origin)."""
        if self.strand == "+":
            lo, hi = self.start - self.upstream, self.end
        else:
            lo, hi = self.start, self.end + self.upstream
        if lo < 1:
            return [(1, hi), (lo + self.genome_length, self.genome_length)]
        if hi > self.genome_length:
            return [(lo, self.genome_length), (1, hi - self.genome_length)]
        return [(lo, hi)]

    def cpos(self, pos: int) -> str:
        """HGVS c./n. coordinate of a genomic position (no position 0; upstream negative, downstream `*N`)."""
        offset = pos - self.start + 1 if self.strand == "+" else self.end - pos + 1
        length = self.end - self.start + 1
        half = self.genome_length // 2
        if offset > half:  # upstream across the origin of a circular genome
            offset -= self.genome_length
        elif offset < -half:
            offset += self.genome_length
        if offset > length:
            return f"*{offset - length}"
        return str(offset if offset >= 1 else offset - 1)

    @property
    def prefix(self) -> str:
        return "c." if self.coding else "n."


@dataclass(frozen=True)
class Consequence:
    gene: str
    hgvs: str
    effect: str

    @property
    def name(self) -> str:
        return f"{self.gene}_{self.hgvs}"


def normalise(pos: int, ref: str, alt: str, sequence: str) -> tuple[int, str, str]:
    """Minimal, left-aligned representation (VCF style: indels keep one anchor base before the event)."""
    ref, alt = ref.upper(), alt.upper()
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    if len(ref) != len(alt) and (len(ref) == 1 or len(alt) == 1) and ref[0] == alt[0]:
        # pure indel: shift left while the base before the anchor equals the last base of the event
        while pos > 1:
            prev = sequence[pos - 2]
            if ref[-1] != alt[-1]:
                break
            ref, alt, pos = prev + ref[:-1], prev + alt[:-1], pos - 1
    return pos, ref, alt


class GeneModel:
    """Catalogued genes (with their catalogued promoter reach) and every other GFF gene, looked up by position.

    A position inside a catalogued gene or its catalogued promoter is named after that gene (so `embC_c.-1976`
    even though the position lies inside dprE2); elsewhere after whichever GFF gene body contains it.
    """

    def __init__(self, genes: pd.DataFrame, sequence: str, upstream_reach: dict[str, int]):
        self.sequence = sequence
        known = gene_rows(genes)
        self.catalogue_genes: dict[str, Gene] = {}
        for name, reach in upstream_reach.items():
            if (row := known.get(name)) is None:
                raise ValueError(f"catalogue gene {name!r} is not in the reference gene table")
            self.catalogue_genes[name] = Gene(name, int(row.start), int(row.end), row.strand,
                                              row.biotype == "protein_coding", reach, len(sequence))
        taken = {(g.start, g.end) for g in self.catalogue_genes.values()}
        self.others = sorted(
            (Gene(str(r.name), int(r.start), int(r.end), r.strand, r.biotype == "protein_coding", 0, len(sequence))
             for r in genes.itertuples(index=False) if (int(r.start), int(r.end)) not in taken),
            key=lambda g: g.start)
        self._cat = sorted(((lo, hi, g) for g in self.catalogue_genes.values() for lo, hi in g.intervals()),
                           key=lambda t: t[0])
        self._cat_starts = [t[0] for t in self._cat]
        self._cat_longest = max(hi - lo for lo, hi, _ in self._cat) + 1
        self._other_starts = [g.start for g in self.others]
        self._other_longest = max(g.end - g.start for g in self.others) + 1

    @classmethod
    def from_reference(cls, reference: Reference) -> "GeneModel":
        return cls(reference.genes, reference.sequence,
                   catalogue_upstream_reach(reference.path("who2023_coordinates_vcf")))

    def genes_for(self, lo: int, hi: int) -> list[Gene]:
        """Genes a change over [lo, hi] is named after: a catalogued gene body first, then a catalogued
        promoter (nearest start first), then any other gene body."""
        i = bisect.bisect_left(self._cat_starts, lo - self._cat_longest)
        cat = [g for s, e, g in self._cat[i : bisect.bisect_right(self._cat_starts, hi)] if s <= hi and lo <= e]
        bodies = [g for g in cat if g.start <= hi and lo <= g.end]
        if bodies:
            return bodies
        if cat:
            return sorted(cat, key=lambda g: abs(int(g.cpos(lo).lstrip("*"))))
        i = bisect.bisect_left(self._other_starts, lo - self._other_longest)
        return [g for g in self.others[i : bisect.bisect_right(self._other_starts, hi)]
                if g.start <= hi and lo <= g.end]


def catalogue_upstream_reach(coordinates_vcf: Path) -> dict[str, int]:
    """{catalogue gene: furthest catalogued upstream offset} from the WHO coordinates VCF names."""
    reach: dict[str, int] = {}
    for *_, names in coordinate_records(coordinates_vcf):
        for name in names.split("&"):
            gene, _, hgvs = name.partition("_")
            m = _UPSTREAM.match(hgvs)
            reach[gene] = max(reach.get(gene, 0), int(m.group(1)) if m else 0)
    if not reach:
        raise ValueError(f"{coordinates_vcf}: no graded_variant names found")
    return reach


_UPSTREAM = re.compile(r"[cn]\.-(\d+)")


class Annotator:
    """Names variants against a `GeneModel`; `consequences()` gives every name, `annotate()` fills Variants."""

    def __init__(self, model: GeneModel):
        self.model = model
        self.seq = model.sequence

    # ---------------------------------------------------------------- public
    def consequences(self, pos: int, ref: str, alt: str) -> list[Consequence]:
        """All catalogue-style names of one change (several for a multi-codon change), first gene only."""
        pos, ref, alt = normalise(pos, ref, alt, self.seq)
        lo, hi = event_range(pos, ref, alt)
        genes = self.model.genes_for(lo, hi)
        if not genes:
            return [Consequence("", f"g.{pos}{ref}>{alt}", "intergenic_variant")]
        return self._name(genes[0], pos, ref, alt)

    def annotate(self, variant: Variant) -> Variant:
        parts = self.consequences(variant.pos, variant.ref, variant.alt)
        effect = min((p.effect for p in parts), key=EFFECT_ORDER.index)
        if parts[0].gene == "":
            return variant.model_copy(update={"gene": None, "hgvs": parts[0].hgvs, "name": None,
                                              "effect": effect})
        return variant.model_copy(update={
            "gene": parts[0].gene,
            "hgvs": "&".join(p.hgvs for p in parts),
            "name": "&".join(p.name for p in parts),
            "effect": effect,
        })

    # ---------------------------------------------------------------- naming
    def _name(self, gene: Gene, pos: int, ref: str, alt: str) -> list[Consequence]:
        is_indel = len(ref) != len(alt)
        lo, hi = event_range(pos, ref, alt)
        if is_indel and len(ref) == 1:  # insertion: inside the gene only if both flanking bases are
            touches_body = gene.start <= lo and hi <= gene.end
        else:
            touches_body = gene.start <= hi and lo <= gene.end
        if gene.coding and touches_body:
            return self._coding(gene, pos, ref, alt)
        if not is_indel:
            effect = "non_coding_transcript_exon_variant" if touches_body else (
                "upstream_gene_variant" if self._upstream(gene, pos) else "downstream_gene_variant")
            return [self._substitution(gene, p, r, a, effect)
                    for p, r, a in zip(range(pos, pos + len(ref)), ref, alt) if r != a]
        effect = "non_coding_transcript_exon_variant" if touches_body else (
            "upstream_gene_variant" if self._upstream(gene, pos) else "downstream_gene_variant")
        return [Consequence(gene.name, gene.prefix + self._nucleotide_indel(gene, pos, ref, alt), effect)]

    @staticmethod
    def _upstream(gene: Gene, pos: int) -> bool:
        return pos < gene.start if gene.strand == "+" else pos > gene.end

    def _substitution(self, gene: Gene, pos: int, ref: str, alt: str, effect: str) -> Consequence:
        if gene.strand == "-":
            ref, alt = revcomp(ref), revcomp(alt)
        return Consequence(gene.name, f"{gene.prefix}{gene.cpos(pos)}{ref}>{alt}", effect)

    def _nucleotide_indel(self, gene: Gene, pos: int, ref: str, alt: str) -> str:
        """c./n. name of a left-aligned indel or delins, as the catalogue spells it (no 3' shift)."""
        seq = self.seq
        minus = gene.strand == "-"
        if ref[0] == alt[0] and (len(ref) == 1 or len(alt) == 1):
            if len(ref) > 1:  # deletion of pos+1 .. pos+len(ref)-1
                deleted = ref[1:]
                a, b = pos + 1, pos + len(deleted)
                a, b = (b, a) if minus else (a, b)
                bases = revcomp(deleted) if minus else deleted
                where = gene.cpos(a) if a == b else f"{gene.cpos(a)}_{gene.cpos(b)}"
                return f"{where}del{bases}" if len(bases) <= DEL_SEQUENCE_SHOWN else f"{where}del"
            inserted = alt[1:]
            n = len(inserted)
            shown = revcomp(inserted) if minus else inserted
            if seq[pos : pos + n] == inserted:  # left-aligned: a duplication copies the following bases
                a, b = (pos + n, pos + 1) if minus else (pos + 1, pos + n)
                return f"{gene.cpos(a)}dup{shown}" if n == 1 else f"{gene.cpos(a)}_{gene.cpos(b)}dup{shown}"
            a, b = (pos + 1, pos) if minus else (pos, pos + 1)
            return f"{gene.cpos(a)}_{gene.cpos(b)}ins{shown}"
        end = pos + len(ref) - 1
        a, b = (end, pos) if minus else (pos, end)
        r, x = (revcomp(ref), revcomp(alt)) if minus else (ref, alt)
        where = gene.cpos(a) if a == b else f"{gene.cpos(a)}_{gene.cpos(b)}"
        return f"{where}del{r}ins{x}"

    def _coding(self, gene: Gene, pos: int, ref: str, alt: str) -> list[Consequence]:
        """Protein-level names for a change touching a coding sequence."""
        seq = self.seq
        down = DOWNSTREAM_TRANSLATION
        lo = gene.start - (down if gene.strand == "-" else 0)
        hi = gene.end + (down if gene.strand == "+" else 0)
        lo, hi = max(lo, 1), min(hi, len(seq))
        first, last = pos, pos + len(ref) - 1
        if first < lo or last > hi:
            return [Consequence(gene.name, "p.Met1?", "start_lost")]
        window_ref = seq[lo - 1 : hi]
        window_alt = window_ref[: first - lo] + alt + window_ref[last - lo + 1 :]
        if gene.strand == "-":
            window_ref, window_alt = revcomp(window_ref), revcomp(window_alt)
        cds_len = gene.end - gene.start + 1
        e_lo, e_hi = event_range(pos, ref, alt)
        # offsets of the event within the coding orientation (0 = first base of the start codon)
        if gene.strand == "+":
            c_first, c_last = e_lo - gene.start, e_hi - gene.start
        else:
            c_first, c_last = gene.end - e_hi, gene.end - e_lo
        if len(ref) == len(alt):
            if c_first < 0:  # a substitution running from the promoter into the start codon
                return [Consequence(gene.name, "p.Met1?", "start_lost")]
            return self._coding_substitution(gene, window_ref, window_alt, c_first, c_last, cds_len)
        if c_first < 0 or (c_first < 3 and window_alt[:3] != window_ref[:3]):
            return [Consequence(gene.name, "p.Met1?", "start_lost")]
        diff = len(alt) - len(ref)
        ref_prot = translate(window_ref[:cds_len])
        if diff % 3:
            alt_prot = translate(window_alt)
            i = _first_difference(ref_prot, alt_prot)
            if i >= len(ref_prot):
                return [Consequence(gene.name, "p.Ter{}ext*?".format(len(ref_prot)), "stop_lost")]
            if ref_prot[i] == "*":
                return [Consequence(gene.name, f"p.Ter{i + 1}ext*?", "stop_lost")]
            return [Consequence(gene.name, f"p.{THREE_LETTER[ref_prot[i]]}{i + 1}fs", "frameshift_variant")]
        alt_prot = translate(window_alt[: cds_len + diff])
        return [self._inframe(gene, ref_prot, alt_prot)]

    def _coding_substitution(self, gene: Gene, wref: str, walt: str, c_first: int, c_last: int,
                             cds_len: int) -> list[Consequence]:
        out = []
        for codon in range(max(c_first, 0) // 3, min(c_last, cds_len - 1) // 3 + 1):
            r, a = wref[codon * 3 : codon * 3 + 3], walt[codon * 3 : codon * 3 + 3]
            if r == a:
                continue
            raa, aaa = CODON_TABLE.get(r, "X"), CODON_TABLE.get(a, "X")
            n = codon + 1
            if codon == 0:
                out.append(Consequence(gene.name, "p.Met1?", "start_lost"))
            elif raa == aaa:
                out += [Consequence(gene.name, f"c.{codon * 3 + k + 1}{r[k]}>{a[k]}", "synonymous_variant")
                        for k in range(3) if r[k] != a[k]]
            elif raa == "*":
                out.append(Consequence(gene.name, f"p.Ter{n}{THREE_LETTER[aaa]}ext*?", "stop_lost"))
            elif aaa == "*":
                out.append(Consequence(gene.name, f"p.{THREE_LETTER[raa]}{n}*", "stop_gained"))
            else:
                out.append(Consequence(gene.name, f"p.{THREE_LETTER[raa]}{n}{THREE_LETTER[aaa]}",
                                       "missense_variant"))
        return out

    @staticmethod
    def _inframe(gene: Gene, ref_prot: str, alt_prot: str) -> Consequence:
        """HGVS p. name of an in-frame indel: strip the common prefix (3' rule), then the common suffix."""
        alt_prot = alt_prot[: alt_prot.index("*") + 1] if "*" in alt_prot else alt_prot
        p = 0
        while p < min(len(ref_prot), len(alt_prot)) and ref_prot[p] == alt_prot[p]:
            p += 1
        s = 0
        while (s < min(len(ref_prot), len(alt_prot)) - p and ref_prot[-1 - s] == alt_prot[-1 - s]):
            s += 1
        r, a = ref_prot[p : len(ref_prot) - s], alt_prot[p : len(alt_prot) - s]
        name = gene.name
        if "*" in a and "*" not in r:
            stop = p + a.index("*")
            if stop < len(ref_prot):
                return Consequence(name, f"p.{THREE_LETTER[ref_prot[stop]]}{stop + 1}*", "stop_gained")
        if not r and not a:
            return Consequence(name, "p.=", "synonymous_variant")

        def at(i: int) -> str:
            return f"{THREE_LETTER[ref_prot[i]]}{i + 1}"

        if not a:
            where = at(p) if len(r) == 1 else f"{at(p)}_{at(p + len(r) - 1)}"
            return Consequence(name, f"p.{where}del", "inframe_deletion")
        if not r:
            n = len(a)
            if p >= n and ref_prot[p - n : p] == a:
                where = at(p - 1) if n == 1 else f"{at(p - n)}_{at(p - 1)}"
                return Consequence(name, f"p.{where}dup", "inframe_insertion")
            return Consequence(name, f"p.{at(p - 1)}_{at(p)}ins{aa3(a)}", "inframe_insertion")
        where = at(p) if len(r) == 1 else f"{at(p)}_{at(p + len(r) - 1)}"
        effect = "inframe_deletion" if len(r) > len(a) else (
            "inframe_insertion" if len(a) > len(r) else "missense_variant")
        if len(r) == 1 and len(a) == 1:
            return Consequence(name, f"p.{at(p)}{THREE_LETTER[a]}", "missense_variant")
        return Consequence(name, f"p.{where}delins{aa3(a)}", effect)


def event_range(pos: int, ref: str, alt: str) -> tuple[int, int]:
    """Genomic positions an (anchored VCF) change affects: deleted bases, the two bases flanking an
    insertion, or the substituted bases."""
    if len(ref) != len(alt) and ref[0] == alt[0] and (len(ref) == 1 or len(alt) == 1):
        return (pos, pos + 1) if len(ref) == 1 else (pos + 1, pos + len(ref) - 1)
    return pos, pos + len(ref) - 1


def _first_difference(a: str, b: str) -> int:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return i


_ANNOTATORS: dict[str, Annotator] = {}


def annotator_for(reference: Reference) -> Annotator:
    key = str(reference.data_dir)
    if key not in _ANNOTATORS:
        _ANNOTATORS[key] = Annotator(GeneModel.from_reference(reference))
    return _ANNOTATORS[key]


def annotate(variants: list[Variant], reference: Reference) -> list[Variant]:
    """Copies of `variants` with gene, hgvs, name (as the WHO catalogue spells it) and effect filled in."""
    ann = annotator_for(reference)
    return [ann.annotate(v) for v in variants]
