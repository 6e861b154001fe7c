"""Helpers for Dagster materialization metadata: markdown previews of Arrow tables."""

from __future__ import annotations

import pyarrow as pa


def markdown_table(table: pa.Table, limit: int = 20, columns: list[str] | None = None) -> str:
    """The first ``limit`` rows of ``table`` as a markdown table."""
    if columns:
        table = table.select(columns)
    names = table.column_names
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in table.slice(0, limit).to_pylist():
        cells = ("" if row[n] is None else str(row[n]).replace("|", "\\|") for n in names)
        lines.append("| " + " | ".join(cells) + " |")
    if table.num_rows > limit:
        lines.append(f"\n… {table.num_rows - limit} more rows")
    return "\n".join(lines)
