"""The in-memory fact record and its conversion to an Arrow table of FACT_SCHEMA."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter

import pyarrow as pa

from pipeline.xbrl.schema import FACT_SCHEMA


@dataclass(slots=True)
class Fact:
    """One numeric fact, as read from a document (before deduplication)."""

    concept: str
    namespace: str
    value: Decimal | None
    unit: str | None
    decimals: int | None
    decimals_inf: bool  # decimals="INF" (the most precise there is)
    period_type: str
    period_start: date | None
    period_end: date
    dimensions: str
    context_id: str
    fact_id: str | None
    is_hidden: bool
    is_nil: bool
    flags: str
    source_document: str
    source_format: str
    is_conflict: bool = False

    @property
    def precision_rank(self) -> float:
        """Higher is more precise: INF > decimals > absent."""
        if self.decimals_inf:
            return float("inf")
        return float("-inf") if self.decimals is None else float(self.decimals)


_COLUMNS = [f.name for f in FACT_SCHEMA]
_ROW = attrgetter(*_COLUMNS)


def facts_to_table(facts: list[Fact]) -> pa.Table:
    """Build a table of FACT_SCHEMA (column order and types exactly) from facts."""
    if not facts:
        return FACT_SCHEMA.empty_table()
    columns = zip(*map(_ROW, facts), strict=True)
    arrays = [
        pa.array(col, type=field.type) for col, field in zip(columns, FACT_SCHEMA, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=FACT_SCHEMA)
