"""The Celery app a worker runs: ``celery -A pipeline.deploy.celery_app worker``.

dagster-celery's own worker app (``dagster_celery.app``) takes its settings from a YAML
file; this one builds them from the same environment as the executor
(:mod:`pipeline.deploy.celery_config`), so the two can never disagree. Each task runs one
Dagster step, loading the job from ``pipeline.deploy.definitions`` and writing its events to
the instance that ``DAGSTER_HOME`` points at (the production profile's PostgreSQL).
"""

from __future__ import annotations

from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipeline.deploy.celery_config import celery_settings

_settings = celery_settings()
app = make_app(
    {
        "broker": _settings.broker,
        "backend": _settings.broker,
        "include": [],
        "config_source": _settings.config_source(),
    }
)
execute_plan = create_task(app)
