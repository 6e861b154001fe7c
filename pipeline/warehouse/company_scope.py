"""Recompute the per-company core tables for the companies a build changed, not for all.

Nothing in ``core/*.sql`` (``CORE_PER_COMPANY``) joins one company's rows to another's, so a
build on a copy of the served snapshot recomputes only the companies whose inputs changed:

1. :func:`company_fingerprints` before and after the raw load and the fiscal calendar: per
   company, an order-free hash of its ``raw.filings`` and ``raw.line_items`` rows, of the
   files its facts and line items were loaded from (``raw.loaded_files``), and its fiscal
   year end. :func:`changed_companies` names those whose fingerprint differs (new, changed
   or gone).
2. :func:`recompute_companies`: an in-memory database is attached beside the build with
   schemas ``raw`` and ``core`` whose views show the build's raw tables and its global core
   tables (``CORE_GLOBAL_TABLES``) filtered to those companies; the unchanged core SQL runs
   there (``USE``: its ``raw.`` and ``core.`` names resolve to the views), then each table it
   made replaces those companies' rows in the build's core table.

DuckDB writes one attached database per transaction, so the scoped SQL runs in its own
transaction on the scratch database and the merge in another on the build; the build file is
private until it is published, so this costs no atomicity. The result equals a rebuild of
every company (tested table by table against ``full_refresh``); a build whose code changed,
or that starts from empty, recomputes every company the usual way.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping

import duckdb
import pyarrow as pa

from pipeline.warehouse.connection import transaction
from pipeline.warehouse.raw import StepHook
from pipeline.warehouse.sql import CORE_GLOBAL_TABLES, CORE_PER_COMPANY, run_sql_file
from pipeline.warehouse.stats import table_names

log = logging.getLogger(__name__)

SCOPE = "company_scope"  # the attached scratch database
MERGED_STEP = "core: changed companies' rows replaced"  # on_step name after the merge
Fingerprints = Mapping[tuple[str, str], object]  # (input, ticker) -> fingerprint

# Per company: an order-free digest of each input of the per-company core SQL.
_FINGERPRINTS = {
    "filings": "SELECT ticker, sum(hash(f)::HUGEINT), count(*) FROM raw.filings AS f GROUP BY 1",
    "line_items": (
        "SELECT ticker, sum(hash(li)::HUGEINT), count(*) FROM raw.line_items AS li GROUP BY 1"
    ),
    "loaded_files": (
        "SELECT f.ticker, sum(hash(l.dataset, l.accession_number, l.source_sha256, "
        "l.parser_version, l.path)::HUGEINT), count(*) "
        "FROM raw.loaded_files AS l JOIN raw.filings AS f USING (accession_number) GROUP BY 1"
    ),
    "fiscal_year_end": (
        "SELECT ticker, min(fiscal_year_end), max(fiscal_year_end) "
        "FROM core.fiscal_calendar GROUP BY 1"
    ),
}


def company_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], object]:
    """Per (input, ticker), a digest of what the per-company core SQL reads of it."""
    out: dict[tuple[str, str], object] = {}
    for name, sql in _FINGERPRINTS.items():
        for ticker, *digest in con.execute(sql).fetchall():
            out[(name, ticker)] = tuple(digest)
    return out


def changed_companies(before: Fingerprints, after: Fingerprints) -> list[str]:
    """Tickers with any input new, changed or gone between two fingerprints."""
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    return sorted({ticker for _, ticker in changed})


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw_relations(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """The tables and views of the build's raw schema (a view: e.g. facts over the lake)."""
    return [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = ? AND table_schema = 'raw' ORDER BY 1",
            [database],
        ).fetchall()
    ]


def _has_ticker(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ? AND column_name = 'ticker'",
            [database, schema, table],
        ).fetchone()[0]
    )


def _scope_inputs(con: duckdb.DuckDBPyConnection, build: str, tickers: Iterable[str]) -> None:
    """The scratch database's views of the build's inputs, filtered to ``tickers``."""
    companies = pa.table({"ticker": pa.array(sorted(tickers), pa.string())})
    con.register("scope_companies_arrow", companies)
    con.execute(f"CREATE TABLE {SCOPE}.main.companies AS SELECT * FROM scope_companies_arrow")
    con.unregister("scope_companies_arrow")
    inputs = [("raw", name) for name in _raw_relations(con, build)]
    inputs += [tuple(name.split(".")) for name in CORE_GLOBAL_TABLES]
    for schema in ("raw", "core"):
        con.execute(f"CREATE SCHEMA {SCOPE}.{schema}")
    for schema, table in inputs:
        source = f"{_quoted(build)}.{schema}.{table}"
        where = (
            f" WHERE ticker IN (SELECT ticker FROM {SCOPE}.main.companies)"
            if _has_ticker(con, build, schema, table)
            else ""
        )
        con.execute(f"CREATE VIEW {SCOPE}.{schema}.{table} AS SELECT * FROM {source}{where}")


def recompute_companies(
    con: duckdb.DuckDBPyConnection, tickers: list[str], on_step: StepHook
) -> None:
    """Recompute the per-company core tables of ``tickers`` in the build open on ``con``.

    Runs ``CORE_PER_COMPANY`` on the scratch database (inputs filtered to ``tickers``),
    then replaces the rows of ``tickers`` in each core table it made. ``on_step(name, con)``
    runs after each SQL file, as in a full build, and after the merge (:data:`MERGED_STEP`).
    """
    (build,) = con.execute("SELECT current_database()").fetchone()
    con.execute(f"ATTACH ':memory:' AS {SCOPE}")
    try:
        with transaction(con):
            _scope_inputs(con, build, tickers)
        con.execute(f"USE {SCOPE}")
        with transaction(con):
            for name in CORE_PER_COMPANY:
                run_sql_file(con, name)
                on_step(name, con)
        con.execute(f"USE {_quoted(build)}")
        made = [name.split(".")[1] for name in table_names(con, ("core",), database=SCOPE)]
        with transaction(con):
            for table in made:
                con.execute(
                    f"DELETE FROM core.{table} "
                    f"WHERE ticker IN (SELECT ticker FROM {SCOPE}.main.companies)"
                )
                con.execute(f"INSERT INTO core.{table} BY NAME SELECT * FROM {SCOPE}.core.{table}")
        on_step(MERGED_STEP, con)
    finally:
        with contextlib.suppress(duckdb.Error):  # never hide the error that got here
            con.execute(f"USE {_quoted(build)}")
            con.execute(f"DETACH {SCOPE}")
    log.info("core recomputed for the %d compan(ies) this build changed", len(tickers))
