"""Dagster resources: the pipeline's settings, as configuration visible in the UI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dagster import ConfigurableResource

from pipeline.config import Settings


class PipelineSettings(ConfigurableResource):
    """What to track and where data lives; defaults come from the environment (README)."""

    data_dir: str
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

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineSettings:
        """Build the resource from resolved :class:`Settings`."""
        return cls(
            data_dir=str(settings.data_dir),
            companies=list(settings.companies),
            forms=list(settings.forms),
            earliest_filing_date=settings.earliest_filing_date.isoformat(),
            contact_company=settings.contact_company,
            contact_email=settings.contact_email,
            edgar_mirror=str(settings.edgar_mirror) if settings.edgar_mirror else None,
            request_timeout_s=settings.request_timeout_s,
            request_deadline_s=settings.request_deadline_s,
            max_retries=settings.max_retries,
            requests_per_second=settings.requests_per_second,
        )

    def settings(self) -> Settings:
        """The resolved :class:`Settings` (validated again)."""
        return Settings(
            data_dir=Path(self.data_dir),
            companies=tuple(self.companies),
            forms=tuple(self.forms),
            earliest_filing_date=date.fromisoformat(self.earliest_filing_date),
            contact_company=self.contact_company,
            contact_email=self.contact_email,
            edgar_mirror=Path(self.edgar_mirror) if self.edgar_mirror else None,
            request_timeout_s=self.request_timeout_s,
            request_deadline_s=self.request_deadline_s,
            max_retries=self.max_retries,
            requests_per_second=self.requests_per_second,
        )
