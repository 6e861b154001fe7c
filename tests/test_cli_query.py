"""``edgar-pipeline query``: exact money in every format, and pandas gets exact integers.

The figures are read from the filings in ../shared/edgar, not from the code:
AMZN's FY2024 10-K (0001018724-25-000004, amzn-20241231.htm) tags
us-gaap:PaymentsToAcquireProductiveAssets ``82,999`` with scale 6 for 2024 (capex
$82,999,000,000); Netflix's FY2023 10-K (0001065280-24-000030, nflx-20231231_htm.xml) tags
us-gaap:Revenues ``33723297000`` for context c-1 (2023-01-01 to 2023-12-31).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.query_output import human, write_result
from pipeline.warehouse import load_from_settings, read_connection
from tests.conftest import REPO_ROOT, make_settings, tickers_of
from tests.faults.runner import cli_env, run_cli
from tests.faults.test_lake_and_warehouse_faults import land_and_parse

AMZN_CAPEX_FY2024 = 82_999_000_000
NFLX_REVENUE_FY2023 = 33_723_297_000
FIGURES_SQL = """
    SELECT ticker, line_item, fiscal_label, value FROM core.financials
    WHERE (ticker, line_item, fiscal_label) IN (('AMZN', 'capex', 'FY2024'),
                                                ('NFLX', 'revenue', 'FY2023'))
    ORDER BY ticker
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, corpus: Path, corpus_rows):
    """Every filing of filings.csv parsed and loaded (all its companies); the CLI's env."""
    settings = make_settings(tmp_path_factory.mktemp("query"), companies=tickers_of(corpus_rows))
    land_and_parse(settings, corpus, corpus_rows)
    assert load_from_settings(settings).rejected == ()
    env = cli_env(settings.data_dir, corpus, EDGAR_COMPANIES=",".join(settings.companies))
    return settings, env


def query(env: dict[str, str], *args: str):
    done = run_cli(["query", *args], env, timeout=120, merge_stderr=False)
    assert done.returncode == 0, done.stderr
    return done


# -- the real warehouse, through the CLI -------------------------------------------------


def test_the_table_groups_the_filed_figures(warehouse):
    _, env = warehouse
    out = query(env, FIGURES_SQL).stdout
    assert "82,999,000,000" in out and "33,723,297,000" in out
    assert "82999000000" not in out and ".0000" not in out  # never DECIMAL(38,10)'s tail
    capex = next(line for line in out.splitlines() if "capex" in line)
    assert capex.rstrip().endswith(" 82,999,000,000 │")  # numbers right-aligned


def test_csv_and_json_are_exact_without_grouping(warehouse):
    _, env = warehouse
    rows = list(csv.DictReader(io.StringIO(query(env, "--format", "csv", FIGURES_SQL).stdout)))
    assert [(r["ticker"], r["value"]) for r in rows] == [
        ("AMZN", str(AMZN_CAPEX_FY2024)),
        ("NFLX", str(NFLX_REVENUE_FY2023)),
    ]
    text = query(env, "--format", "json", FIGURES_SQL).stdout
    parsed = json.loads(text, parse_float=Decimal)
    assert [(r["ticker"], r["value"]) for r in parsed] == [
        ("AMZN", AMZN_CAPEX_FY2024),
        ("NFLX", NFLX_REVENUE_FY2023),
    ]
    assert all(type(r["value"]) is int for r in parsed)  # JSON integers, not 8.2999e10


def test_markdown_groups_and_right_aligns_numbers(warehouse):
    _, env = warehouse
    lines = query(env, "--format", "markdown", FIGURES_SQL).stdout.splitlines()
    assert lines[0] == "| ticker | line_item | fiscal_label | value |"
    assert lines[1] == "|---|---|---|---:|"
    assert lines[2] == "| AMZN | capex | FY2024 | 82,999,000,000 |"
    assert lines[3] == "| NFLX | revenue | FY2023 | 33,723,297,000 |"


def test_dates_are_iso_in_csv_and_json(warehouse, corpus_rows):
    _, env = warehouse
    first = min(corpus_rows, key=lambda r: (r["filing_date"], r["accession_number"]))
    sql = (
        "SELECT accession_number, filing_date FROM raw.filings "
        "ORDER BY filing_date, accession_number LIMIT 1"
    )
    assert query(env, "--format", "csv", sql).stdout.splitlines()[1] == (
        f"{first['accession_number']},{first['filing_date']}"
    )
    [row] = json.loads(query(env, "--format", "json", sql).stdout)
    assert row == {
        "accession_number": first["accession_number"],
        "filing_date": first["filing_date"],
    }


def test_max_rows_cuts_human_formats_only_and_says_so_on_stderr(warehouse, corpus_rows):
    _, env = warehouse
    sql = "SELECT accession_number FROM raw.filings ORDER BY accession_number"
    cut = query(env, "--max-rows", "2", sql)
    assert cut.stdout.count("│ 0") == 2  # two accession rows, nothing else on stdout
    assert cut.stderr.strip() == "query: showing the first 2 rows; --max-rows 0 shows all"
    whole = query(env, "--format", "csv", sql)  # csv and json: every row unless told
    assert len(whole.stdout.splitlines()) == len(corpus_rows) + 1 and whole.stderr == ""


