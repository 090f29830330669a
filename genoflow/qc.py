"""QC metrics and the pass/fail verdict (thresholds from `Thresholds`, reasons in plain words)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from genoflow.coverage import Coverage
from genoflow.report import QC, LocusDepth
from genoflow.settings import Thresholds
from genoflow.validate import ReadStats


def locus_depths(depth: np.ndarray, loci: pd.DataFrame, min_depth: int) -> list[LocusDepth]:
    out = []
    for row in loci.itertuples(index=False):
        window = depth[row.start - 1 : row.end]
        out.append(LocusDepth(locus=row.locus, chrom=row.chrom, start=int(row.start), end=int(row.end),
                              mean_depth=round(float(window.mean()), 2), min_depth=int(window.min()),
                              fraction_at_min_depth=round(float((window >= min_depth).mean()), 4)))
    return out


def qc_report(stats: ReadStats, coverage: Coverage, loci: pd.DataFrame, t: Thresholds) -> QC:
    depth = coverage.depth
    mean_depth = float(depth.mean())
    breadth_1x = float((depth >= 1).mean())
    breadth_10x = float((depth >= 10).mean())
    checks = [
        (stats.reads >= t.min_reads, f"only {stats.reads} reads (minimum {t.min_reads})"),
        (coverage.mapped_fraction >= t.min_mapped_fraction,
         f"{coverage.mapped_fraction:.1%} of reads map to H37Rv (minimum {t.min_mapped_fraction:.0%}): "
         "not M. tuberculosis complex, or contaminated"),
        (mean_depth >= t.min_mean_depth, f"mean depth {mean_depth:.1f}x (minimum {t.min_mean_depth:g}x)"),
        (breadth_10x >= t.min_breadth_10x,
         f"{breadth_10x:.1%} of the genome at >= 10x (minimum {t.min_breadth_10x:.0%})"),
    ]
    reasons = [reason for ok, reason in checks if not ok]
    return QC(read_count=stats.reads, bases=stats.bases, mean_read_length=round(stats.mean_length, 2),
              mean_base_quality=round(stats.mean_quality, 2), gc_content=round(stats.gc_content, 4),
              mapped_fraction=round(coverage.mapped_fraction, 4), mean_depth=round(mean_depth, 2),
              breadth_1x=round(breadth_1x, 4), breadth_10x=round(breadth_10x, 4),
              loci=locus_depths(depth, loci, t.min_depth), passed=not reasons, reasons=reasons)
