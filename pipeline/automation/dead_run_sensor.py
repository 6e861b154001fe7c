"""Sensor: fail runs whose process died, from the daemon, every minute.

``edgar-pipeline run`` reaps dead runs before it starts (pipeline/dead_runs.py). A CLI run
killed while the daemon is the one launching the next runs would otherwise count as in
progress against the ``sec`` and ``duckdb`` pools until someone ran the CLI again: this
sensor does the same reaping in the daemon, so queued runs start.
"""

from __future__ import annotations

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from pipeline.dead_runs import reap_dead_runs

SENSOR_NAME = "dead_runs_sensor"


def build_dead_run_sensor():
    """The sensor; it requests no runs, it only fails dead ones."""

    @sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Marks failed every run started by edgar-pipeline on this host whose process is "
            "gone (killed, crashed), and frees its concurrency slots, so it blocks nothing."
        ),
    )
    def dead_runs_sensor(context: SensorEvaluationContext) -> SkipReason:
        reaped = reap_dead_runs(context.instance)
        for dead in reaped:
            context.log.warning(f"{dead.describe()}: marked failed")
        if not reaped:
            return SkipReason("no dead runs")
        return SkipReason(
            f"marked {len(reaped)} dead run(s) failed: " + "; ".join(dead.run_id for dead in reaped)
        )

    return dead_runs_sensor
