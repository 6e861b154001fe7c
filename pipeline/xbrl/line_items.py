"""Resolve line items (revenue, capex, ...) from a filing's facts, per period.

Candidates per line item live in ``line_items.toml`` (ordered, per-company overrides).
For every duration period (start, end) of the filing, a line item takes the FIRST
candidate concept that has a fact for exactly that period with no dimensions, unit USD
and a value (not nil). A candidate that exists only for other periods is never used for
this one (a tag from another period never leaks in).

Conflicts never fall through: when the first candidate present for a period has facts that
disagree (``is_conflict``) or a value that could not be read, the line item is a row with
``value`` NULL for that concept and period (the warehouse says why), never the next
candidate's value. USD line items are whole dollars: a value with cents raises
:class:`LineItemError` (the warehouse stores them as BIGINT). Component concepts
(:data:`COMPONENT_CONCEPTS`, e.g. product-only sales) are refused as revenue candidates.

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

# Concepts that tag a part of revenue, never the total: refused as revenue candidates.
COMPONENT_CONCEPTS = frozenset(
    {
        "us-gaap:SalesRevenueGoodsNet",  # product sales only
        "us-gaap:SalesRevenueServicesNet",  # service sales only
        "us-gaap:RevenueFromContractWithCustomerProductAndServiceExtensibleList",
    }
)
TOTAL_LINE_ITEMS = ("revenue",)


class LineItemError(ValueError):
    """A line item that cannot be stored exactly, or a candidate list that is not allowed."""


_FILING_NAMES = {f.name for f in FILING_FIELDS}
RESOLVED_SCHEMA = pa.schema([f for f in LINE_ITEM_SCHEMA if f.name not in _FILING_NAMES])


@cache
def load_config() -> dict:
    """The parsed ``line_items.toml``."""
    return tomllib.loads(files("pipeline.xbrl").joinpath("line_items.toml").read_text("utf-8"))


def candidates(ticker: str) -> dict[str, list[str]]:
    """Ordered candidate concepts per line item for ``ticker`` (overrides applied).

    Raises :class:`LineItemError` when a total line item lists a component concept.
    """
    config = load_config()
    overrides = config.get("company", {}).get(ticker.upper(), {})
    out = {
        item: list(overrides.get(item, spec.get("concepts", [])))
        for item, spec in config["line_items"].items()
    }
    for item in TOTAL_LINE_ITEMS:
        components = COMPONENT_CONCEPTS.intersection(out.get(item, []))
        if components:
            raise LineItemError(
                f"line_items.toml: {item} for {ticker} lists {', '.join(sorted(components))}, "
                f"a component of {item}, never its total: remove it"
            )
    return out


def _candidate_facts(facts: pa.Table) -> dict[tuple[date, date], dict[str, dict]]:
    """Index total, USD, non-nil duration facts by period and concept.

    A concept whose facts for a period conflict, or whose value could not be read, is
    indexed with ``value`` None: it stops the candidate search for that period.
    """
    cols = ["concept", "value", "unit", "decimals", "period_type", "period_start"]
    cols += ["period_end", "dimensions", "is_nil", "is_conflict", "fact_id", "context_id"]
    index: dict[tuple[date, date], dict[str, dict]] = {}
    for row in facts.select(cols).to_pylist():
        if (
            row["period_type"] != "duration"
            or row["dimensions"] != ""
            or row["unit"] != "USD"
            or row["is_nil"]
        ):
            continue
        by_concept = index.setdefault((row["period_start"], row["period_end"]), {})
        if row["is_conflict"] or row["value"] is None:
            row = {**row, "value": None}
        kept = by_concept.setdefault(row["concept"], row)
        if row["value"] is None and kept["value"] is not None:
            by_concept[row["concept"]] = row  # one bad fact makes the concept unusable
    return index


def _whole_dollars(item: str, concept: str, row: dict) -> None:
    value = row["value"]
    if value is not None and value != value.to_integral_value():
        period = f"{row['period_start']}..{row['period_end']}"
        raise LineItemError(
            f"{concept} = {value.normalize():f} USD ({period}, line item {item}) has cents: "
            "USD line items are whole dollars (BIGINT in the warehouse); if cents are real, "
            "store them as DECIMAL(38,2) (warehouse/schema.sql)"
        )


def resolve_line_items(facts: pa.Table, ticker: str) -> pa.Table:
    """Line items of one filing's facts (a ``parse_facts`` table), one row per item and period.

    Returns RESOLVED_SCHEMA (LINE_ITEM_SCHEMA minus the filing fields), sorted by line item,
    period end and period start; ``value`` is None where the first candidate present
    conflicts or cannot be read. Raises :class:`LineItemError` for a USD value with cents.
    """
    index = _candidate_facts(facts)
    rows = []
    for item, concepts in candidates(ticker).items():
        for (start, end), by_concept in index.items():
            for concept in concepts:
                row = by_concept.get(concept)
                if row is not None:
                    _whole_dollars(item, concept, row)
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
