"""The child processes of ``bench_scale.py``: each prints one JSON line of its timings.

Run by the benchmark with the environment of an ``edgar-pipeline`` run (``EDGAR_DATA_DIR``,
``EDGAR_COMPANIES``, the stand-in's proxy and CA bundle); the Dagster instance is prepared
the way the CLI prepares it (``<data>/dagster``, the repository's ``dagster.yaml``):

- ``sensor-prime STATE``: tick the new-filings sensor through one full pass over the
  companies (``ceil(companies / EDGAR_SENSOR_BATCH)`` ticks), so its cursor has seen every
  served filing; the cursor is saved in STATE.
- ``sensor-take STATE``: tick (from STATE's cursor) until the sensor requests a run, then
  carry it out as the daemon would: register the partitions it asks for and execute the job
  it targets for the partition (or range) it names, on the same instance.
- ``floor-prep KEYS``: register the partition keys listed in the file KEYS (one a line).
- ``floor``: ``edgar-pipeline run``'s two jobs as it runs them with nothing new
  (``sync_filings`` of the catalog alone, ``parse_and_load`` over the newest partition) on
  the same asset graph with no-op bodies (``_scale_floor``).
- ``parse DATA SCRATCH WORKERS COUNT ROUNDS``: parse COUNT landed filings of DATA's catalog
  (the pipeline's ``parse_filing``: verify, parse, write both Parquet files) into SCRATCH,
  ROUNDS times in one process and in a pool of WORKERS processes, alternating.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _instance_and_settings():
    from dagster import DagsterInstance

    from pipeline.cli import prepare_dagster_home
    from pipeline.config import Settings

    settings = Settings.from_env()
    prepare_dagster_home(settings)
    return DagsterInstance.get(), settings


def _tick(defs, instance, settings, cursor: str | None):
    """One evaluation of the new-filings sensor, as the daemon makes it (from an instance
    ref; run requests resolved against the definitions and the partitions requested)."""
    from dagster import build_sensor_context

    from pipeline.automation.sensors import SENSOR_NAME
    from pipeline.resources import PipelineSettings

    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    context = build_sensor_context(
        instance_ref=instance.get_ref(),
        cursor=cursor,
        resources={"settings": PipelineSettings.from_settings(settings)},
        definitions=defs,
    )
    return sensor, sensor.evaluate_tick(context)


def _pass_length(settings) -> int:
    return math.ceil(len(settings.companies) / settings.sensor_batch_size)


def sensor_prime(state: Path) -> dict:
    """Tick one full pass; save the cursor."""
    from pipeline.definitions import build_definitions

    instance, settings = _instance_and_settings()
    defs = build_definitions(settings)
    cursor, ticks, started = None, [], time.perf_counter()
    with instance:
        for _ in range(_pass_length(settings)):
            t0 = time.perf_counter()
            _, data = _tick(defs, instance, settings, cursor)
            ticks.append(time.perf_counter() - t0)
            if data.run_requests:
                raise SystemExit(f"sensor-prime: a tick requested runs before any publish: {data}")
            cursor = data.cursor
    state.write_text(json.dumps({"cursor": cursor}), encoding="utf-8")
    return {"ticks": len(ticks), "tick_s": ticks, "seconds": time.perf_counter() - started}


def sensor_take(state: Path) -> dict:
    """Tick until a run is requested; carry the run out; save the cursor."""
    from pipeline.definitions import build_definitions

    instance, settings = _instance_and_settings()
    defs = build_definitions(settings)
    cursor = json.loads(state.read_text(encoding="utf-8"))["cursor"]
    ticks: list[float] = []
    with instance:
        for _ in range(_pass_length(settings) + 1):
            t0 = time.perf_counter()
            sensor, data = _tick(defs, instance, settings, cursor)
            ticks.append(time.perf_counter() - t0)
            cursor = data.cursor
            if data.run_requests:
                break
        else:
            raise SystemExit(f"sensor-take: no run requested within {len(ticks)} ticks")
        for request in data.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        runs = []
        t0 = time.perf_counter()
        for request in data.run_requests:
            tags = dict(request.tags)
            if request.partition_key:
                tags["dagster/partition"] = request.partition_key
            job = defs.resolve_job_def(request.job_name or sensor.job_name)
            result = job.execute_in_process(
                instance=instance,
                tags=tags,
                run_config=request.run_config or None,
                asset_selection=request.asset_selection,  # as the daemon launches it
                raise_on_error=False,
            )
            runs.append({"run_id": result.run_id, "success": result.success})
        run_s = time.perf_counter() - t0
    state.write_text(json.dumps({"cursor": cursor}), encoding="utf-8")
    return {
        "ticks": len(ticks),
        "tick_s": ticks[-1],
        "all_ticks_s": sum(ticks),
        "run_s": run_s,
        "runs": runs,
        "partitions": [k for r in data.run_requests for k in [r.partition_key] if k],
    }


def floor_prep(keys_file: Path) -> dict:
    """Register the partitions of the measured instance on the floor's own instance."""
    from assets.partitions import FILINGS

    instance, _ = _instance_and_settings()
    keys = [k for k in keys_file.read_text(encoding="utf-8").splitlines() if k]
    with instance:
        missing = [k for k in keys if k not in set(instance.get_dynamic_partitions(FILINGS.name))]
        instance.add_dynamic_partitions(FILINGS.name, missing)
    return {"registered": len(missing)}


