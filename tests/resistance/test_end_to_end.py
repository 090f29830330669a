"""Planted variants in simulated reads (regional, 60x) -> align -> call -> annotate -> predict, per rule class."""

from __future__ import annotations

from pathlib import Path

import pytest

from genoflow.refdata import Reference
from genoflow.report import DRUGS
from genoflow.resistance.catalogue import Catalogue
from genoflow.resistance.panel import IsolateResult, panel, profile_isolate, resolve
from genoflow.resistance.predict import required_positions
from genoflow.resistance.rules import default_rules
from genoflow.settings import Thresholds

FLANK = 3000
ISOLATES = {i.id: i for i in panel()}
CASES = ["P02", "P03", "P06", "P07", "P08", "P09", "P10"]


def test_panel_expectations_name_real_drugs() -> None:
    assert len(ISOLATES) >= 10
    assert all(d in DRUGS and c in "RUF" for i in ISOLATES.values() for d, c in i.expected.items())


@pytest.fixture(scope="module")
def results(reference: Reference, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, IsolateResult]:
    work = tmp_path_factory.mktemp("panel")
    out = {}
    for n, iid in enumerate(CASES):
        isolate = ISOLATES[iid]
        planted = [resolve(p, reference, catalogue) for p in isolate.plants]
        regions = sorted((v.pos - FLANK, v.pos + len(v.ref) + FLANK) for v in planted)
        regions += [(lo - FLANK, hi + FLANK) for lo, hi in isolate.gaps]
        out[iid] = profile_isolate(reference, catalogue, isolate, Path(work / iid), depth=60, regions=regions,
                                   seed=100 + n)
    return out


@pytest.mark.parametrize("iid", CASES)
def test_planted_calls(results: dict[str, IsolateResult], catalogue: Catalogue, iid: str) -> None:
    r = results[iid]
    calls = {c.drug: c for c in r.calls}
    for drug, expected in r.isolate.expected.items():
        got = calls[drug]
        if expected == "U" and got.call == "F":  # reads cover only part of the genome: F outranks U
            assert got.missing and got.evidence, (drug, got)
            continue
        assert got.call == expected, (drug, got)
    for drug, call in calls.items():
        if drug not in r.isolate.expected:
            assert call.call != "R", f"false R for {drug}: {call.evidence}"
        if call.call == "S":  # never S on missing data
            required = required_positions(catalogue, default_rules(), drug)
            assert (r.depth[required - 1] >= Thresholds().min_depth).all()


def test_heteroresistance_is_flagged(results: dict[str, IsolateResult]) -> None:
    rif = next(c for c in results["P07"].calls if c.drug == "rifampicin")
    assert rif.evidence[0].variant == "rpoB_p.Ser450Leu" and rif.evidence[0].heteroresistant
    assert 0.15 <= rif.evidence[0].af <= 0.45
    names = {v.name for v in results["P07"].variants}
    assert "katG_p.Arg463Leu" in names  # the neutral variant is called and reported, but is not evidence


def test_gap_is_listed_as_missing(results: dict[str, IsolateResult]) -> None:
    rif = next(c for c in results["P08"].calls if c.drug == "rifampicin")
    assert rif.call == "F" and any(m.startswith("rpoB:") for m in rif.missing)


def test_rule_sources(results: dict[str, IsolateResult]) -> None:
    calls = {c.drug: c for c in results["P06"].calls}
    assert calls["rifampicin"].evidence[0].source == "rpoB_RRDR"
    assert calls["pyrazinamide"].evidence[0].source == "pncA_LoF"
    bdq = next(c for c in results["P10"].calls if c.drug == "bedaquiline")
    assert any("abrogated by mmpL5 LoF" in e.grade for e in bdq.evidence)
    inh = next(c for c in results["P09"].calls if c.drug == "isoniazid")
    assert inh.evidence[0].variant == "katG_deletion"
