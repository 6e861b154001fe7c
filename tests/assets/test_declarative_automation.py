"""Declarative automation on a real Dagster instance: a parsed filing partition brings the
warehouse, marts and chart along by itself, once, and not while a backfill is running.

The automation sensor's evaluation is Dagster's own (``evaluate_automation_conditions``, what
the daemon's ``warehouse_automation`` sensor runs each tick); each request is then carried
out as the daemon would, as one run of the requested assets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultSensorStatus,
    evaluate_automation_conditions,
)
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

from assets.partitions import FILINGS
from assets.xbrl import FACTS_KEY, LINE_ITEMS_KEY
from pipeline.automation.conditions import AUTOMATION_SENSOR
from pipeline.automation.partition_ranges import BACKFILL_TAG, all_partitions_tags
from pipeline.definitions import BUILD_JOB, MAIN_JOB, SYNC_JOB, build_definitions
from pipeline.edgar.standin import EdgarStandIn
from tests.conftest import execute_job, filing_order, make_settings, newest, rows_for, step_failures

REPO_ROOT = Path(__file__).resolve().parents[2]
B = 1_000_000
PARSE = [FACTS_KEY, LINE_ITEMS_KEY]


def downstream_keys(defs) -> set[AssetKey]:
    """Every asset the automation should bring along: the warehouse, marts and chart."""
    graph = defs.resolve_asset_graph()
    return {k for k in graph.get_all_asset_keys() if k.path[0] in ("warehouse", "marts")}


def requested(result) -> set[AssetKey]:
    """The assets a tick requests (a non-subsettable multi-asset is requested whole)."""
    return {r.key for r in result.results if result.get_num_requested(r.key)}


def carry_out(defs, instance, result) -> None:
    """Run what the automation requested, as the daemon would: one run of those assets."""
    keys = sorted(requested(result), key=lambda k: k.to_user_string())
    run = defs.resolve_job_def(MAIN_JOB).execute_in_process(
        instance=instance, asset_selection=keys, raise_on_error=False
    )
    assert run.success, step_failures(run)


def build_everything(defs, instance) -> list[str]:
    """What `edgar-pipeline run` does: sync, then parse and load every filing."""
    assert execute_job(defs, SYNC_JOB, instance).success
    keys = instance.get_dynamic_partitions(FILINGS.name)
    result = execute_job(defs, BUILD_JOB, instance, tags=all_partitions_tags(keys))
    assert result.success, step_failures(result)
    return keys


def test_the_automation_sensor_is_on_by_default():
    defs = build_definitions(make_settings_for_import())
    sensor = defs.resolve_sensor_def(AUTOMATION_SENSOR)
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    graph = defs.resolve_asset_graph()
    automated = {k for k in graph.get_all_asset_keys() if graph.get(k).automation_condition}
    assert automated == downstream_keys(defs)
    # no second, stopped default sensor: ours covers every automated asset
    assert [s.name for s in defs.sensors if "automation" in s.name] == [AUTOMATION_SENSOR]


def make_settings_for_import():
    from pathlib import Path
    from tempfile import mkdtemp

    return make_settings(Path(mkdtemp(prefix="edgar-automation-")))


def materialize_partition(defs, instance, key: str, how: str, data_dir: Path) -> None:
    """Parse one filing partition, as the README's backfill guide does it."""
    if how == "launched run":  # what the UI's Materialize launches
        parse = defs.resolve_job_def(MAIN_JOB).execute_in_process(
            instance=instance, asset_selection=PARSE, partition_key=key, raise_on_error=False
        )
        assert parse.success, step_failures(parse)
        return
    env = {  # the same instance and data folder, as `export DAGSTER_HOME=...` in the guide
        **os.environ,
        "DAGSTER_HOME": instance.root_directory,
        "EDGAR_DATA_DIR": str(data_dir),
        "EDGAR_COMPANIES": "AMZN,WMT",
    }
    done = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "dagster",
                "asset",
                "materialize",
                "-m",
                "pipeline.definitions",
            ),
            *("--select", "xbrl/facts,xbrl/line_items", "--partition", key),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.parametrize("how", ["launched run", "dagster asset materialize"])
