"""The trailing-twelve-month race: revenue and capex of each company, rendered to PNG.

A fiscal year's total is the trailing twelve months at its last day, so the chart plots
every TTM value of ``marts.ttm_comparison`` and every fiscal year of
``marts.capex_intensity`` at the date it ends (USD billions, exact values in the marts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

CHART_SQL = """
WITH points AS (
    SELECT ticker, period_end AS as_of, revenue, capex, 1 AS preference
    FROM marts.capex_intensity
    UNION ALL
    SELECT 'AMZN', amzn_quarter_end, amzn_ttm_revenue, amzn_ttm_capex, 0
    FROM marts.ttm_comparison WHERE amzn_ttm_revenue IS NOT NULL OR amzn_ttm_capex IS NOT NULL
    UNION ALL
    SELECT 'WMT', wmt_quarter_end, wmt_ttm_revenue, wmt_ttm_capex, 0
    FROM marts.ttm_comparison WHERE wmt_ttm_revenue IS NOT NULL OR wmt_ttm_capex IS NOT NULL
)
SELECT ticker, as_of,
       arg_min(revenue, preference) AS revenue,
       arg_min(capex, preference) AS capex
FROM points
WHERE as_of IS NOT NULL
GROUP BY ticker, as_of
ORDER BY ticker, as_of
"""

COLOURS = {"AMZN": "#ff9900", "WMT": "#0071ce"}


@dataclass(frozen=True)
class ChartPoint:
    """One company's trailing-twelve-month revenue and capex at a date."""

    ticker: str
    as_of: date
    revenue: Decimal | None
    capex: Decimal | None


def chart_points(con) -> list[ChartPoint]:
    """The points to plot, read from the marts."""
    return [ChartPoint(*row) for row in con.execute(CHART_SQL).fetchall()]


def render_ttm_chart(points: list[ChartPoint], path: Path) -> Path:
    """Draw revenue (top) and capex (bottom) per company; write a PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for ticker in sorted({p.ticker for p in points}):
        mine = [p for p in points if p.ticker == ticker]
        colour = COLOURS.get(ticker)
        for axis, field in ((top, "revenue"), (bottom, "capex")):
            xy = [(p.as_of, float(getattr(p, field)) / 1e9) for p in mine if getattr(p, field)]
            if xy:
                xs, ys = zip(*xy, strict=True)
                axis.plot(xs, ys, marker="o", label=ticker, color=colour)
                axis.annotate(
                    f"${ys[-1]:,.1f}B",
                    (xs[-1], ys[-1]),
                    textcoords="offset points",
                    xytext=(6, 0),
                    fontsize=8,
                    color=colour,
                )
    top.set_title("Trailing-twelve-month revenue (USD billions)")
    bottom.set_title("Trailing-twelve-month capital expenditure (USD billions)")
    for axis in (top, bottom):
        axis.grid(True, alpha=0.3)
        if axis.lines:
            axis.legend(loc="upper left")
        else:
            axis.text(
                0.5,
                0.5,
                "no complete twelve-month period yet",
                ha="center",
                va="center",
                transform=axis.transAxes,
                color="grey",
            )
    fig.suptitle("Amazon vs Walmart, from their SEC filings")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