def test_a_closed_pipe_ends_the_query_quietly_with_exit_141(warehouse):
    """``query … | head -1``: no "Broken pipe" message, exit 141 (128 + SIGPIPE)."""
    _, env = warehouse
    reader = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "query", "--format", "csv", "SELECT * FROM raw.facts"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    header = reader.stdout.readline()
    reader.stdout.close()  # what head does after its lines
    assert reader.wait(timeout=120) == 141
    assert reader.stderr.read() == b""
    assert header.startswith(b"ticker,cik,accession_number,")  # it had started writing


def test_pandas_gets_exact_integers_for_money(warehouse):
    """The README's notebook route: ``.df()`` of core.financials holds exact ints, not floats.

    AMZN's FY2023 10-K (0001018724-24-000008) tags capex ``61,053`` (scale 6) for context c-7,
    2021-01-01 to 2021-12-31: as a float64 it was 61,052,999,999.99999 (issue 10).
    """
    settings, _ = warehouse
    with read_connection(settings.warehouse_path) as con:
        frame = con.sql(FIGURES_SQL).df()
        every = con.sql("SELECT ticker, line_item, fiscal_label, value FROM core.financials").df()
    assert str(frame["value"].dtype) in {"int64", "Int64"}, frame["value"].dtype
    assert frame["value"].tolist() == [AMZN_CAPEX_FY2024, NFLX_REVENUE_FY2023]
    assert str(every["value"].dtype) in {"int64", "Int64"}, every["value"].dtype
    capex_2021 = every.query(
        "ticker == 'AMZN' and line_item == 'capex' and fiscal_label == 'FY2021'"
    )
    assert capex_2021["value"].tolist() == [61_053_000_000]
    assert type(capex_2021["value"].iloc[0]).__name__ == "int64"  # numpy's, not a float


# -- every DuckDB number type, exactly ----------------------------------------------------

EXACT_SQL = """
SELECT 386064000000.0000000000::DECIMAL(38, 10) AS d38_10,
       -43026000000::BIGINT AS big,
       170141183460469231731687303715884105727::HUGEINT AS huge,
       12345678901234567890123456.78::DECIMAL(38, 2) AS cents,
       0.125::DECIMAL(18, 6) AS ratio,
       -0.5::DECIMAL(4, 2) AS negative_half,
       0.1::DOUBLE AS dbl,
       'nan'::DOUBLE AS not_a_number,
       NULL::BIGINT AS missing,
       DATE '2024-01-31' AS day,
       'a|b' AS text
"""
HUGE = 170141183460469231731687303715884105727


def _render(fmt: str, sql: str = EXACT_SQL) -> str:
    out = io.StringIO()
    with duckdb.connect() as con:
        assert write_result(con.execute(sql), out, fmt) is False
    return out.getvalue()


def test_table_groups_every_number_type_exactly():
    out = _render("table")
    for shown in (
        "386,064,000,000",
        "-43,026,000,000",
        "170,141,183,460,469,231,731,687,303,715,884,105,727",
        "12,345,678,901,234,567,890,123,456.78",
        "0.125",
        "-0.5",
        "NULL",
        "2024-01-31",
        "decimal(38,10)",
        "hugeint",
    ):
        assert shown in out, shown
    assert "386064000000" not in out and "e+" not in out


def test_csv_writes_the_exact_digits():
    header, row = list(csv.reader(io.StringIO(_render("csv"))))
    values = dict(zip(header, row, strict=True))
    assert values == {
        "d38_10": "386064000000",
        "big": "-43026000000",
        "huge": str(HUGE),
        "cents": "12345678901234567890123456.78",
        "ratio": "0.125",
        "negative_half": "-0.5",
        "dbl": "0.1",
        "not_a_number": "nan",
        "missing": "",
        "day": "2024-01-31",
        "text": "a|b",
    }


def test_json_integers_are_integers_and_decimals_exact_numbers():
    [row] = json.loads(_render("json"), parse_float=Decimal)
    assert row == {
        "d38_10": 386064000000,
        "big": -43026000000,
        "huge": HUGE,
        "cents": Decimal("12345678901234567890123456.78"),
        "ratio": Decimal("0.125"),
        "negative_half": Decimal("-0.5"),
        "dbl": Decimal("0.1"),
        "not_a_number": "NaN",
        "missing": None,
        "day": "2024-01-31",
        "text": "a|b",
    }
    assert type(row["huge"]) is int and type(row["d38_10"]) is int


def test_markdown_escapes_pipes():
    assert "| a\\|b |" in _render("markdown")


def test_empty_results_and_statements_without_rows():
    assert _render("json", "SELECT 1 AS one WHERE false") == "[]\n"
    assert _render("csv", "SELECT 1 AS one WHERE false") == "one\n"
    assert _render("table", "SELECT 1 AS one WHERE false").count("\n") == 5  # box, no rows


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0E-10"), "0"),
        (Decimal("-0.0500"), "-0.05"),
        (Decimal("1234.5000"), "1,234.5"),
        (10**40, "10,000,000,000,000,000,000,000,000,000,000,000,000,000"),
        (True, "true"),
        (date(2025, 1, 31), "2025-01-31"),
    ],
)
def test_human_cells(value, shown):
    assert human(value) == shown
