"""Freshness: the marts are stale when a catalogued filing is not in the warehouse, or when a
company's next filing is overdue; both show as checks (UI) and in `edgar-pipeline status`.

Periods and forms are read from ../shared/edgar/filings.csv; the deadlines are worked out
by hand in the comments (next quarter end, then 45 days for a 10-Q, 90 for a 10-K).
"""

from __future__ import annotations

import argparse
import csv
from datetime import date, timedelta

import duckdb
import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    DagsterInstance,
    evaluate_automation_conditions,
)

from assets.freshness import LOADED_CHECK, OVERDUE_CHECK
from assets.marts import COMPANY_QUARTERS_KEY
from assets.partitions import FILINGS
from assets.warehouse import EXPECTED_QUARTER_GAPS
from assets.xbrl import FACTS_KEY, LINE_ITEMS_KEY
from pipeline.automation.freshness import freshness, overdue_filings
from pipeline.automation.partition_ranges import all_partitions_tags
from pipeline.cli import cmd_status
from pipeline.definitions import BUILD_JOB, MAIN_JOB, SYNC_JOB, build_definitions
from pipeline.edgar.catalog import read_catalog_rows
from pipeline.edgar.standin import EdgarStandIn
from pipeline.warehouse.core import build_core
from tests.conftest import execute_job, make_settings, newest, rows_for, step_failures


def catalog_of(rows: list[dict[str, str]]) -> list[dict]:
    """filings.csv rows as the catalog has them (what the overdue rule reads)."""
    return [
        {
            "ticker": r["ticker"],
            "accession_number": r["accession_number"],
            "form": r["form"],
            "period_of_report": date.fromisoformat(r["report_date"]),
            "fiscal_year_end": r["fiscal_year_end"],
            "status": "landed",
        }
        for r in rows
    ]


def overdue_at(rows, today: date) -> dict[str, tuple[str, date, date]]:
    return {
        o.ticker: (o.form, o.period_end, o.due) for o in overdue_filings(catalog_of(rows), today)
    }


def test_a_10q_is_overdue_45_days_after_its_quarter(corpus_rows):
    amzn = rows_for(corpus_rows, ["AMZN"])
    last = newest(amzn)
    # AMZN's newest filing: the 10-Q for the quarter ended 2026-06-30. The next quarter ends
    # 2026-09-30 (FYE 1231: not the year end), so its 10-Q is due 45 days on, 2026-11-14.
    assert (last["form"], last["report_date"], last["fiscal_year_end"]) == (
        "10-Q",
        "2026-06-30",
        "1231",
    )
    assert overdue_at(amzn, date(2026, 11, 14)) == {}
    assert overdue_at(amzn, date(2026, 11, 15)) == {
        "AMZN": ("10-Q", date(2026, 9, 30), date(2026, 11, 14))
    }


def test_a_10k_is_overdue_90_days_after_the_fiscal_year(corpus_rows):
    nflx = rows_for(corpus_rows, ["NFLX"])
    last = max(nflx, key=lambda r: r["report_date"])
    # NFLX's newest period: the 10-Q for 2024-09-30. The next quarter ends 2024-12-31, its
    # fiscal year end (1231): a 10-K, due 90 days on, 2025-03-31.
    assert (last["form"], last["report_date"], last["fiscal_year_end"]) == (
        "10-Q",
        "2024-09-30",
        "1231",
    )
    assert overdue_at(nflx, date(2025, 3, 31)) == {}
    assert overdue_at(nflx, date(2025, 4, 1)) == {
        "NFLX": ("10-K", date(2024, 12, 31), date(2025, 3, 31))
    }


def test_a_fiscal_year_ending_in_january(corpus_rows):
    wmt = rows_for(corpus_rows, ["WMT"])
    last = max(wmt, key=lambda r: r["report_date"])
    # WMT's newest: the 10-K for the year ended 2025-01-31 (FYE 0131). Next: the Q1 10-Q for
    # the quarter ending 2025-04-30, due 2025-06-14.
    assert (last["form"], last["report_date"], last["fiscal_year_end"]) == (
        "10-K",
        "2025-01-31",
        "0131",
    )
    assert overdue_at(wmt, date(2025, 6, 14)) == {}
    assert overdue_at(wmt, date(2025, 6, 15)) == {
        "WMT": ("10-Q", date(2025, 4, 30), date(2025, 6, 14))
    }
    # A filing catalogued for that quarter (any status) clears it.
    filed = {**wmt[0], "form": "10-Q", "report_date": "2025-04-30", "accession_number": "x"}
    assert overdue_at([*wmt, filed], date(2025, 6, 15)) == {}


