"""``python -m pipeline.deploy``: the production profile's commands.

``instance`` prepares the production instance under the data folder and prints its
``DAGSTER_HOME`` (for the webserver, daemon and code server); ``worker`` starts a Celery
worker that runs the pipeline's steps; ``run`` is a distributed ``edgar-pipeline run`` (sync,
parallel parse runs, one load). All need
``EDGAR_DAGSTER_PROFILE=production`` (PostgreSQL, ``DAGSTER_PG_*``) and ``EDGAR_CELERY_BROKER``;
a bad or missing setting is one line and exit code 2, before anything starts.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from pipeline.config import ConfigError, Settings

_WORKER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _prepare() -> Settings:
    """Settings checked, the production instance prepared (DAGSTER_HOME under the data folder)."""
    from pipeline.cli import prepare_dagster_home
    from pipeline.deploy.celery_config import celery_settings
    from pipeline.deploy.profile import PROFILE_VAR, instance_profile

    settings = Settings.from_env()
    if not instance_profile().production:
        raise ConfigError(
            f"{PROFILE_VAR} is not 'production': distributed steps share Dagster's storage, "
            f"so set {PROFILE_VAR}=production and DAGSTER_PG_* (see deploy/README.md)"
        )
    celery_settings()
    prepare_dagster_home(settings)
    return settings


def cmd_worker(args: argparse.Namespace) -> int:
    """Replace this process with a Celery worker on the pipeline's queue."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pipeline.deploy.celery_app",
        "worker",
        f"--hostname={args.name}@%h",
        f"--concurrency={args.concurrency}",
        "--prefetch-multiplier=1",
        "--queues=dagster",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    os.execv(sys.executable, command)
    return 0  # not reached


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the distributed build; exit 1 when any run failed."""
    from pipeline.deploy.distributed import run_distributed

    outcomes = run_distributed(settings, chunks=args.chunks)
    ok = all(outcome.success for outcome in outcomes)
    print("distributed run: " + ("succeeded" if ok else "FAILED (see above)"))
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m pipeline.deploy`` command line."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.deploy")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("instance", help="prepare the production instance; print its DAGSTER_HOME")
    worker = sub.add_parser("worker", help="start a Celery worker for the pipeline's steps")
    worker.add_argument("--name", default="edgar", help="worker name (letters, digits, _ and -)")
    worker.add_argument(
        "--concurrency", type=int, default=1, help="steps this worker runs at once (default 1)"
    )
    run = sub.add_parser("run", help="a distributed edgar-pipeline run")
    run.add_argument(
        "--chunks", type=int, default=2, help="parallel parse runs (default 2: one per worker)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit 2 on a bad setting or argument."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "worker" and not _WORKER_NAME.fullmatch(args.name):
            raise ConfigError(f"--name {args.name!r}: give 1-64 letters, digits, '_' or '-'")
        for option in ("concurrency", "chunks"):
            if not 1 <= getattr(args, option, 1) <= 64:
                raise ConfigError(f"--{option} {getattr(args, option)}: give 1 to 64")
        settings = _prepare()
    except ConfigError as exc:
        print(f"python -m pipeline.deploy: configuration error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"python -m pipeline.deploy: cannot prepare the data folder: {exc}", file=sys.stderr)
        return 2
    if args.command == "instance":
        print(settings.dagster_home)
        return 0
    if args.command == "worker":
        return cmd_worker(args)
    return cmd_run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
