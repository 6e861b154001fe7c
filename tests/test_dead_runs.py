"""Dead runs: a run whose process is gone is failed and its slots freed; live ones are kept."""

from __future__ import annotations

import os
import subprocess
import sys

from dagster import (
    DagsterEvent,
    DagsterInstance,
    DagsterRunStatus,
    build_sensor_context,
    job,
    op,
)

from pipeline.automation.dead_run_sensor import build_dead_run_sensor
from pipeline.dead_runs import (
    HOST_TAG,
    PID_START_TAG,
    PID_TAG,
    owner_tags,
    process_start_time,
    reap_dead_runs,
)


@op
def noop() -> None:
    return None


@job
def tiny_job() -> None:
    noop()


def dead_pid() -> int:
    """The pid of a process that has exited (and been waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def started_run(instance: DagsterInstance, tags: dict[str, str]) -> str:
    """A run record left STARTED, as a killed process leaves it."""
    run = instance.create_run_for_job(tiny_job, tags=tags)
    instance.handle_run_event(
        run.run_id,
        DagsterEvent(event_type_value="PIPELINE_START", job_name=run.job_name, message="started"),
    )
    assert instance.get_run_by_id(run.run_id).status == DagsterRunStatus.STARTED
    return run.run_id


def test_process_start_time_tells_a_live_process_from_a_gone_one():
    assert process_start_time(os.getpid()) is not None
    assert process_start_time(dead_pid()) is None


def test_dead_run_is_failed_and_its_slots_freed_while_live_and_foreign_runs_are_kept():
    with DagsterInstance.ephemeral() as instance:
        mine = owner_tags()
        dead_tags = {**mine, PID_TAG: str(dead_pid())}
        recycled_tags = {**mine, PID_START_TAG: "1"}  # our pid, but another process's start
        foreign_tags = {**dead_tags, HOST_TAG: "another-host"}
        dead = started_run(instance, dead_tags)
        recycled = started_run(instance, recycled_tags)
        live = started_run(instance, mine)
        foreign = started_run(instance, foreign_tags)
        instance.event_log_storage.set_concurrency_slots("duckdb", 1)
        assert instance.event_log_storage.claim_concurrency_slot("duckdb", dead, "load").is_claimed

        reaped = reap_dead_runs(instance)

        assert {r.run_id for r in reaped} == {dead, recycled}
        status = {r: instance.get_run_by_id(r).status for r in (dead, recycled, live, foreign)}
        assert status == {
            dead: DagsterRunStatus.FAILURE,
            recycled: DagsterRunStatus.FAILURE,
            live: DagsterRunStatus.STARTED,
            foreign: DagsterRunStatus.STARTED,
        }
        assert instance.event_log_storage.get_concurrency_info("duckdb").active_slot_count == 0
        assert reap_dead_runs(instance) == []  # idempotent


def test_the_daemon_sensor_reaps_too():
    with DagsterInstance.ephemeral() as instance:
        dead = started_run(instance, {**owner_tags(), PID_TAG: str(dead_pid())})
        sensor = build_dead_run_sensor()
        result = sensor(build_sensor_context(instance=instance))
        assert dead in result.skip_message
        assert instance.get_run_by_id(dead).status == DagsterRunStatus.FAILURE
        again = sensor(build_sensor_context(instance=instance))
        assert again.skip_message == "no dead runs"