@pytest.fixture(scope="module")
def held_back(corpus, tmp_path_factory):
    """A warehouse built without AMZN's newest 10-Q; then that 10-Q is published, synced and
    parsed, but the warehouse not rebuilt (no daemon): the catalog is ahead of it."""
    with open(corpus / "filings.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    new = newest([r for r in rows_for(rows, ["AMZN"]) if r["form"] == "10-Q"])
    key = new["accession_number"]
    tmp = tmp_path_factory.mktemp("freshness")
    with pytest.MonkeyPatch.context() as patch, EdgarStandIn(corpus, exclude_accessions={key}) as s:
        for name, value in s.client_env().items():
            patch.setenv(name, value)
        settings = make_settings(tmp)
        defs = build_definitions(settings)
        (tmp / "dagster").mkdir()
        instance = DagsterInstance.local_temp(str(tmp / "dagster"))
        assert execute_job(defs, SYNC_JOB, instance).success
        keys = instance.get_dynamic_partitions(FILINGS.name)
        built = execute_job(defs, BUILD_JOB, instance, tags=all_partitions_tags(keys))
        assert built.success, step_failures(built)
        before = evaluate_automation_conditions(defs, instance)

        s.publish(key)
        assert execute_job(defs, SYNC_JOB, instance).success
        after_sync = evaluate_automation_conditions(defs, instance, cursor=before.cursor)
        parse = defs.resolve_job_def(MAIN_JOB).execute_in_process(
            instance=instance,
            asset_selection=[FACTS_KEY, LINE_ITEMS_KEY],
            partition_key=key,
            raise_on_error=False,
        )
        assert parse.success, step_failures(parse)
        yield settings, defs, instance, new, after_sync


def run_freshness_checks(defs, instance):
    """Only the two checks, as the automation sensor's request runs them."""
    job = defs.resolve_job_def(MAIN_JOB).get_subset(
        asset_selection=set(),
        asset_check_selection={
            AssetCheckKey(COMPANY_QUARTERS_KEY, LOADED_CHECK),
            AssetCheckKey(COMPANY_QUARTERS_KEY, OVERDUE_CHECK),
        },
    )
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert result.success, step_failures(result)
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_catalog_change_makes_the_automation_evaluate_freshness(held_back):
    *_, after_sync = held_back
    # the warehouse waits for the new filing's parse; only the freshness checks run
    requested = {r.key for r in after_sync.results if r.true_subset.size}
    assert requested == {
        AssetCheckKey(COMPANY_QUARTERS_KEY, n) for n in (LOADED_CHECK, OVERDUE_CHECK)
    }
    checks = {(k.asset_key.to_user_string(), k.name) for k in requested}
    assert checks == {
        ("marts/company_quarters", LOADED_CHECK),
        ("marts/company_quarters", OVERDUE_CHECK),
    }


def test_a_catalogued_filing_not_in_the_warehouse_is_stale(held_back, capsys):
    settings, defs, instance, new, _ = held_back
    checks = run_freshness_checks(defs, instance)
    loaded = checks[LOADED_CHECK]
    assert not loaded.passed and loaded.severity == AssetCheckSeverity.WARN
    assert loaded.metadata["failing_rows"].value == 1
    expected = (
        f"AMZN 10-Q {new['accession_number']} ({new['report_date']}): "
        "parsed, not in the warehouse yet"
    )
    assert expected in loaded.metadata["rows"].value

    assert cmd_status(settings, argparse.Namespace()) == 0  # a warning: exit code unchanged
    out = capsys.readouterr().out
    assert "freshness: STALE" in out
    assert f"  not in the warehouse: {expected}" in out


def test_once_the_warehouse_holds_it_the_check_passes(held_back, capsys):
    settings, defs, instance, *_ = held_back
    rebuilt = defs.resolve_job_def(MAIN_JOB).execute_in_process(
        instance=instance,
        asset_selection=[
            k
            for k in defs.resolve_asset_graph().get_all_asset_keys()
            if k.path[0] in ("warehouse", "marts")
        ],
        raise_on_error=False,
    )
    assert rebuilt.success, step_failures(rebuilt)
    # the build's own run evaluated the freshness checks after the marts
    in_run = {e.check_name: e for e in rebuilt.get_asset_check_evaluations()}
    assert in_run[LOADED_CHECK].passed
    assert run_freshness_checks(defs, instance)[LOADED_CHECK].passed

    # As of today the next AMZN 10-Q is overdue once 45 days past 2026-09-30 (2026-11-14).
    overdue_now = date.today() > date(2026, 11, 14)
    assert cmd_status(settings, argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert ("overdue: AMZN 10-Q for the period ending about 2026-09-30" in out) == overdue_now
    assert "not in the warehouse" not in out
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        state = freshness(catalog_of_settings(settings), con, date(2026, 11, 14))
    assert state.unloaded == []
    assert not any(o.ticker == "AMZN" for o in state.overdue)
    later = date(2026, 11, 14) + timedelta(days=1)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert any(
            o.ticker == "AMZN" for o in freshness(catalog_of_settings(settings), con, later).overdue
        )


def catalog_of_settings(settings):
    return read_catalog_rows(settings.catalog_path)


def test_the_gap_check_is_green_on_the_filings_and_red_when_one_lacks_its_quarter(
    held_back, tmp_path
):
    """quarter_sequence_gaps lists only quarters a filing in scope should have covered."""
    settings, *_ = held_back
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(settings.warehouse_path.resolve().read_bytes())
    with duckdb.connect(str(copy)) as con:
        assert con.execute(EXPECTED_QUARTER_GAPS).fetchall() == []  # green on the corpus
        (all_gaps,) = con.execute("SELECT count(*) FROM core.quarter_gaps").fetchall()[0]
        assert all_gaps > 0  # gaps between filings exist; no filing in scope covers them
        # AMZN's 10-Q for the quarter ended 2024-03-31 (0001018724-24-000083) loses its line
        # items: core no longer has FY2024 Q1 (no later 10-Q reports it as a comparative).
        accession = "0001018724-24-000083"
        con.execute("DELETE FROM raw.line_items WHERE accession_number = ?", [accession])
        build_core(con)
        red = con.execute(EXPECTED_QUARTER_GAPS).fetchall()
    assert red, "the filing's quarter is expected and missing"
    assert {(r[0], r[2], r[-1]) for r in red} == {("AMZN", "FY2024Q1", accession)}
