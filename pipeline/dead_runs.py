"""Runs whose process died: find them and fail them, so they never block a later run.

``edgar-pipeline run`` executes jobs in its own process (``execute_in_process``), where no
daemon watches the run. A run killed with ``kill -9`` (or by a full disk, or the OOM killer)
stays STARTED in Dagster's run storage forever: the run queue counts it as in progress
against its pools and ``max_concurrent_runs``, and the UI shows it running.

Every run the CLI starts therefore carries the host, pid and process start time of the
process executing it (:func:`owner_tags`). Before each new run, :func:`reap_dead_runs`
marks every such run whose process is gone as FAILED, naming the dead process, and frees
any concurrency slots it held. The start time guards against a recycled pid. Runs launched
by the daemon are watched by Dagster's own run monitoring (``dagster.yaml``).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

log = logging.getLogger(__name__)

HOST_TAG = "edgar/host"
PID_TAG = "edgar/pid"
PID_START_TAG = "edgar/pid_start"

_UNFINISHED = [
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # Field 22 (starttime); the command name (field 2) may hold spaces, so split after ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def owner_tags() -> dict[str, str]:
    """Tags naming this process as the one executing a run."""
    pid = os.getpid()
    return {
        HOST_TAG: socket.gethostname(),
        PID_TAG: str(pid),
        PID_START_TAG: process_start_time(pid) or "",
    }


@dataclass(frozen=True)
class DeadRun:
    """A run whose executing process is gone."""

    run_id: str
    job_name: str
    pid: str

    def describe(self) -> str:
        """One line for the CLI."""
        return f"run {self.run_id} ({self.job_name}): its process {self.pid} is gone"


def _is_dead(tags: dict[str, str], host: str) -> bool:
    if tags.get(HOST_TAG) != host or not tags.get(PID_TAG, "").isdigit():
        return False  # another machine's run (or not ours): its own monitor decides
    started = process_start_time(int(tags[PID_TAG]))
    return started is None or started != tags.get(PID_START_TAG)


def reap_dead_runs(instance: DagsterInstance) -> list[DeadRun]:
    """Fail every unfinished run of this host whose process died; free its pool slots."""
    host = socket.gethostname()
    reaped: list[DeadRun] = []
    records = instance.get_run_records(
        filters=RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: host})
    )
    for record in records:
        run = record.dagster_run
        if not _is_dead(dict(run.tags), host):
            continue
        dead = DeadRun(run.run_id, run.job_name, run.tags[PID_TAG])
        instance.report_run_failed(
            run,
            message=(
                f"process {dead.pid} on {host} executing this run is gone (killed or crashed); "
                "marked failed by edgar-pipeline so that later runs are not blocked"
            ),
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log.warning("%s: marked failed, its concurrency slots freed", dead.describe())
        reaped.append(dead)
    return reaped
