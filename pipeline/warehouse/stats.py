"""Row counts and small markdown previews of warehouse tables (for metadata and logs)."""

from __future__ import annotations

import duckdb

from pipeline.metadata import markdown_table


def table_names(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], database: str | None = None
) -> list[str]:
    """``schema.table`` of every base table in the given schemas (of ``database``, by
    default the current one), sorted."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        "WHERE database_name = coalesce(?, current_database()) AND schema_name IN "
        "(SELECT unnest(?::VARCHAR[])) ORDER BY 1",
        [database, list(schemas)],
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
