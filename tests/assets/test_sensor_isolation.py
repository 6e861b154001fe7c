"""The new-filings sensor fails small (one company's failure never hides another's filings)
and reads a batch of companies per tick, round-robin (EDGAR_SENSOR_BATCH).

Each test drives the sensor through the EDGAR stand-in with a company's newest filing held
back, then published as if just filed. Earlier filings are registered as known partitions,
as a sync run would have done.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date

import pytest
from dagster import DagsterInstance, build_sensor_context

from assets.partitions import FILINGS
from pipeline.automation.sensors import (
    TICK_BUDGET_S,
    SensorCursor,
    build_new_filings_sensor,
    new_filings,
    plan_batch,
    read_batch,
)
from pipeline.definitions import MAIN_JOB
from pipeline.edgar.connection import edgar_connection
from pipeline.edgar.standin import EdgarStandIn
from pipeline.edgar.submissions import FilingRef
from pipeline.resources import PipelineSettings
from tests.conftest import make_settings, newest, rows_for

SENSOR = build_new_filings_sensor(MAIN_JOB)


@dataclass
class World:
    """A stand-in with filings held back, and an instance knowing every other filing."""

    server: EdgarStandIn
    instance: DagsterInstance
    held: dict[str, dict[str, str]]  # ticker -> its held-back newest filing


@pytest.fixture
def hold_back(corpus, corpus_rows, monkeypatch) -> Iterator[Callable[..., World]]:
    """``hold_back(*tickers)``: a stand-in without each ticker's newest filing, and an
    instance knowing every other filing."""
    with ExitStack() as stack:

        def start(*tickers: str) -> World:
            held = {t: newest(rows_for(corpus_rows, [t])) for t in tickers}
            keys = {r["accession_number"] for r in held.values()}
            server = stack.enter_context(EdgarStandIn(corpus, exclude_accessions=keys))
            for key, value in server.client_env().items():
                monkeypatch.setenv(key, value)
            instance = DagsterInstance.ephemeral()
            others = [
                r["accession_number"] for r in corpus_rows if r["accession_number"] not in keys
            ]
            instance.add_dynamic_partitions(FILINGS.name, others)
            return World(server, instance, held)

        yield start


def tick(world: World, settings, cursor: str | None):
    """Evaluate the sensor once, and register the partitions it adds, as the daemon does."""
    context = build_sensor_context(
        instance=world.instance,
        cursor=cursor,
        resources={"settings": PipelineSettings.from_settings(settings)},
    )
    result = SENSOR(context)
    for request in result.dynamic_partitions_requests or []:
        world.instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    return result


def requested(result) -> list[str]:
    """The accessions a tick asks to add as partitions (each request's keys, in order)."""
    return [key for r in result.dynamic_partitions_requests for key in r.partition_keys]


def run_keys(result) -> list[str]:
    return [r.run_key for r in result.run_requests]


def seen(result) -> dict[str, str]:
    return json.loads(result.cursor)["seen"]


def warnings(capfd) -> list[str]:
    """The WARNING lines the tick logged (Dagster's sensor log writes to stderr)."""
    return [line for line in capfd.readouterr().err.splitlines() if " - WARNING - " in line]


def index_reads(server: EdgarStandIn, cik: str) -> int:
    return server.requests.count(f"/submissions/CIK{cik}.json")


def test_an_unknown_ticker_is_named_and_the_others_filings_still_come_in(
    hold_back, tmp_path, capfd
):
    world = hold_back("AMZN")
    new = world.held["AMZN"]
    settings = make_settings(tmp_path, companies=("AMZN", "ZZZZQ", "WMT"))

    first = tick(world, settings, None)
    assert not first.run_requests
    assert "ZZZZQ" in first.skip_reason.skip_message
    assert "not in SEC's ticker map" in first.skip_reason.skip_message

    world.server.publish(new["accession_number"])
    capfd.readouterr()
    second = tick(world, settings, first.cursor)
    assert run_keys(second) == [new["accession_number"]]
    assert requested(second) == [new["accession_number"]]
    assert second.run_requests[0].tags["edgar/company"] == "AMZN"
    warned = warnings(capfd)
    assert any("ZZZZQ" in m and "EDGAR_COMPANIES" in m for m in warned), warned


def test_an_index_failing_forever_keeps_its_cursor_and_is_retried_next_tick(
    hold_back, tmp_path, capfd
):
    world = hold_back("AMZN", "WMT")
    amzn, wmt = world.held["AMZN"], world.held["WMT"]
    settings = make_settings(tmp_path)
    world.server.faults.add("/daily-index/", 403, times=None)  # only the companies' indexes
    first = tick(world, settings, None)
    assert not first.run_requests
    before = seen(first)

    fault = world.server.faults.add(f"CIK{wmt['cik']}.json", 503, times=None)
    world.server.publish(amzn["accession_number"])
    world.server.publish(wmt["accession_number"])
    capfd.readouterr()
    second = tick(world, settings, first.cursor)
    warned = warnings(capfd)
    assert run_keys(second) == [amzn["accession_number"]]
    assert requested(second) == [amzn["accession_number"]]
    assert seen(second)[wmt["cik"]] == before[wmt["cik"]]
    assert json.loads(second.cursor)["retry"] == [wmt["cik"]]
    assert any("WMT" in m and "503" in m and "next tick" in m for m in warned), warned
    assert fault.fired > 1  # the transport retried before the sensor gave up on WMT

    world.server.faults.remove(fault)
    third = tick(world, settings, second.cursor)
    assert run_keys(third) == [wmt["accession_number"]]
    assert seen(third)[wmt["cik"]] == f"{wmt['filing_date']}|{wmt['accession_number']}"
    assert json.loads(third.cursor)["retry"] == []


def test_a_cik_alias_is_one_company_and_each_new_accession_is_requested_once(
    hold_back, corpus_rows, tmp_path
):
    world = hold_back("AMZN")
    new = world.held["AMZN"]
    cik = new["cik"]
    settings = make_settings(tmp_path, companies=("AMZN", cik.lstrip("0"), "WMT"))
    first = tick(world, settings, None)
    assert not first.run_requests
    assert set(seen(first)) == {cik, rows_for(corpus_rows, ["WMT"])[0]["cik"]}
    assert index_reads(world.server, cik) == 1

    world.server.publish(new["accession_number"])
    second = tick(world, settings, first.cursor)
    assert run_keys(second) == [new["accession_number"]]
    assert requested(second) == [new["accession_number"]]
    assert index_reads(world.server, cik) == 1  # found in the daily index: the batch waits
    third = tick(world, settings, second.cursor)
    assert not third.run_requests
    assert index_reads(world.server, cik) == 2  # one read per tick for the alias and ticker


def test_a_first_tick_with_an_alias_requests_every_filing_once(hold_back, corpus_rows, tmp_path):
    world = hold_back()
    for key in world.instance.get_dynamic_partitions(FILINGS.name):
        world.instance.delete_dynamic_partition(FILINGS.name, key)
    amzn = rows_for(corpus_rows, ["AMZN"])
    settings = make_settings(tmp_path, companies=(amzn[0]["cik"].lstrip("0"), "AMZN"))
    first = tick(world, settings, None)
    keys = requested(first)
    assert sorted(keys) == sorted(r["accession_number"] for r in amzn)
    assert len(keys) == len(set(keys))
    assert len(first.run_requests) == 1


def test_an_old_ticker_keyed_cursor_is_migrated_to_ciks(hold_back, corpus_rows, tmp_path):
    world = hold_back("AMZN")
    new = world.held["AMZN"]
    settings = make_settings(tmp_path)
    old = {
        ticker: f"{row['filing_date']}|{row['accession_number']}"
        for ticker in ("AMZN", "WMT")
        for row in [newest([r for r in rows_for(corpus_rows, [ticker]) if r is not new])]
    }
    first = tick(world, settings, json.dumps(old))
    assert not first.run_requests
    ciks = {t: rows_for(corpus_rows, [t])[0]["cik"] for t in old}
    assert seen(first) == {ciks[t]: value for t, value in old.items()}

    world.server.publish(new["accession_number"])
    second = tick(world, settings, json.dumps(old))  # still the old form: migrated again
    assert run_keys(second) == [new["accession_number"]]


def test_no_read_starts_once_the_tick_budget_is_spent(hold_back, corpus_rows, tmp_path):
    world = hold_back()
    settings = make_settings(tmp_path)
    ciks = [rows_for(corpus_rows, [t])[0]["cik"] for t in ("AMZN", "WMT")]
    with edgar_connection(settings) as conn:
        late = read_batch(ciks, conn, settings, budget_s=0)
        on_time = read_batch(ciks, conn, settings, budget_s=TICK_BUDGET_S)
    assert late.deferred == ciks and not late.refs and not late.failed
    assert list(on_time.refs) == ciks and not on_time.deferred
    assert [index_reads(world.server, c) for c in ciks] == [1, 1]


def test_an_accession_listed_under_two_companies_is_found_once():
    ref = FilingRef(date(2025, 2, 7), "0001018724-25-000004", "10-K", None, "a.htm", "1018724")
    found, cursor = new_filings({"AMZN": [ref], "0001018724": [ref]}, {}, known=[])
    assert found == [("AMZN", ref)]
    assert cursor == dict.fromkeys(["AMZN", "0001018724"], f"2025-02-07|{ref.accession_number}")


def test_a_later_filing_of_the_same_day_is_found_whatever_its_accession():
    seen = FilingRef(date(2025, 2, 7), "0001018724-25-000004", "10-K", None, "a.htm", "1018724")
    # filed the same day through a filer agent whose accession prefix sorts first
    later = FilingRef(date(2025, 2, 7), "0000950170-25-000001", "10-K/A", None, "", "1018724")
    cursor = {"AMZN": f"2025-02-07|{seen.accession_number}"}
    found, _ = new_filings({"AMZN": [seen, later]}, cursor, known=[seen.accession_number])
    assert found == [("AMZN", later)]
    older = FilingRef(date(2025, 2, 6), "0001018724-25-000003", "10-Q", None, "", "1018724")
    assert new_filings({"AMZN": [older]}, cursor, known=[])[0] == []


def position(result) -> int:
    return json.loads(result.cursor)["position"]


def test_consecutive_batches_cover_every_company_once_per_pass():
    ciks = [f"{n:010d}" for n in range(1, 8)]
    cursor, passes = SensorCursor(), []
    for _ in range(2):
        covered, positions = [], []
        for _ in range(3):  # ceil(7 / 3) ticks per pass
            batch, cursor.position = plan_batch(ciks, cursor, 3)
            covered += batch
            positions.append(cursor.position)
        passes.append(covered)
        assert positions == [3, 6, 0]
    assert passes == [ciks, ciks]
    assert plan_batch(ciks[:3], SensorCursor(position=2), 3) == (ciks[:3], 0)


def test_without_the_daily_index_a_new_filing_is_found_by_its_companys_batch(
    hold_back, corpus_rows, tmp_path, capfd
):
    world = hold_back("NFLX")
    order = ("AMZN", "WMT", "NFLX")  # more companies than the batch of 2
    ciks = {t: rows_for(corpus_rows, [t])[0]["cik"] for t in order}
    settings = make_settings(tmp_path, companies=order, sensor_batch_size=2)
    new = world.held["NFLX"]
    world.server.faults.add("/daily-index/", 403, times=None)  # SEC's daily index is down

    def reads() -> list[int]:
        return [index_reads(world.server, ciks[t]) for t in order]

    first = tick(world, settings, None)
    assert (reads(), position(first)) == ([1, 1, 0], 2)
    assert "read 2 of 3 companies (AMZN, WMT)" in first.skip_reason.skip_message
    assert "EDGAR's daily index" in first.skip_reason.skip_message
    assert "HTTP 403" in first.skip_reason.skip_message
    second = tick(world, settings, first.cursor)
    assert (reads(), position(second)) == ([1, 1, 1], 0)  # one pass: each company once
    assert set(seen(second)) == set(ciks.values())

    world.server.publish(new["accession_number"])
    third = tick(world, settings, second.cursor)  # AMZN and WMT: not NFLX's batch
    assert not third.run_requests
    assert (reads(), position(third)) == ([2, 2, 1], 2)
    fourth = tick(world, settings, third.cursor)
    assert run_keys(fourth) == [new["accession_number"]]
    assert (reads(), position(fourth)) == ([2, 2, 2], 0)


def test_the_daily_index_finds_a_new_filing_outside_the_batch_on_the_next_tick(
    hold_back, corpus_rows, tmp_path
):
    world = hold_back("NFLX")
    order = ("AMZN", "WMT", "NFLX")
    ciks = {t: rows_for(corpus_rows, [t])[0]["cik"] for t in order}
    settings = make_settings(tmp_path, companies=order, sensor_batch_size=2)
    new = world.held["NFLX"]
    second = tick(world, settings, tick(world, settings, None).cursor)  # one pass: all read
    assert position(second) == 0 and set(seen(second)) == set(ciks.values())

    world.server.publish(new["accession_number"])
    before = [index_reads(world.server, ciks[t]) for t in order]
    third = tick(world, settings, second.cursor)  # its batch would be AMZN and WMT
    assert run_keys(third) == [new["accession_number"]]
    assert requested(third) == [new["accession_number"]]
    after = [index_reads(world.server, ciks[t]) for t in order]
    assert [a - b for a, b in zip(after, before, strict=True)] == [0, 0, 0]  # the batch waits
    assert position(third) == position(second)
    assert seen(third)[ciks["NFLX"]] == f"{new['filing_date']}|{new['accession_number']}"
    fourth = tick(world, settings, third.cursor)  # the batch now: nothing new, nothing twice
    assert not fourth.run_requests
    final = [index_reads(world.server, ciks[t]) for t in order]
    assert [a - b for a, b in zip(final, after, strict=True)] == [1, 1, 0]


def test_a_company_that_failed_is_read_first_on_the_next_tick(hold_back, corpus_rows, tmp_path):
    world = hold_back("WMT")
    wmt = world.held["WMT"]
    order = ("AMZN", "WMT", "NFLX")
    ciks = {t: rows_for(corpus_rows, [t])[0]["cik"] for t in order}
    settings = make_settings(tmp_path, companies=order, sensor_batch_size=2)
    world.server.publish(wmt["accession_number"])
    fault = world.server.faults.add(f"CIK{ciks['WMT']}.json", 503, times=None)

    first = tick(world, settings, None)
    assert not first.run_requests
    assert "WMT (CIK" in first.skip_reason.skip_message
    assert json.loads(first.cursor)["retry"] == [ciks["WMT"]]
    assert ciks["WMT"] not in seen(first)

    world.server.faults.remove(fault)
    reads = {t: index_reads(world.server, ciks[t]) for t in order}
    second = tick(world, settings, first.cursor)  # WMT (retry) and NFLX (the next batch)
    assert run_keys(second) == [wmt["accession_number"]]
    assert {t: index_reads(world.server, ciks[t]) - reads[t] for t in order} == {
        "AMZN": 0,
        "WMT": 1,
        "NFLX": 1,
    }
    assert json.loads(second.cursor)["retry"] == []
    assert position(second) == 0
