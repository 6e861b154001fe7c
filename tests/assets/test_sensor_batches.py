"""The new-filings sensor reads a batch of companies per tick, round-robin (EDGAR_SENSOR_BATCH)."""

from __future__ import annotations

import json

import pytest

from pipeline.automation.sensors import SensorCursor, plan_batch
from tests.assets.test_sensor_isolation import (
    holding_back,
    index_reads,
    run_keys,
    seen,
    tick,
)
from tests.conftest import make_settings, rows_for, tickers_of


@pytest.fixture
def hold_back(corpus, corpus_rows, monkeypatch):
    with holding_back(corpus, corpus_rows, monkeypatch) as start:
        yield start


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


def test_a_new_filing_is_found_on_the_tick_that_reads_its_companys_batch(
    hold_back, corpus_rows, tmp_path
):
    world = hold_back("NFLX")
    tickers = tickers_of(rows_for(corpus_rows, ["AMZN", "WMT", "NFLX"]))
    assert len(tickers) == 3
    ciks = {t: rows_for(corpus_rows, [t])[0]["cik"] for t in tickers}
    order = [t for t in ("AMZN", "WMT", "NFLX")]
    settings = make_settings(tmp_path, companies=tuple(order), sensor_batch_size=2)
    new = world.held["NFLX"]

    def reads() -> list[int]:
        return [index_reads(world.server, ciks[t]) for t in order]

    first = tick(world, settings, None)
    assert (reads(), position(first)) == ([1, 1, 0], 2)
    assert "read 2 of 3 companies (AMZN, WMT)" in first.skip_reason.skip_message
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
