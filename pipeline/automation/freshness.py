"""Freshness of the marts: stale when a catalogued filing is not in the served warehouse, or
when a company's next filing is overdue by SEC's deadlines.

SEC's deadlines depend on the filer category: a 10-Q is due 40 days after the quarter
ends (large accelerated and accelerated filers) or 45 days (everyone else); a 10-K 60, 75
or 90 days after the fiscal year ends. The check uses the conservative bound, 45 and 90
days, so it never calls a filing overdue that its filer may still file on time; for a
large accelerated filer (AMZN, WMT) it may report one up to 5 or 30 days late.

Why asset checks and not Dagster's ``FreshnessPolicy``: a policy measures the time since
the asset was last materialized, and the marts can be rebuilt every hour and still miss a
filing. What makes them stale here is data (the catalog against the warehouse, the
filing calendar), so two checks say it, in the UI (WARN severity, evaluated after every
warehouse build, whenever the catalog changes and every hour, by the automation sensor)
and in ``edgar-pipeline status``. The functions below need no Dagster.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

QUARTERLY_REPORT_DUE_DAYS = 45  # 10-Q: 40 days for (large) accelerated filers, 45 otherwise
ANNUAL_REPORT_DUE_DAYS = 90  # 10-K: 60 / 75 days for (large) accelerated filers, 90 otherwise
PERIOD_END_SLACK_DAYS = 7  # 52/53-week years end on a weekday near the month end
FRESHNESS_CRON = "0 * * * *"  # the overdue test depends on the date: evaluated hourly too

_QUARTERLY = ("10-Q", "10-Q/A")
_ANNUAL = ("10-K", "10-K/A")


@dataclass(frozen=True)
class Unloaded:
    """A catalogued filing that the served warehouse does not hold as the catalog has it."""

    ticker: str
    accession_number: str
    form: str
    period_of_report: date | None
    reason: str

    def line(self) -> str:
        period = f" ({self.period_of_report})" if self.period_of_report else ""
        return f"{self.ticker} {self.form} {self.accession_number}{period}: {self.reason}"


@dataclass(frozen=True)
class Overdue:
    """A company's next expected filing, past its deadline and not catalogued."""

    ticker: str
    form: str
    period_end: date  # of the period the filing is expected for (approximate: see below)
    due: date
    newest_form: str
    newest_period: date

    def line(self) -> str:
        days = ANNUAL_REPORT_DUE_DAYS if self.form == "10-K" else QUARTERLY_REPORT_DUE_DAYS
        return (
            f"{self.ticker} {self.form} for the period ending about {self.period_end} was due "
            f"by {self.due} ({days} days; newest catalogued: {self.newest_form} for "
            f"{self.newest_period})"
        )


def unloaded_filings(catalog: Iterable[Mapping], loaded: Mapping[str, tuple]) -> list[Unloaded]:
    """Landed filings of ``catalog`` whose current parse is not what the warehouse loaded.

    ``loaded`` maps an accession to the ``(source_sha256, parser_version)`` of its line
    items in the served snapshot (:func:`loaded_versions`). Filings that failed to download
    or parse are named by the other checks and by ``status``; they are not repeated here.
    """
    result = []
    for row in catalog:
        if row["status"] != "landed":
            continue
        accession = row["accession_number"]
        parsed = (row.get("parsed_sha256"), row.get("parser_version"))
        if parsed[0] is None:
            reason = "catalogued, not parsed yet"
        elif accession not in loaded:
            reason = "parsed, not in the warehouse yet"
        elif tuple(loaded[accession]) != parsed:
            reason = "parsed again since the warehouse loaded it"
        else:
            continue
        result.append(
            Unloaded(row["ticker"], accession, row["form"], row.get("period_of_report"), reason)
        )
    return sorted(result, key=lambda u: (u.ticker, str(u.period_of_report), u.accession_number))


def loaded_versions(con) -> dict[str, tuple]:
    """Accession -> (source_sha256, parser_version) of the line items in a snapshot."""
    rows = con.execute(
        "SELECT accession_number, source_sha256, parser_version FROM raw.loaded_files "
        "WHERE dataset = 'line_items'"
    ).fetchall()
    return {accession: (sha, version) for accession, sha, version in rows}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def next_period_end(period_end: date) -> date:
    """The end of the fiscal quarter after the one ending ``period_end``: the month end three
    months on (a 52/53-week quarter ends within a week of it; the slack absorbs that)."""
    month = period_end.month + 3
    year = period_end.year + (month - 1) // 12
    return _month_end(year, (month - 1) % 12 + 1)


def _is_year_end(period_end: date, fiscal_year_end: str | None) -> bool:
    """Whether ``period_end`` is (within the slack) the fiscal year end ``MMDD``."""
    if not fiscal_year_end or len(fiscal_year_end) != 4 or not fiscal_year_end.isdigit():
        return period_end.month == 12
    month, day = int(fiscal_year_end[:2]), int(fiscal_year_end[2:])
    for year in (period_end.year - 1, period_end.year, period_end.year + 1):
        day_in_month = min(day, calendar.monthrange(year, month)[1])
        if abs((date(year, month, day_in_month) - period_end).days) <= PERIOD_END_SLACK_DAYS:
            return True
    return False


def overdue_filings(catalog: Iterable[Mapping], today: date) -> list[Overdue]:
    """Per company, the filing after its newest catalogued 10-K/10-Q, when past its deadline.

    The next period is the fiscal quarter after the newest one reported; it is a 10-K when
    it ends at the fiscal year end (the catalog's ``fiscal_year_end``), else a 10-Q, due
    :data:`ANNUAL_REPORT_DUE_DAYS` or :data:`QUARTERLY_REPORT_DUE_DAYS` after it ends. Any
    catalogued filing counts, landed or not: a failed download is not missing from EDGAR.
    """
    newest: dict[str, Mapping] = {}
    for row in catalog:
        if row["form"] not in _QUARTERLY + _ANNUAL or row.get("period_of_report") is None:
            continue
        held = newest.get(row["ticker"])
        if held is None or row["period_of_report"] > held["period_of_report"]:
            newest[row["ticker"]] = row
    result = []
    for ticker, row in sorted(newest.items()):
        period_end = next_period_end(row["period_of_report"])
        annual = _is_year_end(period_end, row.get("fiscal_year_end"))
        due = period_end + timedelta(
            days=ANNUAL_REPORT_DUE_DAYS if annual else QUARTERLY_REPORT_DUE_DAYS
        )
        if today > due:
            form = "10-K" if annual else "10-Q"
            result.append(
                Overdue(ticker, form, period_end, due, row["form"], row["period_of_report"])
            )
    return result


@dataclass(frozen=True)
class Freshness:
    """Both conditions, for the checks and for ``status``."""

    unloaded: list[Unloaded]
    overdue: list[Overdue]

    @property
    def stale(self) -> bool:
        return bool(self.unloaded or self.overdue)

    def lines(self) -> list[str]:
        return [
            *(f"not in the warehouse: {u.line()}" for u in self.unloaded),
            *(f"overdue: {o.line()}" for o in self.overdue),
        ]


def freshness(catalog: list[Mapping], con, today: date) -> Freshness:
    """The marts' freshness against ``catalog``, with ``con`` on the served snapshot (None
    when there is no warehouse yet: then every landed filing is not in it)."""
    loaded = loaded_versions(con) if con is not None else {}
    return Freshness(unloaded_filings(catalog, loaded), overdue_filings(catalog, today))
