"""Measuring one child process of ``bench_scale.py``, and reading what its runs recorded.

:func:`run_child` runs a command in a fresh process (its own session, output to a log file),
bounded by a timeout, through the small launcher ``_scale_spawn.py``, which reaps it with
``os.wait4``: its peak RSS (``ru_maxrss``) and CPU time are its own (with its own reaped
children, e.g. a process pool), neither the maximum over every child of the benchmark nor
the benchmark's own RSS, which a child forked from the benchmark would carry.
:func:`new_runs` reads, from the Dagster instance a child used, each run it added: job,
status, duration, and the bytes of its event log (every event of the run serialized as the
storage serializes it).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULT_MARK = "BENCH-RESULT "


@dataclass
class Child:
    """A finished child process."""

    name: str
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    log: Path
    result: dict = field(default_factory=dict)  # the child's BENCH-RESULT line, if any

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.result.get("success", True)

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def run_child(
    name: str, command: list[str], env: dict[str, str], log: Path, timeout_s: float
) -> Child:
    """Run ``command`` (cwd: the repository) through ``_scale_spawn.py`` to its end, or kill
    its session at ``timeout_s``; its wall, CPU and peak RSS as the launcher measured them."""
    import subprocess

    log.parent.mkdir(parents=True, exist_ok=True)
    usage_file = log.with_suffix(".usage.json")
    usage_file.unlink(missing_ok=True)
    spawn = [sys.executable, str(Path(__file__).with_name("_scale_spawn.py")), str(usage_file)]
    # Write back what earlier children left dirty (a full run's Parquet and snapshots), so
    # its flushing is not charged to this child's fsyncs (SQLite's event log, the publish).
    os.sync()
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [*spawn, "--", *command],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            out.write(f"\nbench_scale: killed after the {timeout_s:g} s timeout\n")
        except BaseException:  # Ctrl-C or SIGTERM of the benchmark: take the child along
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    usage = {"wall_s": time.perf_counter() - started, "cpu_s": 0.0, "peak_rss_mb": 0.0}
    if usage_file.is_file():  # absent when the launcher itself was killed
        usage.update(json.loads(usage_file.read_text(encoding="utf-8")))
    result: dict = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
    return Child(
        name=name,
        returncode=proc.returncode,
        wall_s=usage["wall_s"],
        cpu_s=usage["cpu_s"],
        peak_rss_mb=usage["peak_rss_mb"],
        log=log,
        result=result,
    )


@dataclass(frozen=True)
class RunFacts:
    """One Dagster run, as its instance recorded it."""

    run_id: str
    job: str
    status: str
    seconds: float
    events: int
    event_bytes: int
    step_s: dict[str, float]


def run_ids(dagster_home: Path) -> set[str]:
    """The ids of every run in the instance at ``dagster_home`` (none if it does not exist)."""
    if not (dagster_home / "dagster.yaml").is_file():
        return set()
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        return {r.dagster_run.run_id for r in instance.get_run_records()}


def new_runs(dagster_home: Path, known: Iterable[str]) -> list[RunFacts]:
    """The runs of the instance at ``dagster_home`` that are not in ``known``, oldest first."""
    from dagster import DagsterInstance, serialize_value

    known = set(known)
    out = []
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        records = [r for r in instance.get_run_records() if r.dagster_run.run_id not in known]
        for record in sorted(records, key=lambda r: r.create_timestamp):
            run_id = record.dagster_run.run_id
            logs = instance.all_logs(run_id)
            steps = {
                s.step_key: (s.end_time or 0) - (s.start_time or 0)
                for s in instance.get_run_step_stats(run_id)
            }
            out.append(
                RunFacts(
                    run_id=run_id,
                    job=record.dagster_run.job_name,
                    status=record.dagster_run.status.value,
                    seconds=(record.end_time or 0) - (record.start_time or 0),
                    events=len(logs),
                    event_bytes=sum(len(serialize_value(entry)) for entry in logs),
                    step_s=steps,
                )
            )
    return out


def get_kind(url: str) -> str:
    """What an SEC URL is: the ticker map, a submissions index (or its paging file), a daily
    index (a quarter's listing or a day's master index), a filing's full submission
    ``<accession>.txt``, or another archive file."""
    if "/submissions/" in url:
        return "index"
    if "/daily-index/" in url:
        return "daily"
    if "company_tickers" in url:
        return "tickers"
    if "/Archives/" in url:
        return "filing" if url.endswith(".txt") else "document"
    return "other"


def parquet_written_since(data_dir: Path, since: float) -> list[Path]:
    """The Parquet files under ``data_dir`` modified at or after ``since`` (epoch seconds)."""
    out = []
    for folder, _, names in os.walk(data_dir):
        for name in names:
            path = Path(folder) / name
            if name.endswith(".parquet") and path.stat().st_mtime >= since:
                out.append(path)
    return out


@dataclass
class Measure:
    """One child process of the benchmark and what it did."""

    child: Child
    runs: list[RunFacts]  # the Dagster runs it added
    gets: int  # HTTP GETs the stand-in served while it ran
    parquet_written: int  # Parquet files under its data folder written while it ran
    gets_by_kind: dict[str, int] = field(default_factory=dict)  # see get_kind()
    load_before: float = 0.0  # the machine's 1-minute load average when it started

    @property
    def event_kb(self) -> float:
        return sum(r.event_bytes for r in self.runs) / 1024

    @property
    def runs_s(self) -> float:
        return sum(r.seconds for r in self.runs)


@dataclass
class SizeResult:
    """Everything measured at one universe size (lists: one entry per repeat)."""

    size: int
    companies: int
    build_s: float
    full: Measure
    prime: Measure
    sensor: list[Measure] = field(default_factory=list)
    cli_new: list[Measure] = field(default_factory=list)
    idle: list[Measure] = field(default_factory=list)
    floor: list[Measure] = field(default_factory=list)
    elapsed_s: float = 0.0  # measuring this size took, universe to last child

    def measures(self) -> list[Measure]:
        return [self.full, self.prime, *self.sensor, *self.cli_new, *self.idle, *self.floor]
