"""The facts of one document, held column by column, and their Arrow table of FACT_SCHEMA.

Parsers append one plain tuple per fact (``FactRow``, no per-fact objects); the columns are
built once with ``zip``. Period and dimensions are a number into the document's distinct
contexts (:class:`pipeline.xbrl.contexts.ContextTable`), expanded with one Arrow ``take``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa

from pipeline.xbrl.contexts import Context
from pipeline.xbrl.schema import FACT_SCHEMA, VALUE_TYPE

# concept, namespace, value, unit, decimals, decimals_inf, context number, context_id,
# fact_id, is_hidden, is_nil, flags
FactRow = tuple[
    str, str, Decimal | None, str, int | None, bool, int, str, str | None, bool, bool, str
]


@dataclass(frozen=True, slots=True)
class FactColumns:
    """Numeric facts of one document in document order (before deduplication)."""

    concept: Sequence[str]
    namespace: Sequence[str]
    value: Sequence[Decimal | None]
    unit: Sequence[str]
    decimals: Sequence[int | None]
    decimals_inf: Sequence[bool]  # decimals="INF" (the most precise there is)
    context: Sequence[int]  # index into ``contexts``: equal period+dimensions, equal number
    context_id: Sequence[str]
    fact_id: Sequence[str | None]
    is_hidden: Sequence[bool]
    is_nil: Sequence[bool]
    flags: Sequence[str]
    contexts: Sequence[Context]
    source_document: str
    source_format: str

    @classmethod
    def from_rows(
        cls, rows: list[FactRow], contexts: Sequence[Context], source_document: str, fmt: str
    ) -> FactColumns:
        """Transpose parser rows (``FactRow`` order) into columns."""
        columns = zip(*rows, strict=True) if rows else ((),) * 12
        return cls(*columns, contexts=contexts, source_document=source_document, source_format=fmt)

    def __len__(self) -> int:
        return len(self.concept)

    def precision_rank(self, i: int) -> float:
        """Higher is more precise: INF > decimals > absent."""
        if self.decimals_inf[i]:
            return float("inf")
        decimals = self.decimals[i]
        return float("-inf") if decimals is None else float(decimals)


def _strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, pa.string())


def _context_columns(cols: FactColumns) -> list[pa.Array]:
    """period_type, period_start, period_end, dimensions: per distinct context, then taken."""
    ctxs = cols.contexts
    distinct = [
        _strings([c.period_type for c in ctxs]),
        pa.array([c.start for c in ctxs], pa.date32()),
        pa.array([c.end for c in ctxs], pa.date32()),
        _strings([c.dimensions for c in ctxs]),
    ]
    index = pa.array(cols.context, pa.int32())
    return [column.take(index) for column in distinct]


def facts_to_table(
    cols: FactColumns, keep: Sequence[int] | None = None, conflicts: frozenset[int] = frozenset()
) -> pa.Table:
    """Build a table of FACT_SCHEMA (column order and types exactly).

    ``keep``: the row numbers to output, in order (None: all); ``conflicts``: row numbers
    whose ``is_conflict`` is true.
    """
    n = len(cols)
    if n == 0:
        return FACT_SCHEMA.empty_table()
    period_type, start, end, dimensions = _context_columns(cols)
    is_conflict = [False] * n
    for i in conflicts:
        is_conflict[i] = True
    arrays = [
        _strings(cols.concept),
        _strings(cols.namespace),
        pa.array(cols.value, VALUE_TYPE),
        _strings(cols.unit),
        pa.array(cols.decimals, pa.int32()),
        period_type,
        start,
        end,
        dimensions,
        _strings(cols.context_id),
        _strings(cols.fact_id),
        pa.array(cols.is_hidden, pa.bool_()),
        pa.array(cols.is_nil, pa.bool_()),
        pa.array(is_conflict, pa.bool_()),
        _strings(cols.flags),
        pa.repeat(pa.scalar(cols.source_document, pa.string()), n),
        pa.repeat(pa.scalar(cols.source_format, pa.string()), n),
    ]
    table = pa.Table.from_arrays(arrays, schema=FACT_SCHEMA)
    if keep is not None and len(keep) < n:
        table = table.take(pa.array(keep, pa.int32()))
    return table
