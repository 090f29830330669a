"""Fixtures for the store tests: reports built directly from the fixed Report model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

import pytest

from genoflow.report import (
    DRUGS, QC, CatalogueInfo, DrugCall, Evidence, InputFile, Pipeline, Report, Sample, Variant,
)
from genoflow.store import Store

MakeReport = Callable[..., Report]


def make_report(sample_id: str, *, batch_id: str | None = "B1", site: str | None = "Lima",
                collected: date | None = date(2024, 3, 5), country: str | None = "PE", passed: bool = True,
                calls: dict[str, str] | None = None, evidence: dict[str, list[str]] | None = None,
                snvs: list[tuple[int, str, str]] | None = None, who_category: str | None = None,
                minority: list[tuple[int, str, str]] | None = None) -> Report:
    """A report whose drug calls default to S for every drug; `calls` overrides some, `evidence` gives the
    variant names behind each R call, `snvs` are consensus (pos, ref, alt), `minority` low-AF ones."""
    calls = {drug: "S" for drug in DRUGS} | (calls or {})
    evidence = evidence or {}
    variants = [Variant(chrom="NC_000962.3", pos=p, ref=r, alt=a, depth=40, af=1.0, qual=200.0, filter="PASS",
                        minority=False) for p, r, a in snvs or []]
    variants += [Variant(chrom="NC_000962.3", pos=p, ref=r, alt=a, depth=40, af=0.2, qual=50.0, filter="PASS",
                         minority=True) for p, r, a in minority or []]
    drugs = [DrugCall(drug=drug, call=call, evidence=[
        Evidence(variant=name, grade="Assoc w R", af=1.0, source="WHO-2023") for name in evidence.get(drug, [])])
        for drug, call in calls.items()]
    return Report(
        sample=Sample(sample_id=sample_id, input_type="fastq", batch_id=batch_id, collection_date=collected,
                      site=site, country=country,
                      inputs=[InputFile(name=f"{sample_id}_1.fastq.gz", sha256=hashlib.sha256(sample_id.encode()).hexdigest(),
                                        bytes=100)]),
        qc=QC(read_count=100000, bases=15000000, mean_read_length=150.0, mean_base_quality=35.0, gc_content=0.65,
              mapped_fraction=0.99 if passed else 0.4, mean_depth=60.0 if passed else 4.0, breadth_1x=0.99,
              breadth_10x=0.98 if passed else 0.3, passed=passed, reasons=[] if passed else ["mean depth 4.0 < 15"]),
        variants=variants, drugs=drugs, who_category=who_category,
        catalogue=CatalogueInfo(name="WHO", version="2023.v2", schema_version="1"),
        pipeline=Pipeline(version="0.1.0", reference="NC_000962.3 sha256:00", aligner="minimap2", caller="bcftools",
                          parameters={"min_depth": 10}),
    )


@pytest.fixture
def report_factory() -> MakeReport:
    return make_report


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "store")
