"""The quarterly schedule and the new-filings sensor, against the EDGAR stand-in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pyarrow.parquet as pq
from dagster import DagsterInstance, build_schedule_context, build_sensor_context

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import RANGE_END_TAG, RANGE_START_TAG
from pipeline.automation.schedules import SCHEDULE_NAME
from pipeline.automation.sensors import SENSOR_NAME, new_filings, run_request_for
from pipeline.definitions import MAIN_JOB, SYNC_JOB, build_definitions
from pipeline.edgar.daily_index import FINAL_AFTER_DAYS, utc_today
from pipeline.edgar.standin import EdgarStandIn
from pipeline.edgar.submissions import FilingRef
from pipeline.resources import PipelineSettings
from pipeline.xbrl.datasets import filing_file
from tests.conftest import (
    execute_job,
    make_settings,
    newest,
    oldest,
    rows_for,
    step_failures,
    tickers_of,
)


def cursor_of(row: dict[str, str]) -> str:
    """The sensor's cursor value for a company whose newest filing is ``row``."""
    return f"{row['filing_date']}|{row['accession_number']}"


def tick(defs, instance, settings, cursor):
    """Evaluate the new-filings sensor of ``defs`` once, as the daemon would."""
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"settings": PipelineSettings.from_settings(settings)},
    )
    return sensor(context)


def test_sensor_requests_exactly_the_new_filing_then_nothing(
    corpus, tracked_rows, tmp_path, monkeypatch
):
    # AMZN's newest filing is held back, then published as if just filed.
    amzn = rows_for(tracked_rows, ["AMZN"])
    new = newest(amzn)
    new_key = new["accession_number"]
    earlier = [r for r in tracked_rows if r is not new]
    with EdgarStandIn(corpus, exclude_accessions={new_key}) as server:
        for key, value in server.client_env().items():
            monkeypatch.setenv(key, value)
        settings = make_settings(tmp_path)
        defs = build_definitions(settings)
        instance = DagsterInstance.ephemeral()
        assert execute_job(defs, SYNC_JOB, instance).success
        known = instance.get_dynamic_partitions(FILINGS.name)
        assert sorted(known) == sorted(r["accession_number"] for r in earlier)

        first = tick(defs, instance, settings, None)
        assert not first.run_requests
        cursor = json.loads(first.cursor)
        seen = {
            rows_for(earlier, [ticker])[0]["cik"]: cursor_of(newest(rows_for(earlier, [ticker])))
            for ticker in tickers_of(tracked_rows)
        }
        assert cursor == {
            "version": 2,
            "seen": seen,
            "position": 0,
            "retry": [],
            "daily_from": (utc_today() - timedelta(days=FINAL_AFTER_DAYS - 1)).isoformat(),
        }

        server.publish(new_key)
        second = tick(defs, instance, settings, first.cursor)
        assert [r.partition_key for r in second.run_requests] == [new_key]
        assert second.run_requests[0].run_key == new_key
        assert [r.partition_keys for r in second.dynamic_partitions_requests] == [[new_key]]
        assert json.loads(second.cursor)["seen"] == {**seen, new["cik"]: cursor_of(new)}

        # Carry the request out as the daemon would: register the partition, run the job.
        instance.add_dynamic_partitions(FILINGS.name, [new_key])
        tags = {"dagster/partition": new_key}
        request = second.run_requests[0]
        result = defs.resolve_job_def(MAIN_JOB).execute_in_process(
            instance=instance,
            tags=tags,
            asset_selection=request.asset_selection,
            raise_on_error=False,
        )
        assert result.success, step_failures(result)
        ran = {e.step_key for e in result.all_events if e.is_step_success}
        downloads = {step for step in ran if step.startswith("edgar__filings_")}
        assert downloads == {"edgar__filings_amzn", "edgar__filings_catalog"}  # not WMT's
        assert filing_file(settings.facts_dir, "AMZN", new_key).exists()
        parsed = list(settings.facts_dir.rglob("*.parquet"))
        assert [p.name for p in parsed] == [f"{new_key}.parquet"]
        catalog = pq.read_table(settings.catalog_path).column("accession_number").to_pylist()
        assert new_key in catalog

        third = tick(defs, instance, settings, second.cursor)
        assert not third.run_requests


def test_schedule_tick_requests_the_main_job_over_every_filing(standin, tracked_rows, tmp_path):
    settings = make_settings(tmp_path)
    defs = build_definitions(settings)
    (tmp_path / "dagster").mkdir()
    instance = DagsterInstance.local_temp(str(tmp_path / "dagster"))
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    when = datetime(2026, 11, 20, 6, tzinfo=UTC)

    empty = schedule.evaluate_tick(
        build_schedule_context(instance=instance, scheduled_execution_time=when)
    )
    assert [r.job_name for r in empty.run_requests] == [SYNC_JOB]

    assert execute_job(defs, SYNC_JOB, instance).success
    keys = instance.get_dynamic_partitions(FILINGS.name)
    data = schedule.evaluate_tick(
        build_schedule_context(instance=instance, scheduled_execution_time=when)
    )
    (request,) = data.run_requests
    assert request.job_name in (None, MAIN_JOB)
    assert request.run_key == "2026-11-20"
    assert request.tags[RANGE_START_TAG] == keys[0] == oldest(tracked_rows)["accession_number"]
    assert request.tags[RANGE_END_TAG] == keys[-1] == newest(tracked_rows)["accession_number"]
    assert schedule.job_name == MAIN_JOB
    assert schedule.cron_schedule == "0 6 20 2,5,8,11 *"


def test_a_batch_of_new_filings_is_one_run_over_their_range():
    amzn_10q = "0001018724-26-000026"
    refs = {
        "AMZN": [
            FilingRef(date(2026, 7, 31), amzn_10q, "10-Q", date(2026, 6, 30), "a.htm", "1"),
            FilingRef(date(2025, 2, 7), "0001018724-25-000004", "10-K", None, "b.htm", "1"),
        ],
        "WMT": [FilingRef(date(2025, 3, 14), "0000104169-25-000021", "10-K", None, "c", "2")],
    }
    found, cursor = new_filings(refs, {}, known=["0001018724-25-000004"])
    assert [r.accession_number for _, r in found] == ["0000104169-25-000021", amzn_10q]
    assert cursor == {
        "AMZN": f"2026-07-31|{amzn_10q}",
        "WMT": "2025-03-14|0000104169-25-000021",
    }
    request = run_request_for(found)
    assert request.partition_key is None
    assert request.tags[RANGE_START_TAG] == "0000104169-25-000021"
    assert request.tags[RANGE_END_TAG] == amzn_10q
    assert request.tags["edgar/company"] == "AMZN,WMT"

    single = run_request_for(found[:1])
    assert single.partition_key == single.run_key == "0000104169-25-000021"
    # only the new filing's company is downloaded again; the rest of the graph is selected
    keys = {key.to_user_string() for key in single.asset_selection}
    assert "edgar/filings_wmt" in keys and "edgar/filings_amzn" not in keys
    assert {"edgar/filings_catalog", "xbrl/facts", "warehouse/financials"} <= keys
    both = {key.to_user_string() for key in request.asset_selection}
    assert {"edgar/filings_wmt", "edgar/filings_amzn"} <= both
