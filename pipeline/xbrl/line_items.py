"""Resolve line items (revenue, capex, ...) from a filing's facts, per period.

Candidates per line item live in ``line_items.toml`` (ordered, per-company overrides).
For every duration period (start, end) of the filing, a line item takes the FIRST
candidate concept that has a fact for exactly that period with no dimensions, unit USD,
a value (not nil, not unreadable) and no conflict. A candidate that exists only for
other periods is never used for this one (a tag from another period never leaks in).

``resolve_line_items`` returns LINE_ITEM_SCHEMA without the filing fields; the caller
prepends ticker/cik/accession/form/filing_date, e.g. with :func:`with_filing_fields`.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib.resources import files

import pyarrow as pa

from pipeline.xbrl.schema import FILING_FIELDS, LINE_ITEM_SCHEMA

_FILING_NAMES = {f.name for f in FILING_FIELDS}
RESOLVED_SCHEMA = pa.schema([f for f in LINE_ITEM_SCHEMA if f.name not in _FILING_NAMES])


@cache
def load_config() -> dict:
    """The parsed ``line_items.toml``."""
    return tomllib.loads(files("pipeline.xbrl").joinpath("line_items.toml").read_text("utf-8"))


def candidates(ticker: str) -> dict[str, list[str]]:
    """Ordered candidate concepts per line item for ``ticker`` (overrides applied)."""
    config = load_config()
    overrides = config.get("company", {}).get(ticker.upper(), {})
    return {
        item: list(overrides.get(item, spec.get("concepts", [])))
        for item, spec in config["line_items"].items()
    }


def _usable(facts: pa.Table) -> dict[tuple[date, date], dict[str, dict]]:
    """Index total, USD, valued, non-conflicting duration facts by period and concept."""
    cols = ["concept", "value", "unit", "decimals", "period_type", "period_start"]
    cols += ["period_end", "dimensions", "is_nil", "is_conflict", "fact_id", "context_id"]
    index: dict[tuple[date, date], dict[str, dict]] = {}
    for row in facts.select(cols).to_pylist():
        if (
            row["period_type"] != "duration"
            or row["dimensions"] != ""
            or row["unit"] != "USD"
            or row["value"] is None
            or row["is_nil"]
            or row["is_conflict"]
        ):
            continue
        period = (row["period_start"], row["period_end"])
        index.setdefault(period, {}).setdefault(row["concept"], row)
    return index


def resolve_line_items(facts: pa.Table, ticker: str) -> pa.Table:
    """Line items of one filing's facts (a ``parse_facts`` table), one row per item and period.

    Returns RESOLVED_SCHEMA (LINE_ITEM_SCHEMA minus the filing fields), sorted by line item,
    period end and period start.
    """
    index = _usable(facts)
    rows = []
    for item, concepts in candidates(ticker).items():
        for (start, end), by_concept in index.items():
            for concept in concepts:
                row = by_concept.get(concept)
                if row is not None:
                    rows.append(
                        {
                            "line_item": item,
                            "concept": concept,
                            "value": row["value"],
                            "unit": row["unit"],
                            "decimals": row["decimals"],
                            "period_start": start,
                            "period_end": end,
                            "fact_id": row["fact_id"],
                            "context_id": row["context_id"],
                        }
                    )
                    break
    rows.sort(key=lambda r: (r["line_item"], r["period_end"], r["period_start"]))
    return pa.Table.from_pylist(rows, schema=RESOLVED_SCHEMA)


def with_filing_fields(
    items: pa.Table,
    *,
    ticker: str,
    cik: str,
    accession_number: str,
    form: str,
    filing_date: date,
) -> pa.Table:
    """Prepend the filing fields to a ``resolve_line_items`` table -> LINE_ITEM_SCHEMA."""
    n = items.num_rows
    values = {
        "ticker": ticker,
        "cik": cik,
        "accession_number": accession_number,
        "form": form,
        "filing_date": filing_date,
    }
    arrays = [pa.array([values[f.name]] * n, type=f.type) for f in FILING_FIELDS]
    arrays += [items.column(f.name) for f in RESOLVED_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=LINE_ITEM_SCHEMA)
