"""Row counts and small markdown previews of warehouse tables (for metadata and logs)."""

from __future__ import annotations

from decimal import Decimal

import duckdb


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


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_preview(con: duckdb.DuckDBPyConnection, sql: str, *, limit: int = 12) -> str:
    """The first ``limit`` rows of a query as a markdown table."""
    cur = con.execute(f"SELECT * FROM ({sql}) LIMIT {int(limit)}")
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    if not rows:
        lines.append("| " + " | ".join("" for _ in names) + " |")
    return "\n".join(lines)
