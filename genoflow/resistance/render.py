"""Self-contained clinical HTML report (Jinja2 template, inline CSS and SVG, no network access)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jinja2 import Environment, PackageLoader

from genoflow.refdata import Reference
from genoflow.report import Report

PLOT_BINS = 80
PLOT_WIDTH, PLOT_HEIGHT = 240, 44
CALL_TEXT = {"R": "Resistant", "U": "Uncertain", "S": "Susceptible", "F": "Not determinable"}
LIMITATIONS = (
    "Calls are predictions from the WHO mutation catalogue and expert rules, not phenotypic drug-susceptibility "
    "test results. 'Susceptible' means no catalogued resistance-associated variant was found and every "
    "resistance-associated position of that drug was covered; resistance by mechanisms outside the catalogue "
    "(novel variants, efflux, large rearrangements, mixed infections below the minority threshold) cannot be "
    "excluded. 'Uncertain' variants have no established association with resistance. 'Not determinable' means "
    "part of the drug's resistance loci was not sequenced deeply enough (or the sample failed QC): repeat "
    "testing or phenotypic DST is needed. Minority variants (heteroresistance) are reported at allele frequency "
    "of 10% or more; lower-frequency populations are not detected. Results must be interpreted by a clinician "
    "together with phenotypic and clinical information."
)


@dataclass(frozen=True)
class LocusPlot:
    locus: str
    drugs: str
    start: int
    end: int
    svg: str
    min_depth: int
    below: int


def _env() -> Environment:
    return Environment(loader=PackageLoader("genoflow.resistance", "templates"),
                       autoescape=True, trim_blocks=True, lstrip_blocks=True)


def locus_plot(depth: np.ndarray, start: int, end: int, min_depth: int) -> tuple[str, int, int]:
    """Inline SVG of the per-bin minimum depth over [start, end] with the min_depth line; (svg, min, n below)."""
    values = np.asarray(depth[start - 1 : end], dtype=float)
    bins = np.array_split(values, min(PLOT_BINS, len(values)))
    lows = np.array([b.min() for b in bins])
    top = max(float(values.max()), min_depth * 2.0, 1.0)
    w = PLOT_WIDTH / len(bins)
    bars = []
    for i, v in enumerate(lows):
        h = PLOT_HEIGHT * v / top
        colour = "#c0392b" if v < min_depth else "#5d8aa8"
        bars.append(f'<rect x="{i * w:.1f}" y="{PLOT_HEIGHT - h:.1f}" width="{w:.2f}" height="{h:.1f}" '
                    f'fill="{colour}"/>')
    line_y = PLOT_HEIGHT - PLOT_HEIGHT * min_depth / top
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" '
           f'role="img" aria-label="depth {start}-{end}">'
           f'<rect width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" fill="#f4f6f8"/>{"".join(bars)}'
           f'<line x1="0" x2="{PLOT_WIDTH}" y1="{line_y:.1f}" y2="{line_y:.1f}" stroke="#333" '
           f'stroke-dasharray="3,2" stroke-width="0.8"/></svg>')
    return svg, int(values.min()), int((values < min_depth).sum())


def render_html(report: Report, depth: np.ndarray, reference: Reference) -> str:
    """The clinical report for one sample as a single self-contained HTML document."""
    min_depth = int(report.pipeline.parameters.get("min_depth", 10))
    plots = []
    for row in reference.loci.itertuples(index=False):
        svg, low, below = locus_plot(depth, int(row.start), int(row.end), min_depth)
        plots.append(LocusPlot(row.locus, row.drugs.replace(",", ", "), int(row.start), int(row.end), svg, low,
                               below))
    resistance_names = {e.variant for d in report.drugs for e in d.evidence}
    return _env().get_template("report.html.j2").render(
        r=report, call_text=CALL_TEXT, plots=plots, min_depth=min_depth, limitations=LIMITATIONS,
        resistance_names=resistance_names,
    )
