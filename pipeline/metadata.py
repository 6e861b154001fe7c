"""Helpers for Dagster materialization metadata: markdown previews, column schemas (DuckDB
type names, descriptions from columns.toml) and table names."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

COLUMNS_TOML = Path(__file__).with_name("columns.toml")
# dagster/table_name's database part: the served snapshot, data/warehouse.duckdb (DuckDB
# names the database after the snapshot file the symlink points to, which changes per load).
WAREHOUSE_DATABASE = "warehouse"


def format_cell(value: object) -> str:
    """A value as shown in a markdown cell: exact integers and decimals with thousands
    separators (years and other small integers stay as they are)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
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


@cache
def _descriptions() -> dict:
    with COLUMNS_TOML.open("rb") as handle:
        return tomllib.load(handle)


def column_description(column: str, table: str | None = None) -> str | None:
    """The description of ``column`` (of ``table``, whose own entry wins) from columns.toml.

    A column ``<prefix>_<rest>`` not described itself, whose ``rest`` is (a side-by-side
    mart's company prefix), reads ``"<PREFIX>: <rest's description>"``.
    """
    docs = _descriptions()
    own = docs.get("tables", {}).get(table or "", {})
    for name in (column, *([column.split("_", 1)[1]] if "_" in column else [])):
        if text := own.get(name) or docs["columns"].get(name):
            return text if name == column else f"{column.split('_', 1)[0].upper()}: {text}"
    return None


def duckdb_type_names(schema: pa.Schema) -> list[str]:
    """DuckDB's name of each field's type (``DECIMAL(38,10)``, not ``decimal128(38, 10)``).

    DuckDB maps the Arrow types itself (an empty table read through ``from_arrow``), so the
    names are those the warehouse shows for the same data.
    """
    with duckdb.connect() as con:
        return [str(t) for t in con.from_arrow(schema.empty_table()).dtypes]


def column_schema(schema: pa.Schema, table: str | None = None):
    """A Dagster ``TableSchema`` for an Arrow schema: DuckDB type names, NOT NULL fields as
    constraints, descriptions from columns.toml (``table`` selects its overrides)."""
    from dagster import TableColumn, TableColumnConstraints, TableSchema

    return TableSchema(
        columns=[
            TableColumn(
                name=field.name,
                type=type_name,
                description=column_description(field.name, table),
                constraints=TableColumnConstraints(nullable=field.nullable),
            )
            for field, type_name in zip(schema, duckdb_type_names(schema), strict=True)
        ]
    )


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """``dagster/table_name`` and ``dagster/column_schema`` of warehouse ``table``
    (``schema.table``), read from DuckDB's catalog: its type names, NOT NULL constraints and
    column comments (columns.toml where a column has no comment)."""
    from dagster import TableColumn, TableColumnConstraints, TableSchema

    schema_name, table_name = table.split(".")
    rows = con.execute(
        "SELECT database_name, column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [schema_name, table_name],
    ).fetchall()
    if not rows:
        raise ValueError(f"warehouse table {table} not found")
    columns = [
        TableColumn(
            name=name,
            type=data_type,
            description=comment or column_description(name, table),
            constraints=TableColumnConstraints(nullable=nullable),
        )
        for _, name, data_type, nullable, comment in rows
    ]
    return {
        "dagster/table_name": f"{WAREHOUSE_DATABASE}.{table}",
        "dagster/column_schema": TableSchema(columns=columns),
    }


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
