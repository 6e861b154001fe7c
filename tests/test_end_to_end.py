"""The README's run command, end to end on the offline corpus, and Dagster's own CLI.

Expected figures are read from the filings (10-K income statements and cash-flow
statements; the FY2022 instance for Amazon's 2020 and 2021), in USD.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import TEST_COMPANIES, filing_order, newest, oldest

REPO_ROOT = Path(__file__).resolve().parents[1]
B = 1_000_000  # the filings state values in millions

AMZN_ANNUAL = {  # fiscal year = calendar year: (net sales, purchases of property and equipment)
    2020: (386_064 * B, 40_140 * B),
    2021: (469_822 * B, 61_053 * B),
    2022: (513_983 * B, 63_645 * B),
    2023: (574_785 * B, 52_729 * B),
    2024: (637_959 * B, 82_999 * B),
}
WMT_ANNUAL = {  # fiscal year ends Jan 31: (total revenues, payments for property and equipment)
    2022: (572_754 * B, 13_106 * B),
    2023: (611_289 * B, 16_857 * B),
    2024: (648_125 * B, 20_606 * B),
    2025: (680_985 * B, 23_783 * B),
}


def _env(data_dir: Path, corpus: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EDGAR_DATA_DIR": str(data_dir),
        "EDGAR_MIRROR": str(corpus),
        "EDGAR_COMPANIES": ",".join(TEST_COMPANIES),  # the README's default, said explicitly
        "DAGSTER_HOME": str(data_dir / "dagster"),
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


def _dump(path: Path) -> dict[str, list]:
    """Every table of the warehouse, rows sorted: equal dumps mean identical warehouses."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            # the load's own bookkeeping (paths, load times) is not warehouse data
            "AND table_schema || '.' || table_name <> 'raw.loaded_files' ORDER BY 1"
        ).fetchall()
        return {
            t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for (t,) in tables
        }


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, corpus):
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    env = _env(data_dir, corpus)
    cli = [sys.executable, "-m", "pipeline", "run"]
    first = _run(cli, env)
    dump_first = _dump(data_dir / "warehouse.duckdb")
    second = _run(cli, env)
    return data_dir, env, first, second, dump_first


def test_the_run_command_builds_the_warehouse(pipeline_run):
    data_dir, _, first, _, _ = pipeline_run
    assert "(sync_filings): succeeded" in first.stdout
    assert "(parse_and_load): succeeded" in first.stdout
    assert (data_dir / "charts" / "ttm_race.png").stat().st_size > 10_000


def test_annual_revenue_and_capex_equal_the_filings_to_the_dollar(pipeline_run):
    data_dir = pipeline_run[0]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT ticker, fiscal_year, revenue, capex FROM marts.capex_intensity"
        ).fetchall()
    got = {(t, y): (r, c) for t, y, r, c in rows}
    for ticker, expected in (("AMZN", AMZN_ANNUAL), ("WMT", WMT_ANNUAL)):
        for year, (revenue, capex) in expected.items():
            assert got[(ticker, year)] == (Decimal(revenue), Decimal(capex)), (ticker, year)
    assert {t for t, _ in got} == {"AMZN", "WMT"}
    assert sorted(y for t, y in got if t == "AMZN") == sorted(AMZN_ANNUAL)
    assert sorted(y for t, y in got if t == "WMT") == sorted(WMT_ANNUAL)


def test_quarterly_comparison_aligns_amazon_june_with_walmart_july(pipeline_run):
    data_dir = pipeline_run[0]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(  # the long-form mart pivoted to the pair, by calendar quarter
            "SELECT a.calendar_label, a.period_end, a.revenue, w.period_end, w.revenue "
            "FROM marts.quarterly_comparison AS a JOIN marts.quarterly_comparison AS w "
            "USING (calendar_year, calendar_quarter) WHERE a.ticker = ? AND w.ticker = ? "
            "AND a.calendar_label IN ('CY2022Q2', 'CY2023Q2') ORDER BY a.calendar_label",
            list(TEST_COMPANIES),
        ).fetchall()
    assert len(rows) == 2, rows
    (prior, current) = rows
    # The Q2 2023 10-Qs: Amazon's three months ended June 30 (net sales 134,383 and 121,234
    # a year before); Walmart's three months ended July 31 (total revenues 161,632 and 152,859).
    assert str(current[1]) == "2023-06-30" and current[2] == Decimal(134_383 * B)
    assert str(current[3]) == "2023-07-31" and current[4] == Decimal(161_632 * B)
    assert str(prior[1]) == "2022-06-30" and prior[2] == Decimal(121_234 * B)
    assert str(prior[3]) == "2022-07-31" and prior[4] == Decimal(152_859 * B)