def test_one_parsed_filing_reaches_the_marts_by_automation(
    corpus, tracked_rows, tmp_path, monkeypatch, how
):
    # The warehouse is built without AMZN's newest 10-Q; then the filing is published.
    new = newest([r for r in rows_for(tracked_rows, ["AMZN"]) if r["form"] == "10-Q"])
    new_key = new["accession_number"]
    with EdgarStandIn(corpus, exclude_accessions={new_key}) as server:
        for key, value in server.client_env().items():
            monkeypatch.setenv(key, value)
        settings = make_settings(tmp_path)
        defs = build_definitions(settings)
        (tmp_path / "dagster").mkdir()
        instance = DagsterInstance.local_temp(str(tmp_path / "dagster"))
        build_everything(defs, instance)

        # The run that parsed the filings also built the warehouse: nothing more to do.
        tick = evaluate_automation_conditions(defs, instance)
        assert requested(tick) == set()

        # The filing is catalogued (a partition registered) but not parsed: the warehouse
        # waits for it rather than rebuilding without it.
        server.publish(new_key)
        assert execute_job(defs, SYNC_JOB, instance).success
        assert new_key in instance.get_dynamic_partitions(FILINGS.name)
        tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
        assert requested(tick) == set()

        # Materialize only that filing's partition (the UI's Materialize, or
        # `dagster asset materialize --partition` from the terminal) ...
        materialize_partition(defs, instance, new_key, how, settings.data_dir)
        # ... and the automation requests the warehouse, marts and chart, all in one request.
        tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
        assert requested(tick) == downstream_keys(defs)
        assert {tick.get_num_requested(key) for key in downstream_keys(defs)} == {1}
        carry_out(defs, instance, tick)

        # The marts now hold the filing's quarter: net sales of the three months ended
        # 2026-06-30, $200,606 million (context c-19 of amzn-20260630_htm.xml).
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            (revenue,) = con.execute(
                "SELECT revenue FROM marts.company_quarters WHERE ticker = 'AMZN' "
                "AND period_end = ?",
                [new["report_date"]],
            ).fetchone()
        assert revenue == Decimal(200_606 * B)

        # Once built, nothing more is requested.
        tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
        assert requested(tick) == set()


def test_a_backfill_in_progress_holds_the_warehouse_back_then_one_rebuild(
    standin, tracked_rows, tmp_path
):
    settings = make_settings(tmp_path)
    defs = build_definitions(settings)
    (tmp_path / "dagster").mkdir()
    instance = DagsterInstance.local_temp(str(tmp_path / "dagster"))
    keys = build_everything(defs, instance)
    tick = evaluate_automation_conditions(defs, instance)
    assert requested(tick) == set()

    # A backfill re-parsing several filings, launched from the UI (Materialize -> range ->
    # backfill): recorded on the instance, its one run (BackfillPolicy.single_run) tagged.
    ordered = [r["accession_number"] for r in sorted(tracked_rows, key=filing_order)]
    assert ordered == keys
    chosen = keys[:3]
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id="reparse3",
        asset_graph=defs.resolve_asset_graph(),
        partition_names=chosen,
        asset_selection=PARSE,
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title=None,
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
    assert requested(tick) == set()  # nothing parsed yet, backfill requested

    run = defs.resolve_job_def(MAIN_JOB).execute_in_process(
        instance=instance,
        asset_selection=PARSE,
        tags={**all_partitions_tags(chosen), BACKFILL_TAG: backfill.backfill_id},
        raise_on_error=False,
    )
    assert run.success, step_failures(run)
    parsed = {
        e.partition for e in run.get_asset_materialization_events() if e.asset_key == FACTS_KEY
    }
    assert parsed == set(chosen)
    # Its partitions are new, but the backfill is still in progress: no rebuild yet.
    tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
    assert requested(tick) == set()

    instance.update_backfill(backfill.with_status(BulkActionStatus.COMPLETED_SUCCESS))
    tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
    assert requested(tick) == downstream_keys(defs)  # one request for the whole backfill
    carry_out(defs, instance, tick)
    tick = evaluate_automation_conditions(defs, instance, cursor=tick.cursor)
    assert requested(tick) == set()
