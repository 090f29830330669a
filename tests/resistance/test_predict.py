"""Per-drug calls for each rule class, from variant lists and synthetic depth arrays."""

from __future__ import annotations

import numpy as np
import pytest

from genoflow.refdata import Reference
from genoflow.report import DRUGS
from genoflow.resistance.catalogue import Catalogue
from genoflow.resistance.predict import predict, required_positions
from genoflow.resistance.rules import RulesError, default_rules, load_rules
from genoflow.settings import Thresholds

T = Thresholds()
RPOB_START, KATG = 759807, (2153889, 2156111)


def calls_of(variants, depth, catalogue, qc_passed=True):
    calls, category = predict(variants, depth, catalogue, qc_passed, T)
    return {c.drug: c for c in calls}, category


def test_clean_sample_is_susceptible_everywhere(catalogue: Catalogue, depth) -> None:
    calls, category = predict([], depth, catalogue, True, T)
    assert [c.drug for c in calls] == sorted(DRUGS)
    assert {c.call for c in calls} == {"S"} and category == "susceptible"
    assert all(not c.evidence and not c.missing for c in calls)


def test_rpob_s450l_and_katg_s315t_make_mdr(catalogue, depth, make_variants) -> None:
    calls, category = calls_of(make_variants((761155, "C", "T"), (2155168, "C", "G")), depth, catalogue)
    assert calls["rifampicin"].call == "R" and calls["isoniazid"].call == "R"
    ev = calls["rifampicin"].evidence[0]
    assert (ev.variant, ev.grade, ev.source, ev.heteroresistant) == ("rpoB_p.Ser450Leu", "Assoc w R", "who2023",
                                                                     False)
    assert category == "MDR-TB"
    assert calls["ethambutol"].call == "S"


def test_inha_promoter_gives_isoniazid_and_ethionamide(catalogue, depth, make_variants) -> None:
    calls, category = calls_of(make_variants((1673425, "C", "T")), depth, catalogue)
    assert calls["isoniazid"].call == "R" and calls["ethionamide"].call == "R"
    assert calls["isoniazid"].evidence[0].variant == "inhA_c.-777C>T"
    assert category == "Hr-TB"


def _novel(reference: Reference, catalogue: Catalogue, positions, effect: str, make) -> tuple:
    """First single-base change (or 1-bp deletion for frameshifts) at the positions with the effect that the
    catalogue does not list."""
    seq = reference.sequence
    for pos in positions:
        if effect == "frameshift_variant":
            options = [(pos, seq[pos - 1 : pos + 1], seq[pos - 1])]
        else:
            options = [(pos, seq[pos - 1], b) for b in "ACGT" if b != seq[pos - 1]]
        for spec in options:
            v = make(spec)[0]
            if v.effect == effect and not catalogue.names_at(*spec) and not catalogue.grades_for(v.name):
                return spec
    raise AssertionError("no novel variant found")


def test_novel_rrdr_change_fires_the_rrdr_rule(reference, catalogue, depth, make_variants) -> None:
    rrdr = range(RPOB_START + 425 * 3, RPOB_START + 452 * 3)
    spec = _novel(reference, catalogue, rrdr, "missense_variant", make_variants)
    calls, _ = calls_of(make_variants(spec), depth, catalogue)
    assert calls["rifampicin"].call == "R"
    assert calls["rifampicin"].evidence[0].source == "rpoB_RRDR"
    assert calls["rifampicin"].evidence[0].grade == "expert rule"
    # a novel missense outside the RRDR and the catalogue is reported but does not make R
    outside = _novel(reference, catalogue, range(RPOB_START + 3 * 800, RPOB_START + 3 * 900), "missense_variant",
                     make_variants)
    calls, _ = calls_of(make_variants(outside), depth, catalogue)
    assert calls["rifampicin"].call == "S"


def test_synonymous_rrdr_change_does_not_fire(catalogue, depth, make_variants) -> None:
    v = make_variants((761156, "G", "C"))  # rpoB c.1350G>C, Ser450Ser
    assert v[0].effect == "synonymous_variant"
    calls, _ = calls_of(v, depth, catalogue)
    assert calls["rifampicin"].call == "S"


