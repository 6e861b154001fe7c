"""The production code location: the pipeline's Definitions, its steps run by Celery workers.

Everything (assets, checks, jobs, schedule, sensors, resources) is the one-machine code
location's (:func:`pipeline.definitions.build_definitions`); only the executor differs:
dagster-celery sends each step to the Redis broker and whichever worker is free runs it.
Two more jobs split the build so that parsing fans out: :data:`PARSE_JOB` (the per-filing
XBRL assets, run once per chunk of the partition range, the chunks in parallel) and
:data:`LOAD_JOB` (warehouse, marts, chart: one writer, after the parses).

Point the daemon, the webserver and the workers at it: ``-m pipeline.deploy.definitions``.
"""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job
from dagster_celery import celery_executor

from pipeline.definitions import build_definitions
from pipeline.deploy.celery_config import BROKER_VAR, celery_settings

PARSE_JOB = "parse_filings"
LOAD_JOB = "load_warehouse"


def distributed_executor():
    """dagster-celery's executor on the Redis broker named by ``EDGAR_CELERY_BROKER``.

    The URL is read from the environment by Dagster (``env:``), so it (and any password in
    it) never lands in a run's stored config; the rest is the workers' own settings.
    """
    settings = celery_settings()  # checked here: a bad broker URL fails loading, in one line
    return celery_executor.configured(
        {
            "broker": {"env": BROKER_VAR},
            "backend": {"env": BROKER_VAR},
            "config_source": settings.config_source(),
        },
        name="celery",
    )


def build_production_definitions() -> Definitions:
    """The one-machine Definitions with the Celery executor and the parse/load jobs."""
    base = build_definitions()
    parse_job = define_asset_job(
        PARSE_JOB,
        selection=AssetSelection.groups("xbrl"),
        description="Parse the filings of a partition range (one chunk of a distributed build).",
    )
    load_job = define_asset_job(
        LOAD_JOB,
        selection=AssetSelection.all() - AssetSelection.groups("edgar", "xbrl"),
        description="Load the warehouse from the Parquet lake and build the marts (one writer).",
    )
    # The same parts with another executor: Definitions.merge refuses two executors, and
    # build_definitions (shared with the one-machine location) sets one.
    return Definitions(
        assets=base.assets,
        asset_checks=base.asset_checks,
        jobs=[*(base.jobs or []), parse_job, load_job],
        schedules=base.schedules,
        sensors=base.sensors,
        resources=base.resources,
        loggers=base.loggers,
        metadata=base.metadata,
        executor=distributed_executor(),
    )


defs = build_production_definitions()


def production_job(name: str):
    """Job ``name`` of :data:`defs`: what a worker rebuilds a step's job from
    (``dagster.build_reconstructable_job`` points here)."""
    return defs.resolve_job_def(name)
