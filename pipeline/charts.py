"""The trailing-twelve-month race: revenue, capex and capex intensity of the compare set.

Every point is a twelve-month value from ``marts.company_quarters`` (core.ttm's chosen value at
a fiscal quarter end) of a company of the compare set (``marts.compare_set``): labelled FY at a
fiscal year end (the fiscal year's total) and TTM at any other quarter end. The chart is as of
the newest filing of those companies, so a new 10-Q adds a point and moves the date. A set
larger than :data:`MAX_CHARTED` is drawn as its :data:`MAX_CHARTED` companies with the largest
latest twelve-month revenue (the title says so): more lines are unreadable, and drawing cost
stays flat as companies are added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

POINTS_SQL = """
SELECT q.ticker, q.period_end, q.fiscal_label, q.fiscal_year,
       CASE WHEN q.fiscal_quarter = 4 THEN 'FY' ELSE 'TTM' END AS basis,
       q.ttm_revenue, q.ttm_revenue_method, q.ttm_capex, q.ttm_capex_method,
       q.ttm_capex_to_revenue
FROM marts.company_quarters AS q
JOIN marts.compare_set AS s ON s.member = q.ticker AND s.in_set
WHERE q.ttm_revenue IS NOT NULL OR q.ttm_capex IS NOT NULL
ORDER BY s.position, q.period_end
"""

AS_OF_SQL = """
SELECT f.filing_date, f.ticker, f.form, f.accession_number
FROM raw.filings AS f
JOIN marts.compare_set AS s ON s.member = f.ticker AND s.in_set
ORDER BY f.filing_date DESC, f.accession_number DESC
LIMIT 1
"""

BILLION = 1e9
MAX_CHARTED = 8


@dataclass(frozen=True)
class ChartPoint:
    """One company's twelve months to ``period_end``: basis 'FY' (fiscal year) or 'TTM'."""

    ticker: str
    period_end: date
    fiscal_label: str  # the fiscal quarter, e.g. FY2026Q2
    fiscal_year: int
    basis: str
    revenue: int | None
    revenue_method: str | None
    capex: int | None
    capex_method: str | None
    capex_to_revenue: object | None  # DECIMAL(18, 6)


@dataclass(frozen=True)
class ChartData:
    """What the chart draws, and as of which filing."""

    points: tuple[ChartPoint, ...]
    tickers: tuple[str, ...]  # the compare set with points, in its order
    as_of: date | None  # the newest filing of the compare set
    as_of_filing: str | None  # e.g. "AMZN 10-Q 0001018724-26-000026"
    of_companies: int = 0  # companies of the set with points (more than drawn: the largest)

    @property
    def title(self) -> str:
        when = f"as of {self.as_of} (newest filing: {self.as_of_filing})" if self.as_of else ""
        names = ", ".join(self.tickers)
        if self.of_companies > len(self.tickers):
            names = (
                f"the {len(self.tickers)} largest by latest TTM revenue of "
                f"{self.of_companies} ({names})"
            )
        return f"Twelve-month revenue and capex from SEC filings: {names} {when}"


def _largest(points: tuple[ChartPoint, ...], limit: int) -> tuple[str, ...]:
    """The tickers with points, in the set's order; above ``limit``, the ``limit`` with the
    largest latest twelve-month revenue (those without any revenue last)."""
    tickers = tuple(dict.fromkeys(p.ticker for p in points))
    if len(tickers) <= limit:
        return tickers
    latest: dict[str, int] = {}
    for p in points:  # in period order per company: the last revenue wins
        if p.revenue is not None:
            latest[p.ticker] = p.revenue
    ranked = sorted(tickers, key=lambda t: (t not in latest, -latest.get(t, 0)))
    chosen = set(ranked[:limit])
    return tuple(t for t in tickers if t in chosen)


def chart_data(con, limit: int = MAX_CHARTED) -> ChartData:
    """The points to plot and the as-of filing, read from the marts and raw.filings."""
    every = tuple(ChartPoint(*row) for row in con.execute(POINTS_SQL).fetchall())
    tickers = _largest(every, limit)
    drawn = set(tickers)
    newest = con.execute(AS_OF_SQL).fetchall()
    as_of, filing = (newest[0][0], " ".join(newest[0][1:])) if newest else (None, None)
    points = tuple(p for p in every if p.ticker in drawn)
    of_companies = len({p.ticker for p in every})
    return ChartData(points, tickers, as_of, filing, of_companies)


def point_label(point: ChartPoint, field: str) -> str:
    """The annotation of a point: its period and value ('TTM FY2026Q2 $173.0B', 'FY2025 3.5%')."""
    value = getattr(point, field)
    period = f"FY{point.fiscal_year}" if point.basis == "FY" else f"TTM {point.fiscal_label}"
    if field == "capex_to_revenue":
        return f"{period} {float(value):.1%}"
    return f"{period} ${value / BILLION:,.1f}B"


PANELS = (
    ("revenue", "Revenue, twelve months (USD billions)", BILLION),
    ("capex", "Capital expenditure, twelve months (USD billions)", BILLION),
    ("capex_to_revenue", "Capex intensity: capex / revenue (%)", 0.01),
)


def render_ttm_chart(data: ChartData, path: Path) -> Path:
    """Draw revenue, capex and capex intensity side by side; write a PNG to ``path``.

    TTM points are circles, FY points squares; each company's newest point is labelled.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, len(PANELS), figsize=(17, 5.5), sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, ticker in enumerate(data.tickers):
        colour = colours[i % len(colours)]
        mine = [p for p in data.points if p.ticker == ticker]
        for axis, (field, _, unit) in zip(axes, PANELS, strict=True):
            drawn = [p for p in mine if getattr(p, field) is not None]
            if not drawn:
                continue
            xs = [p.period_end for p in drawn]
            ys = [float(getattr(p, field)) / unit for p in drawn]
            axis.plot(xs, ys, color=colour, alpha=0.6, label=ticker)
            for basis, marker in (("TTM", "o"), ("FY", "s")):
                chosen = [(x, y) for p, x, y in zip(drawn, xs, ys, strict=True) if p.basis == basis]
                if chosen:
                    axis.scatter(*zip(*chosen, strict=True), marker=marker, color=colour, zorder=3)
            axis.annotate(
                point_label(drawn[-1], field),
                (xs[-1], ys[-1]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
                color=colour,
            )
    shapes = [
        Line2D([], [], marker="o", linestyle="", color="grey", label="TTM (quarter end)"),
        Line2D([], [], marker="s", linestyle="", color="grey", label="FY (fiscal year end)"),
    ]
    for axis, (_, title, _) in zip(axes, PANELS, strict=True):
        axis.set_title(title, fontsize=10)
        axis.grid(True, alpha=0.3)
        axis.tick_params(axis="x", labelrotation=30, labelsize=8)
        if axis.lines:
            axis.legend(handles=[*axis.get_legend_handles_labels()[0], *shapes], fontsize=7)
        else:
            axis.text(
                0.5,
                0.5,
                "no twelve-month value yet",
                ha="center",
                va="center",
                transform=axis.transAxes,
                color="grey",
            )
    fig.suptitle(data.title, fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path