def test_frameshift_in_lof_genes(reference, catalogue, depth, make_variants) -> None:
    pnca = _novel(reference, catalogue, range(2288700, 2289200), "frameshift_variant", make_variants)
    calls, _ = calls_of(make_variants(pnca), depth, catalogue)
    assert calls["pyrazinamide"].call == "R"
    assert calls["pyrazinamide"].evidence[0].source == "pncA_LoF"
    # a catalogued frameshift in katG matches the pooled WHO entry katG_LoF by coordinates
    row = catalogue.records[catalogue.records.names == "katG_LoF"].iloc[0]
    calls, _ = calls_of(make_variants((int(row.pos), row.ref, row.alt)), depth, catalogue)
    assert calls["isoniazid"].call == "R" and calls["isoniazid"].evidence[0].variant == "katG_LoF"
    # a frameshift in a gene whose LoF the catalogue grades uncertain (ahpC) gives U, not R
    ahpc = _novel(reference, catalogue, range(2726200, 2726700), "frameshift_variant", make_variants)
    calls, _ = calls_of(make_variants(ahpc), depth, catalogue)
    assert calls["isoniazid"].call == "U"


def test_grade5_neutral_variant_stays_susceptible(catalogue, depth, make_variants) -> None:
    g5 = catalogue.grades[(catalogue.grades.grade == 5)]
    names = set(g5.name)
    rec = catalogue.records[catalogue.records.names.isin(names) & (catalogue.records.ref.str.len() == 1)
                            & (catalogue.records.alt.str.len() == 1)].iloc[0]
    drug = g5[g5.name == rec.names].drug.iloc[0]
    calls, _ = calls_of(make_variants((int(rec.pos), rec.ref, rec.alt)), depth, catalogue)
    assert calls[drug].call == "S" and calls[drug].evidence == []


def test_uncertain_only_gives_u(catalogue, depth, make_variants) -> None:
    g3 = catalogue.grades[catalogue.grades.grade == 3]
    drugs_of = g3.groupby("name").drug.apply(set)
    all_grades = catalogue.grades.groupby("name").grade.max()
    only3 = set(all_grades[all_grades == 3].index)
    rec = catalogue.records[catalogue.records.names.isin(only3) & (catalogue.records.ref.str.len() == 1)].iloc[0]
    drug = sorted(drugs_of[rec.names])[0]
    calls, _ = calls_of(make_variants((int(rec.pos), rec.ref, rec.alt)), depth, catalogue)
    assert calls[drug].call == "U" and calls[drug].evidence[0].grade == "Uncertain significance"


def test_minority_variant_is_heteroresistant_and_noise_is_ignored(catalogue, depth, make_variants) -> None:
    calls, category = calls_of(make_variants((761155, "C", "T", 0.2)), depth, catalogue)
    assert calls["rifampicin"].call == "R" and calls["rifampicin"].evidence[0].heteroresistant
    assert category == "RR-TB"
    below, _ = calls_of(make_variants((761155, "C", "T", 0.05)), depth, catalogue)
    assert below["rifampicin"].call == "S"
    filtered, _ = calls_of(make_variants((761155, "C", "T", 0.4), filter="StrandBias"), depth, catalogue)
    assert filtered["rifampicin"].call == "F"  # not evidence of R, but never S over a seen resistance allele


def test_region_without_reads_is_never_susceptible(catalogue, depth) -> None:
    depth[761080 - 1 : 761200] = 0
    calls, category = calls_of([], depth, catalogue)
    assert calls["rifampicin"].call == "F"
    (missing,) = calls["rifampicin"].missing  # one merged interval: the required positions inside the gap
    gene, span = missing.split(":")
    start, end = map(int, span.split("-"))
    assert gene == "rpoB" and 761080 <= start <= 761082 and 761162 <= end <= 761200  # RRDR = 761082-761162
    assert category == "undetermined"
    assert calls["isoniazid"].call == "S"


def test_whole_rpob_without_reads(catalogue, depth) -> None:
    depth[759807 - 1 : 763325] = 0
    calls, _ = calls_of([], depth, catalogue)
    assert calls["rifampicin"].call == "F" and calls["rifampicin"].missing


