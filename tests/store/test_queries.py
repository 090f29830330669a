"""Surveillance queries against hand counts on a small constructed batch; hostile parameters."""

from __future__ import annotations

from datetime import date

import pytest

from genoflow.store import (
    load_batch, prevalence, qc_failures, samples_with_variant, table_counts, top_mutations, who_categories,
)

HOSTILE = "'; DROP TABLE samples; --"
ODD = 'O\'Brien "clinic"; x'
MARCH, APRIL = date(2024, 3, 14), date(2024, 4, 2)
S450L, H445Y, KATG = "rpoB_p.Ser450Leu", "rpoB_p.His445Tyr", "katG_p.Ser315Thr"


@pytest.fixture
def loaded(store, report_factory):
    """Lima/March: rifampicin R R R S S U, plus an R that failed QC; Cusco/April: R S S S; hostile site: R S."""
    def r(sample, site, when, rif, ev=(), inh="S", who=None, passed=True):
        evidence = {"rifampicin": list(ev)}
        if inh == "R":
            evidence["isoniazid"] = [KATG]
        return report_factory(sample, site=site, collected=when, calls={"rifampicin": rif, "isoniazid": inh},
                              evidence=evidence, who_category=who, passed=passed,
                              snvs=[(761155, "C", "T")] if S450L in ev else [])
    reports = [
        r("L1", "Lima", MARCH, "R", [S450L], inh="R", who="MDR-TB"),
        r("L2", "Lima", MARCH, "R", [S450L], who="RR-TB"),
        r("L3", "Lima", MARCH, "R", [H445Y], inh="R", who="MDR-TB"),
        r("L4", "Lima", MARCH, "S", who="sensitive"),
        r("L5", "Lima", MARCH, "S", inh="R", who="HR-TB"),
        r("L6", "Lima", MARCH, "U"),
        r("L7", "Lima", MARCH, "R", [S450L], passed=False),
        r("C1", "Cusco", APRIL, "R", [S450L], who="RR-TB"),
        r("C2", "Cusco", APRIL, "S", who="sensitive"),
        r("C3", "Cusco", APRIL, "S", who="sensitive"),
        r("C4", "Cusco", APRIL, "S", who="sensitive"),
        r("H1", HOSTILE, APRIL, "R", [H445Y], who="RR-TB"),
        r("H2", HOSTILE, APRIL, "S", who="sensitive"),
        r("O1", ODD, APRIL, "S", who="sensitive"),
    ]
    load_batch(store, "B1", reports)
    return store


def test_prevalence_equals_hand_count(loaded):
    table = prevalence(loaded, drugs=["rifampicin"]).set_index(["site", "month"])
    lima, cusco = table.loc[("Lima", "2024-03")], table.loc[("Cusco", "2024-04")]
    assert (lima.tested, lima.resistant, lima.undetermined) == (5, 3, 1)  # L7 failed QC: not counted
    assert (cusco.tested, cusco.resistant, cusco.undetermined) == (4, 1, 0)
    assert lima.prevalence == pytest.approx(3 / 5) and cusco.prevalence == pytest.approx(1 / 4)
    # reference Wilson score 95% intervals: 3/5 -> 0.231-0.882, 1/4 -> 0.046-0.699
    assert (lima.ci_low, lima.ci_high) == pytest.approx((0.2307, 0.8824), abs=1e-4)
    assert (cusco.ci_low, cusco.ci_high) == pytest.approx((0.0456, 0.6994), abs=1e-4)
    with_failed = prevalence(loaded, drugs=["rifampicin"], sites=["Lima"], include_failed_qc=True).iloc[0]
    assert (with_failed.tested, with_failed.resistant) == (6, 4)
    overall = prevalence(loaded, by=("drug",), drugs=["isoniazid", "rifampicin"]).set_index("drug")
    assert overall.loc["isoniazid", ["tested", "resistant"]].tolist() == [13, 3]  # L6 is U for rifampicin only
    assert overall.loc["rifampicin", ["tested", "resistant"]].tolist() == [12, 5]
    april = prevalence(loaded, by=("drug",), drugs=["rifampicin"], start=date(2024, 4, 1)).iloc[0]
    assert (april.tested, april.resistant) == (7, 2)


def test_top_mutations_rank_evidence_behind_resistant_calls(loaded):
    top = top_mutations(loaded, drugs=["rifampicin"])
    assert top[["rank", "variant", "samples", "resistant_samples"]].values.tolist() == [
        [1, S450L, 3, 5], [2, H445Y, 2, 5]]  # L7 (failed QC) not counted
    assert top["share_of_resistant"].tolist() == pytest.approx([3 / 5, 2 / 5])
    assert top_mutations(loaded, limit=1)["drug"].tolist() == ["isoniazid", "rifampicin"]


def test_who_categories_over_time(loaded):
    table = who_categories(loaded).set_index(["month", "who_category"])["samples"].to_dict()
    assert table == {("2024-03", "MDR-TB"): 2, ("2024-03", "RR-TB"): 1, ("2024-03", "sensitive"): 1,
                     ("2024-03", "HR-TB"): 1, ("2024-03", "not determined"): 1,
                     ("2024-04", "RR-TB"): 2, ("2024-04", "sensitive"): 5}


def test_qc_failures_and_carriers(loaded):
    failures = qc_failures(loaded)
    assert failures[["sample_id", "reasons"]].values.tolist() == [["L7", "mean depth 4.0 < 15"]]
    carriers = samples_with_variant(loaded, "761155:C>T")
    assert sorted(carriers["sample_id"]) == ["C1", "L1", "L2"]
    assert len(samples_with_variant(loaded, "761155:C>T", include_failed_qc=True)) == 4


@pytest.mark.parametrize("site", [HOSTILE, ODD])
def test_hostile_site_names_are_plain_values(loaded, site):
    counts = table_counts(loaded)
    result = prevalence(loaded, drugs=["rifampicin"], sites=[site])
    expected = (2, 1) if site == HOSTILE else (1, 0)
    assert result["site"].tolist() == [site]
    assert (result.iloc[0].tested, result.iloc[0].resistant) == expected
    assert top_mutations(loaded, sites=[site])["variant"].tolist() == ([H445Y] if site == HOSTILE else [])
    assert len(qc_failures(loaded, sites=[site])) == 0
    assert table_counts(loaded) == counts
    assert prevalence(loaded, drugs=["rifampicin"], sites=["Lima"]).iloc[0].tested == 5


def test_unknown_grouping_is_refused(loaded):
    with pytest.raises(ValueError, match="group by must be some of"):
        prevalence(loaded, by=("drug", "site; DROP TABLE samples"))
