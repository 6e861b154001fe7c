"""Dagster resources: the pipeline's settings, as configuration visible in the UI."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource

from pipeline.config import Settings, default_parse_workers, parse_setting


class PipelineSettings(ConfigurableResource):
    """What to track and where data lives; defaults come from the environment (README)."""

    data_dir: str
    lake: str | None = None  # EDGAR_LAKE: a local path or an object store URI (no secrets)
    companies: list[str]
    forms: list[str]
    earliest_filing_date: str
    contact_company: str = ""
    contact_email: str = ""
    edgar_mirror: str | None = None
    request_timeout_s: float = 30.0
    request_deadline_s: float = 300.0
    max_retries: int = 5
    requests_per_second: int = 10
    sensor_batch_size: int = 10
    parse_workers: int = default_parse_workers()  # EDGAR_PARSE_WORKERS
    compare: list[str] | None = None  # EDGAR_COMPARE; None: every tracked company

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineSettings:
        """Build the resource from resolved :class:`Settings` (every field, as plain values)."""
        values = {}
        for f in fields(Settings):
            value = getattr(settings, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Path):
                value = str(value)
            values[f.name] = value
        return cls(**values)

    def settings(self) -> Settings:
        """The resolved :class:`Settings`, through the same checks as the environment's.

        A bad value (edited in the launchpad, say) raises :class:`pipeline.config.ConfigError`.
        """
        values = {f.name: getattr(self, f.name) for f in fields(Settings)}
        for name, parse in _FROM_CONFIG.items():
            if values[name] is not None:
                values[name] = parse(values[name])
        return Settings(**values)


# How the resource's plain values become Settings' types (the rest pass through).
_FROM_CONFIG = {
    "data_dir": Path,
    "companies": tuple,
    "forms": tuple,
    "compare": tuple,
    "earliest_filing_date": lambda text: parse_setting("earliest_filing_date", text),
    "edgar_mirror": Path,
}
