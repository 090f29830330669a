"""Per-drug calls (R / U / S / F) from annotated variants, depth, the catalogue and the expert rules.

- R: a variant graded 1/2 for the drug, or an expert rule fires (minority alleles at AF >= minority_af count
  and are flagged heteroresistant).
- U: only uncertain-significance (grade 3) evidence, or resistance evidence abrogated by epistasis.
- F: nothing resistant, and a position that could carry resistance for the drug is below `min_depth` (or QC
  failed). "Could carry resistance" = a coordinate record graded 1/2 for the drug, a rule region (RRDR), or
  the body of a gene whose loss of function is resistance-associated (LoF rule or catalogue grade 1/2).
  Grade 3-5 positions do not count: they cannot turn S into R.
- S: nothing resistance-associated and every such position is covered.

Evidence rules: only filter == "PASS" variants with AF >= minority_af count. For a (variant, drug) pair an
explicit catalogue grade (matched by normalised coordinates or by name) wins; otherwise expert rules and the
catalogue's whole-gene LoF grades apply. A whole gene at zero depth with covered flanks is a gene deletion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from genoflow.report import DRUGS, DrugCall, Evidence, Variant
from genoflow.resistance.catalogue import RESISTANCE_GRADES, Catalogue
from genoflow.resistance.rules import ExpertRules, default_rules
from genoflow.resistance.who_category import who_category
from genoflow.settings import Thresholds

EXPERT_RULE = "expert rule"
DELETION_FLANK = 1000  # window each side of a gene whose median depth must reach min_depth for a deletion call
_PROTEIN_POS = re.compile(r"(?:p\.|_)[A-Z][a-z]{2}(\d+)")  # p.Ser450Leu; both ends of p.Thr420_Ser430del


@dataclass(frozen=True)
class Hit:
    """One piece of evidence: a variant (or gene deletion) graded for a drug."""

    drug: str
    variant: str
    gene: str
    grade: int  # 1-5; expert rules count as 1
    grade_text: str
    af: float
    source: str
    heteroresistant: bool
    lof: bool


def predict(variants: list[Variant], depth: np.ndarray, catalogue: Catalogue, qc_passed: bool,
            thresholds: Thresholds, rules: ExpertRules | None = None) -> tuple[list[DrugCall], str]:
    """The 15 DrugCalls (sorted by drug) and the WHO category, from annotated variants and per-base depth."""
    rules = rules or default_rules()
    depth = np.asarray(depth)
    evidence_variants = [v for v in variants if v.filter == "PASS" and v.af >= thresholds.minority_af]
    hits = [h for v in evidence_variants for h in variant_hits(v, catalogue, rules, thresholds)]
    hits += deletion_hits(depth, catalogue, rules, thresholds)
    hits = apply_epistasis(hits, rules)
    unsure = unconfirmed_resistance(variants, catalogue, rules, thresholds)
    calls = []
    for drug in sorted(DRUGS):
        drug_hits = [h for h in hits if h.drug == drug]
        missing = missing_regions(depth, required_positions(catalogue, rules, drug), catalogue,
                                  thresholds.min_depth)
        calls.append(_call(drug, drug_hits, missing + unsure.get(drug, []), qc_passed))
    return calls, who_category(calls)


def unconfirmed_resistance(variants: list[Variant], catalogue: Catalogue, rules: ExpertRules,
                           t: Thresholds) -> dict[str, list[str]]:
    """Drug -> resistance-graded variants seen without full evidence (a FILTER other than PASS).

    Such a variant is not evidence of R, but neither may the drug be called S over it: it makes the drug F
    (listed with the missing regions) unless other evidence makes it R.
    """
    out: dict[str, list[str]] = {}
    for v in variants:
        if v.filter == "PASS" or v.af < t.minority_af:
            continue
        for h in variant_hits(v, catalogue, rules, t):
            if h.grade in RESISTANCE_GRADES:
                entry = f"{h.variant} (seen, filtered {v.filter})"
                if entry not in out.setdefault(h.drug, []):
                    out[h.drug].append(entry)
    return out


def _call(drug: str, hits: list[Hit], missing: list[str], qc_passed: bool) -> DrugCall:
    resistant = [h for h in hits if h.grade in RESISTANCE_GRADES]
    uncertain = [h for h in hits if h.grade == 3]
    if resistant:
        call = "R"
    elif missing or not qc_passed:
        call = "F"
    elif uncertain:
        call = "U"
    else:
        call = "S"
    shown = sorted(resistant + uncertain, key=lambda h: (h.grade, h.variant))
    evidence = [Evidence(variant=h.variant, grade=h.grade_text, af=round(h.af, 4), source=h.source,
                         heteroresistant=h.heteroresistant) for h in _dedupe(shown)]
    return DrugCall(drug=drug, call=call, evidence=evidence, missing=missing)


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.variant not in seen:
            seen.add(h.variant)
            out.append(h)
    return out


def variant_hits(v: Variant, catalogue: Catalogue, rules: ExpertRules, t: Thresholds) -> list[Hit]:
    """Every drug-graded piece of evidence one variant gives (all grades 1-5)."""
    het = v.af < t.consensus_af
    names = catalogue.names_at(v.pos, v.ref, v.alt)
    names += [n for n in (v.name or "").split("&") if n and n not in names]
    explicit: dict[str, Hit] = {}
    for name in names:
        for drug, grade, text, _ in catalogue.grades_for(name):
            h = Hit(drug, name, name.split("_", 1)[0], grade, text, v.af, catalogue.info.version.split(":")[0],
                    het, name.endswith("_LoF"))
            if drug not in explicit or grade < explicit[drug].grade:
                explicit[drug] = h
    hits = list(explicit.values())
    shown = v.name or f"{v.pos}{v.ref}>{v.alt}"
    gene = v.gene or ""
    is_lof = v.effect in rules.lof_effects
    fallback: dict[str, Hit] = {}
    if is_lof:
        for drug in DRUGS:
            grade = catalogue.genes_graded("LoF", drug).get(gene)
            if grade is not None:
                fallback[drug] = Hit(drug, shown, gene, grade[0], f"{grade[1]} ({gene}_LoF)", v.af,
                                     f"{catalogue.info.version.split(':')[0]}:{gene}_LoF", het, True)
        for rule in rules.loss_of_function:
            if rule.gene == gene:
                for drug in rule.drugs:
                    fallback[drug] = Hit(drug, shown, gene, 1, EXPERT_RULE, v.af, rule.id, het, True)
    for rule in rules.regions:
        if rule.gene == gene and v.effect in rule.effects and _in_codons(v, rule.codons):
            for drug in rule.drugs:
                fallback[drug] = Hit(drug, shown, gene, 1, EXPERT_RULE, v.af, rule.id, het, is_lof)
    hits += [h for drug, h in fallback.items() if drug not in explicit]
    return hits


def _in_codons(v: Variant, codons: tuple[int, int]) -> bool:
    """True if the protein positions named in the variant's HGVS (a range for indels) overlap the codon range."""
    positions = [int(m) for m in _PROTEIN_POS.findall(v.hgvs or "")]
    return bool(positions) and min(positions) <= codons[1] and max(positions) >= codons[0]


