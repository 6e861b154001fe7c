"""``edgar-pipeline``: run the pipeline, open the UI, inspect and query the warehouse.

Every command prepares the Dagster instance under the data folder first: it copies the
repository's ``dagster.yaml`` to ``<data>/dagster/`` and sets ``DAGSTER_HOME`` there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from pipeline.config import REPO_ROOT, ConfigError, Settings


def prepare_dagster_home(settings: Settings) -> str:
    """Point DAGSTER_HOME at ``<data>/dagster`` holding a copy of the repo's dagster.yaml."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return str(home)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Materialize the main job in this process, recorded in the instance (visible in the UI)."""
    from dagster import DagsterInstance

    from pipeline.definitions import MAIN_JOB, build_definitions

    defs = build_definitions(settings)
    job = defs.resolve_job_def(MAIN_JOB)
    mode = f"offline mirror {settings.edgar_mirror}" if settings.edgar_mirror else "live SEC EDGAR"
    print(f"Running {MAIN_JOB} for {', '.join(settings.companies)} against {mode}")
    print(f"Data folder: {settings.data_dir}")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failed = [e for e in result.all_events if e.is_step_failure]
    for event in failed:
        print(f"FAILED {event.step_key}: {event.step_failure_data.error.message.strip()}")
    print(f"Run {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    return 0 if result.success else 1


def cmd_dev(settings: Settings, args: argparse.Namespace) -> int:
    """Start ``dagster dev`` (the UI) on the pipeline's definitions."""
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-m",
        "pipeline.definitions",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    return subprocess.call(command, cwd=REPO_ROOT)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="edgar-pipeline",
        description="SEC EDGAR filings -> XBRL facts -> DuckDB comparison marts (Dagster).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the main job end to end").set_defaults(func=cmd_run)
    dev = sub.add_parser("dev", help="open the Dagster UI (dagster dev)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(func=cmd_dev)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``edgar-pipeline``."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    prepare_dagster_home(settings)
    return args.func(settings, args)


if __name__ == "__main__":
    sys.exit(main())
