"""A dependency-free SVG line chart of prevalence over time (for Prefect markdown artifacts and reports)."""

from __future__ import annotations

import base64
from html import escape

import pandas as pd

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def prevalence_svg(frame: pd.DataFrame, title: str = "Resistance prevalence by month (95% Wilson CI)",
                   width: int = 720, height: int = 320) -> str:
    """Lines of `prevalence` per `drug` over `month` (YYYY-MM) with shaded CI bands from `ci_low`/`ci_high`."""
    data = frame.dropna(subset=["month", "prevalence"]).sort_values("month")
    months = sorted(data["month"].unique())
    left, right, top, bottom = 50, 150, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x = {m: left + (plot_w * i / max(len(months) - 1, 1)) for i, m in enumerate(months)}

    def y(value: float) -> float:
        return top + plot_h * (1 - value)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="11"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{left}" y="18" font-size="13">{escape(title)}</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.0%}</text>')
    step = max(1, len(months) // 12)
    for m in months[::step]:
        parts.append(f'<text x="{x[m]:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(str(m))}</text>')
    for number, (drug, rows) in enumerate(data.groupby("drug", sort=True)):
        colour = _COLOURS[number % len(_COLOURS)]
        rows = rows.sort_values("month")
        upper = [f"{x[m]:.1f},{y(v):.1f}" for m, v in zip(rows["month"], rows["ci_high"])]
        lower = [f"{x[m]:.1f},{y(v):.1f}" for m, v in zip(rows["month"], rows["ci_low"])]
        line = [f"{x[m]:.1f},{y(v):.1f}" for m, v in zip(rows["month"], rows["prevalence"])]
        parts.append(f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{colour}" fill-opacity="0.15"/>')
        parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.extend(f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" fill="{colour}"/>' for p in line)
        legend_y = top + 14 * number + 10
        parts.append(f'<rect x="{left + plot_w + 12}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + plot_w + 26}" y="{legend_y + 1}">{escape(str(drug))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