def deletion_hits(depth: np.ndarray, catalogue: Catalogue, rules: ExpertRules, t: Thresholds) -> list[Hit]:
    """Whole-gene deletions (zero depth over the gene body, flanks covered) of genes with deletion/LoF grades."""
    hits = []
    rule_genes = {r.gene: r for r in rules.loss_of_function}
    for gene in catalogue.genes.itertuples(index=False):
        body = depth[gene.start - 1 : gene.end]
        left = depth[max(gene.start - 1 - DELETION_FLANK, 0) : gene.start - 1]
        right = depth[gene.end : gene.end + DELETION_FLANK]
        if body.size == 0 or body.max() > 0 or min(_median(left), _median(right)) < t.min_depth:
            continue
        name = f"{gene.gene}_deletion"
        by_drug: dict[str, Hit] = {}
        for drug in DRUGS:
            grade = catalogue.genes_graded("deletion", drug).get(gene.gene) or catalogue.genes_graded(
                "LoF", drug).get(gene.gene)
            if grade is not None:
                by_drug[drug] = Hit(drug, name, gene.gene, grade[0], grade[1], 1.0,
                                    catalogue.info.version.split(":")[0], False, True)
        if gene.gene in rule_genes:
            for drug in rule_genes[gene.gene].drugs:
                if drug not in by_drug or by_drug[drug].grade not in RESISTANCE_GRADES:
                    by_drug[drug] = Hit(drug, name, gene.gene, 1, EXPERT_RULE, 1.0, rule_genes[gene.gene].id,
                                        False, True)
        hits += by_drug.values()
    return hits