def floor() -> dict:
    """What ``edgar-pipeline run`` runs when nothing is new, on the no-op graph: the sync job
    with no company asked (the catalog alone), then the build job over the newest partition
    (the range ``run`` covers when nothing is pending); the jobs' own seconds."""
    from _scale_floor import noop_definitions

    from assets.edgar import CATALOG_KEY
    from assets.partitions import FILINGS
    from pipeline.automation.partition_ranges import partition_range_tags
    from pipeline.definitions import BUILD_JOB, SYNC_JOB, build_definitions

    instance, settings = _instance_and_settings()
    defs = noop_definitions(build_definitions(settings))
    out = {}
    with instance:
        t0 = time.perf_counter()
        sync = defs.resolve_job_def(SYNC_JOB).execute_in_process(
            instance=instance, asset_selection=[CATALOG_KEY]
        )
        out["sync_s"] = time.perf_counter() - t0
        keys = instance.get_dynamic_partitions(FILINGS.name)
        t0 = time.perf_counter()
        build = defs.resolve_job_def(BUILD_JOB).execute_in_process(
            instance=instance, tags=partition_range_tags(keys[-1], keys[-1])
        )
        out["build_s"] = time.perf_counter() - t0
    out.update(success=sync.success and build.success, partitions=len(keys))
    return out


def _parse_one(args: tuple) -> float:
    from pipeline.xbrl.datasets import parse_filing

    settings, filing = args
    t0 = time.perf_counter()
    parse_filing(settings, filing)
    return time.perf_counter() - t0


def parse(data_dir: Path, scratch: Path, workers: int, count: int, rounds: int) -> dict:
    """Parse ``count`` catalog rows of ``data_dir`` (all real documents, evenly) into
    ``scratch``, in ``rounds`` rounds of one process then a pool of ``workers`` (alternating,
    so load from elsewhere hits both alike); the wall seconds of each."""
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.config import Settings
    from pipeline.xbrl.datasets import read_catalog

    catalog = read_catalog(Settings(data_dir=data_dir)).values()
    rows = [r for r in catalog if r.get("status") == "landed" and r.get("path")]
    by_source: dict[tuple, list[dict]] = {}  # the real document a synthetic filing copies
    for row in sorted(rows, key=lambda r: r["accession_number"]):
        real = (row["form"], row["filing_date"], row["period_of_report"])
        by_source.setdefault(real, []).append(row)
    sample: list[dict] = []
    while len(sample) < count and any(by_source.values()):
        for group in by_source.values():
            if group and len(sample) < count:
                sample.append(group.pop(0))
    _parse_one((Settings(data_dir=scratch / "warm-up"), sample[0]))  # imports, caches
    walls: dict[int, list[float]] = {1: [], workers: []}
    for number in range(rounds):
        for pool_size in walls:
            settings = Settings(data_dir=scratch / f"round-{number}-workers-{pool_size}")
            jobs = [(settings, row) for row in sample]
            t0 = time.perf_counter()
            if pool_size == 1:
                for job in jobs:
                    _parse_one(job)
            else:
                with ProcessPoolExecutor(pool_size) as pool:
                    list(pool.map(_parse_one, jobs))
            walls[pool_size].append(time.perf_counter() - t0)
    return {
        "filings": len(sample),
        "sources": len(by_source),
        "workers": workers,
        "serial_s": walls[1],
        "pool_s": walls[workers],
    }


def main(argv: list[str]) -> None:
    mode, args = argv[0], argv[1:]
    if mode == "sensor-prime":
        out = sensor_prime(Path(args[0]))
    elif mode == "sensor-take":
        out = sensor_take(Path(args[0]))
    elif mode == "floor-prep":
        out = floor_prep(Path(args[0]))
    elif mode == "floor":
        out = floor()
    elif mode == "parse":
        out = parse(Path(args[0]), Path(args[1]), int(args[2]), int(args[3]), int(args[4]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print("BENCH-RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