def test_isolated_shallow_uncertain_position_does_not_block_s(catalogue, depth) -> None:
    required = set(required_positions(catalogue, default_rules(), "rifampicin").tolist())
    outside = next(p for p in range(RPOB_START + 3000, RPOB_START + 3400) if p not in required)
    depth[outside - 1] = 2
    calls, _ = calls_of([], depth, catalogue)
    assert calls["rifampicin"].call == "S"


def test_katg_deletion_is_resistance(catalogue, depth) -> None:
    depth[KATG[0] - 1 : KATG[1]] = 0
    calls, _ = calls_of([], depth, catalogue)
    assert calls["isoniazid"].call == "R"
    assert calls["isoniazid"].evidence[0].variant == "katG_deletion"


def test_mmpl5_lof_abrogates_rv0678_resistance(reference, catalogue, depth, make_variants) -> None:
    rv0678 = catalogue.records[catalogue.records.names == "Rv0678_p.Asp47fs"].iloc[0]
    alone, _ = calls_of(make_variants((int(rv0678.pos), rv0678.ref, rv0678.alt)), depth, catalogue)
    assert alone["bedaquiline"].call == "R" and alone["clofazimine"].call == "R"
    mmpl5 = _novel(reference, catalogue, range(776000, 776500), "frameshift_variant", make_variants)
    both, _ = calls_of(make_variants((int(rv0678.pos), rv0678.ref, rv0678.alt), mmpl5), depth, catalogue)
    assert both["bedaquiline"].call == "U"
    assert any("abrogated by mmpL5" in e.grade for e in both["bedaquiline"].evidence)


def test_failed_qc_is_f_unless_resistance_is_seen(catalogue, depth, make_variants) -> None:
    calls, category = calls_of(make_variants((761155, "C", "T")), depth, catalogue, qc_passed=False)
    assert calls["rifampicin"].call == "R"
    assert {c.call for d, c in calls.items() if d != "rifampicin"} == {"F"}
    assert category.startswith("RR-TB")


def test_rules_file_errors_name_the_file(tmp_path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('schema_version = 1\nlof_effects = []\n[[loss_of_function]]\nid = "x"\ngene = "katG"\n'
                   'drugs = ["aspirin"]\n')
    with pytest.raises(RulesError, match=str(bad)):
        load_rules(bad)
    bad.write_text("schema_version = 2\n")
    with pytest.raises(RulesError, match="schema_version"):
        load_rules(bad)


def test_rules_file_is_the_single_source(catalogue, depth, make_variants) -> None:
    rules = default_rules()
    assert {r.gene for r in rules.loss_of_function} == {"katG", "pncA", "ethA", "gid", "Rv0678", "tlyA"}
    rrdr = rules.regions[0]
    assert (rrdr.gene, rrdr.codons, rrdr.drugs) == ("rpoB", (426, 452), ("rifampicin",))
    assert np.isin(np.arange(761082, 761163), required_positions(catalogue, rules, "rifampicin")).all()


def test_a_filtered_resistance_variant_makes_the_drug_f_not_s(catalogue, depth, make_variants) -> None:
    (v,) = make_variants((761155, "C", "T"))
    calls, _ = calls_of([v.model_copy(update={"filter": "StrandBias", "af": 0.4})], depth, catalogue)
    assert calls["rifampicin"].call == "F"
    assert calls["rifampicin"].missing == ["rpoB_p.Ser450Leu (seen, filtered StrandBias)"]
    assert calls["isoniazid"].call == "S"


def test_rrdr_rule_covers_an_indel_that_starts_before_the_region(catalogue) -> None:
    from genoflow.report import Variant
    from genoflow.resistance.predict import _in_codons

    def v(hgvs: str) -> Variant:
        return Variant(chrom="NC_000962.3", pos=1, ref="A", alt="C", depth=30, af=1.0, qual=50, filter="PASS",
                       minority=False, hgvs=hgvs)

    assert _in_codons(v("p.Thr420_Ser430del"), (426, 452))
    assert _in_codons(v("p.Ser450Leu"), (426, 452))
    assert not _in_codons(v("p.Thr400_Ser410del"), (426, 452))