def _median(a: np.ndarray) -> float:
    return float(np.median(a)) if a.size else 0.0


def apply_epistasis(hits: list[Hit], rules: ExpertRules) -> list[Hit]:
    """A fixed LoF in a suppressor gene turns the target gene's resistance evidence into abrogated (grade 3)."""
    out = list(hits)
    for rule in rules.epistasis:
        suppressed = any(h.gene == rule.suppressor and h.lof and not h.heteroresistant for h in hits)
        if not suppressed:
            continue
        out = [
            Hit(h.drug, h.variant, h.gene, 3, f"{h.grade_text}; abrogated by {rule.suppressor} LoF ({rule.id})",
                h.af, h.source, h.heteroresistant, h.lof)
            if h.gene == rule.target and h.drug in rule.drugs and h.grade in RESISTANCE_GRADES else h
            for h in out
        ]
    return out


def required_positions(catalogue: Catalogue, rules: ExpertRules, drug: str) -> np.ndarray:
    """Sorted 1-based positions that must reach min_depth before the drug can be called S (cached per
    catalogue object and rules)."""
    cache = catalogue.derived.setdefault("required_positions", {})
    key = (rules, drug)
    if key not in cache:
        cache[key] = _required(catalogue, rules, drug)
    return cache[key]


def _required(catalogue: Catalogue, rules: ExpertRules, drug: str) -> np.ndarray:
    genes = {g.gene: g for g in catalogue.genes.itertuples(index=False)}
    spans = [(lo, hi) for _, lo, hi in catalogue.resistance_positions(drug)]
    for rule in rules.regions:
        if drug in rule.drugs and rule.gene in genes:
            g = genes[rule.gene]
            a, b = rule.codons
            if g.strand == "+":
                spans.append((g.start + (a - 1) * 3, g.start + b * 3 - 1))
            else:
                spans.append((g.end - b * 3 + 1, g.end - (a - 1) * 3))
    lof_genes = {r.gene for r in rules.loss_of_function if drug in r.drugs}
    for suffix in ("LoF", "deletion"):
        lof_genes |= {g for g, (grade, _) in catalogue.genes_graded(suffix, drug).items()
                      if grade in RESISTANCE_GRADES}
    spans += [(genes[g].start, genes[g].end) for g in lof_genes if g in genes]
    if not spans:
        return np.array([], dtype=np.int64)
    return np.unique(np.concatenate([np.arange(lo, hi + 1) for lo, hi in spans]))


def missing_regions(depth: np.ndarray, positions: np.ndarray, catalogue: Catalogue, min_depth: int) -> list[str]:
    """Required positions below min_depth, merged into `gene:start-end` intervals (gene of the first base)."""
    if positions.size == 0:
        return []
    shallow = positions[depth[positions - 1] < min_depth]
    if shallow.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(shallow) > 1)
    starts = np.concatenate([[shallow[0]], shallow[breaks + 1]])
    ends = np.concatenate([shallow[breaks], [shallow[-1]]])
    return [f"{catalogue.gene_at(int(s))}:{int(s)}-{int(e)}" for s, e in zip(starts, ends)]
