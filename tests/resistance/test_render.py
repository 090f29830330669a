"""The clinical HTML report: self-contained, and shows what a clinician needs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from genoflow.refdata import CHROM, Reference
from genoflow.report import QC, Pipeline, Report, Sample
from genoflow.resistance.catalogue import Catalogue
from genoflow.resistance.predict import predict
from genoflow.resistance.render import render_html
from genoflow.settings import Thresholds


def _report(variants, calls, category, catalogue: Catalogue, passed: bool = True) -> Report:
    qc = QC(read_count=1000, bases=150000, mean_read_length=150, mean_base_quality=35, gc_content=0.65,
            mapped_fraction=0.99, mean_depth=40, breadth_1x=1.0, breadth_10x=0.99, passed=passed,
            reasons=[] if passed else ["mean depth 4.0x below 15x"])
    return Report(sample=Sample(sample_id="S-<1>", input_type="fastq", inputs=[]), qc=qc, variants=variants,
                  drugs=calls, who_category=category, catalogue=catalogue.info,
                  pipeline=Pipeline(version="0.1.0", reference=CHROM, aligner="minimap2", caller="bcftools",
                                    parameters=Thresholds().model_dump()))


def test_report_is_self_contained_and_complete(reference: Reference, catalogue, depth, make_variants) -> None:
    depth[761080 - 1 : 761200] = 0  # an RRDR gap -> rifampicin not determinable
    variants = make_variants((2155168, "C", "G", 0.3))
    calls, category = predict(variants, depth, catalogue, True, Thresholds())
    html = render_html(_report(variants, calls, category, catalogue), depth, reference)
    HTMLParser().feed(html)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "no network references"
    assert "<script" not in html and "<link" not in html
    assert "S-&lt;1&gt;" in html  # escaped sample id
    assert "katG_p.Ser315Thr" in html and "heteroresistance" in html
    assert "Not determinable" in html and "rpoB:7610" in html
    assert html.count("<svg") == len(reference.loci)
    assert catalogue.info.version in html and "Limitations" in html
    assert "WHO category: <strong>undetermined</strong>" in html


def test_failed_qc_reasons_are_shown(reference: Reference, catalogue, depth) -> None:
    calls, category = predict([], depth, catalogue, False, Thresholds())
    html = render_html(_report([], calls, category, catalogue, passed=False), depth, reference)
    assert "FAIL" in html and "mean depth 4.0x below 15x" in html
