"""Row counts and small markdown previews of warehouse tables (for metadata and logs)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from pipeline.metadata import markdown_table


def table_names(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[str]:
    """``schema.table`` of every base table in the given schemas, sorted."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name IN "
        "(SELECT unnest(?::VARCHAR[])) ORDER BY 1",
        [list(schemas)],
    ).fetchall()
    return [name for (name,) in rows]


def row_counts(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = ("raw", "core", "marts")
) -> dict[str, int]:
    """Exact row count of every table in ``schemas``."""
    return {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        for name in table_names(con, schemas)
    }


def markdown_preview(con: duckdb.DuckDBPyConnection, sql: str, *, limit: int = 12) -> str:
    """The first ``limit`` rows of a query as a markdown table."""
    rows = con.sql(f"SELECT * FROM ({sql}) LIMIT {int(limit)}").to_arrow_table()
    return markdown_table(rows, limit=limit)


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    """The Arrow schema of a warehouse table."""
    return con.sql(f"SELECT * FROM {table} LIMIT 0").to_arrow_table().schema