def test_running_twice_leaves_the_warehouse_identical(pipeline_run):
    data_dir, _, _, second, dump_first = pipeline_run
    assert "(parse_and_load): succeeded" in second.stdout
    assert _dump(data_dir / "warehouse.duckdb") == dump_first


def test_dagster_cli_materializes_a_partition_range(pipeline_run, tracked_rows):
    """A backfill of the 2023 filings through `dagster asset materialize --partition-range`."""
    data_dir, env, _, _, _ = pipeline_run
    facts = sorted((data_dir / "parquet" / "facts").rglob("*.parquet"))
    before = {p.name: p.stat().st_mtime_ns for p in facts}
    of_2023 = sorted((r for r in tracked_rows if r["filing_date"][:4] == "2023"), key=filing_order)
    assert len(of_2023) >= 2, "the test needs two filings filed in 2023"
    first, last = of_2023[0]["accession_number"], of_2023[-1]["accession_number"]
    _run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "pipeline.definitions",
            "--select",
            "xbrl/facts,xbrl/line_items",
            "--partition-range",
            f"{first}...{last}",
            "--config-json",  # re-parse even though unchanged (no parser version bump here)
            '{"ops": {"parsed_filings": {"config": {"reparse": true}}}}',
        ],
        env,
    )
    changed = {p.name for p in facts if p.stat().st_mtime_ns != before[p.name]}
    assert changed == {f"{r['accession_number']}.parquet" for r in of_2023}


def test_dagster_job_execute_runs_the_main_job(pipeline_run, tracked_rows):
    data_dir, env, _, _, dump_first = pipeline_run
    tags = {  # every filing: the oldest to the newest
        "dagster/asset_partition_range_start": oldest(tracked_rows)["accession_number"],
        "dagster/asset_partition_range_end": newest(tracked_rows)["accession_number"],
    }
    _run(  # exits non-zero if any step fails
        [
            sys.executable,
            "-m",
            "dagster",
            "job",
            "execute",
            "-m",
            "pipeline.definitions",
            "-j",
            "edgar_to_marts",
            "--tags",
            json.dumps(tags),
        ],
        env,
    )
    assert _dump(data_dir / "warehouse.duckdb") == dump_first


def test_status_and_query_commands(pipeline_run, corpus_rows):
    _, env, _, _, _ = pipeline_run
    status = _run([sys.executable, "-m", "pipeline", "status"], env).stdout
    lines = {line.split()[0]: line.split()[1:] for line in status.splitlines() if line.strip()}
    for ticker in {r["ticker"] for r in corpus_rows}:
        count = str(sum(r["ticker"] == ticker for r in corpus_rows))
        if ticker in TEST_COMPANIES:
            # downloaded, parsed, loaded, failed
            assert lines[ticker] == [count, count, count, "0"], ticker
        else:
            assert ticker not in lines  # not tracked
    assert "CY2024" in status and "FY2025" in status

    sql = (
        "SELECT ticker, fiscal_label, capex FROM marts.capex_intensity "
        "WHERE fiscal_label = 'FY2024' ORDER BY ticker"
    )
    out = _run([sys.executable, "-m", "pipeline", "query", sql], env).stdout
    assert "82,999,000,000" in out and "20,606,000,000" in out  # grouped, exact

    bad = subprocess.run(
        [sys.executable, "-m", "pipeline", "query", "SELECT * FROM marts.nope"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1 and "query failed" in bad.stderr and "nope" in bad.stderr
