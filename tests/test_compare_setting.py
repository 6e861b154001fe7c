"""EDGAR_COMPARE: the compare set and pair of the marts, checked like every setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.config import ConfigError, Settings
from pipeline.resources import PipelineSettings
from pipeline.warehouse.marts import CompareSet, compare_rows
from pipeline.warehouse.resource import DuckDBWarehouse

REPO = Path(__file__).resolve().parents[1]


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"EDGAR_DATA_DIR": str(tmp_path), **env})


def test_unset_compares_every_company_and_pairs_the_first_two(tmp_path: Path) -> None:
    s = settings(tmp_path, EDGAR_COMPANIES="NFLX,AMZN,WMT")
    assert s.compare is None and s.compare_pair == ("NFLX", "AMZN", "WMT")  # first two win
    assert CompareSet.from_settings(s) == CompareSet(None, ("NFLX", "AMZN", "WMT"))
    assert settings(tmp_path, EDGAR_COMPANIES="NFLX").compare_pair == ("NFLX",)
    assert settings(tmp_path, EDGAR_COMPARE="  ").compare is None  # blank: the default


def test_a_set_is_normalised_and_its_first_two_are_the_pair(tmp_path: Path) -> None:
    s = settings(tmp_path, EDGAR_COMPANIES="AMZN,WMT,NFLX", EDGAR_COMPARE="wmt, nflx wmt")
    assert (s.compare, s.compare_pair) == (("WMT", "NFLX"), ("WMT", "NFLX"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("AMZN", "EDGAR_COMPARE='AMZN' names fewer than two companies"),
        ("AMZN,COST", "EDGAR_COMPARE names COST, not tracked (EDGAR_COMPANIES=AMZN,WMT)"),
        ("AMZN,../x", "EDGAR_COMPARE: company '../x' is not a ticker"),
        ("AMZN,'WMT'", "EDGAR_COMPARE: company \"'WMT'\" is not a ticker"),
    ],
)
def test_bad_values_are_one_line(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings(tmp_path, EDGAR_COMPANIES="AMZN,WMT", EDGAR_COMPARE=value)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_the_resources_carry_it(tmp_path: Path) -> None:
    s = settings(tmp_path, EDGAR_COMPANIES="AMZN,WMT,NFLX", EDGAR_COMPARE="NFLX,AMZN")
    assert PipelineSettings.from_settings(s).settings() == s
    warehouse = DuckDBWarehouse.from_settings(s)
    assert (warehouse.compare, warehouse.compare_pair) == (["NFLX", "AMZN"], ["NFLX", "AMZN"])
    unset = DuckDBWarehouse.from_settings(settings(tmp_path, EDGAR_COMPANIES="WMT,AMZN"))
    assert (unset.compare, unset.compare_pair) == (None, ["WMT", "AMZN"])


def test_the_cli_refuses_a_bad_value_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "EDGAR_DATA_DIR": str(tmp_path), "EDGAR_COMPARE": "AMZN,../x"}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "status"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "EDGAR_COMPARE: company '../x' is not a ticker" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_ticker_and_its_cik_are_one_member_of_the_set_and_the_pair() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core; CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE core.financials AS SELECT * FROM (VALUES ('AMZN'), ('WMT')) t(ticker)"
    )
    con.execute(
        "CREATE TABLE raw.filings AS SELECT * FROM "
        "(VALUES ('0001018724', 'AMZN'), ('0000104169', 'WMT')) t(cik, ticker)"
    )
    named = ("AMZN", "1018724", "WMT")
    for members in (None, named):
        rows = compare_rows(con, CompareSet(members, named))
        in_set = [(r[3], r[5]) for r in rows if r[4]]
        assert in_set == [("AMZN", "a"), ("WMT", "b")], members
