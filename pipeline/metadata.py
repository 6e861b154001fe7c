"""Helpers for Dagster materialization metadata: markdown previews and column schemas."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa


def format_cell(value: object) -> str:
    """A value as shown in a markdown cell: exact decimals with thousands separators."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(table: pa.Table, limit: int = 20, columns: list[str] | None = None) -> str:
    """The first ``limit`` rows of ``table`` as a markdown table."""
    if columns:
        table = table.select(columns)
    names = table.column_names
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    rows = table.slice(0, limit).to_pylist()
    lines += ["| " + " | ".join(format_cell(row[n]) for n in names) + " |" for row in rows]
    if not rows:
        lines.append("| " + " | ".join("" for _ in names) + " |")
    if table.num_rows > limit:
        lines.append(f"\n… {table.num_rows - limit} more rows")
    return "\n".join(lines)


def column_schema(schema: pa.Schema):
    """A Dagster ``TableSchema`` (shown in the UI's column list) for an Arrow schema."""
    from dagster import TableColumn, TableSchema

    return TableSchema(columns=[TableColumn(name=f.name, type=str(f.type)) for f in schema])


def failure_check_metadata(problems: dict[str, str]) -> dict:
    """Metadata of a check that failed on named items: their count and a reason table."""
    from dagster import MetadataValue

    rows = "\n".join(
        f"| {name} | {reason.replace('|', '/')} |" for name, reason in sorted(problems.items())
    )
    return {
        "failing_rows": len(problems),
        "rows": MetadataValue.md("| filing | reason |\n|---|---|\n" + rows),
    }
