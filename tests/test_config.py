"""Settings from the environment: defaults, parsing and clear errors."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.config import ConfigError, Settings


def test_defaults():
    settings = Settings.from_env({})
    assert settings.companies == ("AMZN", "WMT")
    assert settings.forms == ("10-K", "10-Q")
    assert settings.earliest_filing_date == date(2009, 1, 1)
    assert settings.edgar_mirror is None
    assert settings.warehouse_path == settings.data_dir / "warehouse.duckdb"
    assert settings.landing_dir.parent == settings.dagster_home.parent == settings.data_dir


def test_values_are_read_and_normalised(tmp_path, corpus):
    settings = Settings.from_env(
        {
            "EDGAR_COMPANIES": " amzn, wmt 320193 ",
            "EDGAR_FORMS": "10-K",
            "EDGAR_EARLIEST_FILING_DATE": "2015-06-30",
            "EDGAR_DATA_DIR": str(tmp_path / "d"),
            "EDGAR_MIRROR": str(corpus),
            "EDGAR_REQUEST_TIMEOUT": "2.5",
            "EDGAR_REQUEST_DEADLINE": "9",
            "EDGAR_MAX_RETRIES": "0",
        }
    )
    assert settings.companies == ("AMZN", "WMT", "0000320193")
    assert settings.forms == ("10-K",)
    assert settings.earliest_filing_date == date(2015, 6, 30)
    assert settings.data_dir == tmp_path / "d"
    assert settings.edgar_mirror == corpus
    assert (settings.request_timeout_s, settings.request_deadline_s) == (2.5, 9.0)
    assert settings.max_retries == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EDGAR_EARLIEST_FILING_DATE": "30/06/2015"}, "not a YYYY-MM-DD date"),
        ({"EDGAR_FORMS": "8-K"}, "not supported"),
        ({"EDGAR_COMPANIES": "AMZN,../etc"}, "refused"),
    ],
)
def test_bad_values_are_clear_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_a_mirror_without_filings_csv_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"has no filings\.csv"):
        Settings.from_env({"EDGAR_MIRROR": str(tmp_path)})


def test_contact_identity_is_required_live_but_not_offline(corpus):
    with pytest.raises(ConfigError, match="SEC_CONTACT_COMPANY and SEC_CONTACT_EMAIL"):
        Settings.from_env({}).contact()
    live = Settings.from_env({"SEC_CONTACT_COMPANY": "Acme", "SEC_CONTACT_EMAIL": "a@acme.example"})
    assert live.contact().user_agent == "Acme a@acme.example"
    offline = Settings.from_env({"EDGAR_MIRROR": str(corpus)})
    assert "@" in offline.contact().user_agent


def test_the_dagster_resource_carries_every_setting(tmp_path, corpus):
    from pipeline.resources import PipelineSettings

    settings = Settings.from_env(
        {
            "EDGAR_COMPANIES": "AMZN,320193",
            "EDGAR_DATA_DIR": str(tmp_path),
            "EDGAR_MIRROR": str(corpus),
            "EDGAR_EARLIEST_FILING_DATE": "2012-03-04",
            "EDGAR_REQUEST_DEADLINE": "7",
            "SEC_CONTACT_EMAIL": "a@b.example",
        }
    )
    assert PipelineSettings.from_settings(settings).settings() == settings
    assert PipelineSettings.from_settings(Settings()).settings() == Settings()
