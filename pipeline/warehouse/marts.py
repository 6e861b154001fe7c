"""Build the marts schema from core, for a compare set written as data (``marts.compare_set``).

The compare set is the companies the comparison marts rank: every company in the warehouse,
unless ``EDGAR_COMPARE`` names some; its first two (else the first two tracked companies) are
the pair of ``marts.pair_comparison``. The choice reaches SQL as rows of ``marts.compare_set``,
inserted with parameters; the mart SQL names no company.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from pipeline.config import DEFAULT_COMPANIES, Settings
from pipeline.warehouse.raw import StepHook, _noop
from pipeline.warehouse.sql import MARTS, run_sql_file

MART_TABLES = (
    "marts.compare_set",
    "marts.company_quarters",
    "marts.set_standings",
    "marts.quarterly_comparison",
    "marts.ttm_comparison",
    "marts.annual_comparison",
    "marts.lead_changes",
    "marts.pair_comparison",
    "marts.capex_intensity",
)

COMPARE_SET_STEP = "marts.compare_set"

# position, company (as configured), ticker (in the warehouse, or NULL), member (the key the
# marts use: the ticker, else the configured name), in_set, pair_side ('a', 'b' or NULL),
# chosen_by ('EDGAR_COMPARE' or 'warehouse tickers')
CompareRow = tuple[int, str, str | None, str, bool, str | None, str]


@dataclass(frozen=True)
class CompareSet:
    """What to compare: ``members`` (None: every company in the warehouse), and the
    companies the pair is the first two distinct of."""

    members: tuple[str, ...] | None = None
    pair: tuple[str, ...] = DEFAULT_COMPANIES[:2]

    @classmethod
    def from_settings(cls, settings: Settings) -> CompareSet:
        """EDGAR_COMPARE (checked by :class:`Settings`) and its pair."""
        return cls(settings.compare, settings.compare_pair)


def compare_rows(con: duckdb.DuckDBPyConnection, compare: CompareSet) -> list[CompareRow]:
    """The rows of ``marts.compare_set`` for ``compare`` against the tickers in core.

    A configured CIK is matched to its ticker through ``raw.filings``; a company with no
    data keeps its configured name as ``member`` (its values are NULL in every mart).
    """
    found = con.execute("SELECT DISTINCT ticker FROM core.financials ORDER BY ticker").fetchall()
    tickers = [t for (t,) in found]
    by_cik = dict(con.execute("SELECT DISTINCT cik, ticker FROM raw.filings").fetchall())

    def resolve(company: str) -> str | None:
        if company in tickers:
            return company
        return by_cik.get(company.zfill(10)) if company.isdigit() else None

    pair: dict[str, str] = {}  # member -> configured name: the first two distinct companies
    for company in compare.pair:
        if len(pair) < 2:
            pair.setdefault(resolve(company) or company, company)
    side = {member: "ab"[i] for i, member in enumerate(pair)}
    if compare.members is None:
        chosen_by, configured = "warehouse tickers", list(tickers)
    else:
        chosen_by, configured = "EDGAR_COMPARE", list(compare.members)
    rows: list[CompareRow] = []
    in_set: set[str] = set()
    for company in configured:
        ticker = resolve(company)
        member = ticker or company
        if member in in_set:  # a ticker and its CIK are one company, in the set once
            continue
        in_set.add(member)
        rows.append((len(rows) + 1, company, ticker, member, True, side.get(member), chosen_by))
    for member, company in pair.items():
        if member not in in_set:  # a tracked pair company with no data yet
            rows.append(
                (len(rows) + 1, company, resolve(company), member, False, side[member], chosen_by)
            )
    return rows


COMPARE_SET_SCHEMA = pa.schema(
    [
        pa.field("position", pa.int32(), nullable=False),
        pa.field("company", pa.string(), nullable=False),
        pa.field("ticker", pa.string()),
        pa.field("member", pa.string(), nullable=False),
        pa.field("in_set", pa.bool_(), nullable=False),
        pa.field("pair_side", pa.string()),
        pa.field("chosen_by", pa.string(), nullable=False),
    ]
)


def write_compare_set(con: duckdb.DuckDBPyConnection, rows: Sequence[CompareRow]) -> None:
    """(Re)write ``marts.compare_set`` with ``rows`` (as data, never SQL text: one Arrow
    table, so hundreds of companies cost one insert, not one statement each)."""
    con.execute(
        "CREATE OR REPLACE TABLE marts.compare_set (position INTEGER NOT NULL, "
        "company VARCHAR NOT NULL, ticker VARCHAR, member VARCHAR NOT NULL, "
        "in_set BOOLEAN NOT NULL, pair_side VARCHAR, chosen_by VARCHAR NOT NULL)"
    )
    if rows:
        columns = list(zip(*rows, strict=True))
        con.register("compare_set_arrow", pa.table(columns, schema=COMPARE_SET_SCHEMA))
        # no try/finally: an unregister in an aborted transaction would hide the real error
        con.execute("INSERT INTO marts.compare_set SELECT * FROM compare_set_arrow")
        con.unregister("compare_set_arrow")


def compare_set_is_current(con: duckdb.DuckDBPyConnection, compare: CompareSet) -> bool:
    """Whether a built snapshot's ``marts.compare_set`` is what ``compare`` gives now."""
    try:
        stored = con.execute("SELECT * FROM marts.compare_set ORDER BY position").fetchall()
    except duckdb.CatalogException:  # built before the compare set existed
        return False
    return [tuple(r) for r in stored] == compare_rows(con, compare)


def build_marts(
    con: duckdb.DuckDBPyConnection,
    *,
    compare: CompareSet | None = None,
    on_step: StepHook = _noop,
) -> None:
    """Rebuild every mart table (in the caller's transaction)."""
    write_compare_set(con, compare_rows(con, compare or CompareSet()))
    on_step(COMPARE_SET_STEP, con)
    for name in MARTS:
        run_sql_file(con, name)
        on_step(name, con)
