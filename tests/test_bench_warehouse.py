"""benchmarks/bench_warehouse.py stays runnable and measures what it says.

One small run of every scenario (scale 1, two fiscal years, one new filing: about ten
seconds of short child processes) is shared by the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import bench_warehouse as bench

YEARS = 2
FILINGS_PER_YEAR = 4  # three 10-Qs and a 10-K


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("bench_warehouse") / "x1"
    return root, bench.measure(root, 1, YEARS, 1)


def _catalog(root: Path) -> list[dict]:
    return pq.read_table(root / "catalog" / "filings.parquet").to_pylist()


def test_generated_files_verify_against_their_catalog_rows(tmp_path: Path) -> None:
    from pipeline.xbrl import PARSER_VERSION
    from pipeline.xbrl.datasets import (
        DATASETS,
        filing_file,
        read_filing_metadata,
        verify_filing_file,
    )

    sizes = bench.generate(tmp_path, 2, YEARS)
    bench.add_filing(tmp_path, 0)
    catalog = _catalog(tmp_path)

    expected = 2 * len(bench.COMPANIES) * YEARS * FILINGS_PER_YEAR
    assert sizes["filings"] == expected and len(catalog) == expected + 1
    assert len({r["accession_number"] for r in catalog}) == len(catalog)
    for row in catalog:
        for dataset in DATASETS:
            path = filing_file(tmp_path / dataset, row["ticker"], row["accession_number"])
            assert verify_filing_file(path, dataset, row) is None, path
            # without it every load would stage the file again (raw.loaded_files)
            assert read_filing_metadata(path)["parser_version"] == PARSER_VERSION


def test_each_load_stages_what_its_scenario_says(measured: tuple[Path, dict]) -> None:
    _, row = measured
    n = row["filings"]
    assert row["full"]["staged"] == {"catalog": n, "facts": n, "line_items": n}
    assert not row["full"]["incremental"]
    assert row["nothing"]["staged"] == {"catalog": 0, "facts": 0, "line_items": 0}
    assert row["nothing"]["unchanged"]
    assert row["one"]["staged"] == {"catalog": n + 1, "facts": 1, "line_items": 1}
    assert row["view_one"]["staged"] == {"catalog": n + 1, "line_items": 1}
    assert all(row[s]["incremental"] and not row[s]["unchanged"] for s in ("one", "view_one"))
    # the new 10-Q's quarter reached core.financials
    assert row["one"]["financials"] > row["nothing"]["financials"] == row["full"]["financials"]
    assert row["view_one"]["financials"] == row["one"]["financials"]


@pytest.mark.parametrize("scenario", ["full", "one", "view_one"])
def test_parts_are_timed_and_fit_in_the_total(measured: tuple[Path, dict], scenario: str) -> None:
    result = measured[1][scenario]
    parts = [result[p] for p in bench.PARTS]
    assert all(p >= 0 for p in parts)
    assert result["raw_s"] > 0 and result["core_s"] > 0 and result["hash_s"] > 0
    assert sum(parts) <= result["total_s"]
    assert result["copy_s"] > 0 if scenario != "full" else result["copy_s"] < 0.01  # no copy
    assert result["peak_rss_mb"] > 0 and result["db_mb"] > 0


def test_nothing_new_builds_nothing(measured: tuple[Path, dict]) -> None:
    result = measured[1]["nothing"]
    assert [result[p] for p in bench.PARTS] == [0.0] * len(bench.PARTS)
    assert result["total_s"] > 0 and result["db_mb"] == measured[1]["full"]["db_mb"]


def test_view_snapshot_reads_the_lake_and_holds_the_same_facts(
    measured: tuple[Path, dict],
) -> None:
    from pipeline.warehouse import read_connection

    root, row = measured
    facts = (row["filings"] + 1) * bench.FACTS_PER_FILING
    counts = {}
    for name in ("table", "view"):
        with read_connection(root / name / "warehouse.duckdb") as con:
            (views,) = con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'raw' "
                "AND view_name = 'facts'"
            ).fetchone()
            counts[name] = (views, con.execute("SELECT count(*) FROM raw.facts").fetchone()[0])
    assert counts == {"table": (0, facts), "view": (1, facts)}
    # measure() compared every query's rows; a view snapshot is smaller (no facts stored)
    assert all(row["q_table"][q]["rows"] > 0 for q in bench.QUERIES)
    assert row["view_one"]["db_mb"] < row["one"]["db_mb"]


def test_a_view_snapshot_cannot_be_read_by_the_sandboxed_query_command(
    measured: tuple[Path, dict],
) -> None:
    from pipeline.warehouse import sandboxed_read_connection

    root, _ = measured
    with (
        sandboxed_read_connection(root / "view" / "warehouse.duckdb") as con,
        pytest.raises(duckdb.PermissionException, match="file system operations"),
    ):
        con.execute("SELECT count(*) FROM raw.facts").fetchall()


@pytest.mark.parametrize(
    ("staged", "incremental", "unchanged", "what"),
    [
        (12, True, False, "full"),  # built on a copy, not from empty
        (12, False, False, "one"),  # a rebuild, not one filing
        (1, False, False, "one"),
        (0, True, False, "nothing"),  # built a snapshot with nothing new
    ],
)
def test_a_load_that_is_not_its_scenario_stops_the_benchmark(
    staged: int, incremental: bool, unchanged: bool, what: str
) -> None:
    result = {
        "staged": {"facts": staged, "line_items": staged},
        "incremental": incremental,
        "unchanged": unchanged,
    }
    expected = {"full": 12, "one": 1, "nothing": 0}[what]
    with pytest.raises(SystemExit, match="would not measure what it says"):
        bench._expect(result, expected, what)


def test_report_prints_one_table_per_scenario(
    measured: tuple[Path, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    bench.report([measured[1]])
    titles = [line[:2] for line in capsys.readouterr().out.splitlines() if line[1:2] == ")"]
    assert titles == ["a)", "b)", "c)", "d)", "d)", "e)"]
