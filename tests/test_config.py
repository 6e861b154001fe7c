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
            "EDGAR_REQUEST_TIMEOUT": "5",
            "EDGAR_REQUEST_DEADLINE": "7",
            "EDGAR_MAX_RETRIES": "0",
            "EDGAR_REQUESTS_PER_SECOND": "50",
            "SEC_CONTACT_EMAIL": "a@b.example",
        }
    )
    assert PipelineSettings.from_settings(settings).settings() == settings
    assert PipelineSettings.from_settings(Settings()).settings() == Settings()


@pytest.mark.parametrize(
    ("env", "variable", "message"),
    [
        ({"EDGAR_REQUEST_TIMEOUT": "abc"}, "EDGAR_REQUEST_TIMEOUT", "not a number"),
        ({"EDGAR_REQUEST_TIMEOUT": "nan"}, "EDGAR_REQUEST_TIMEOUT", "not a finite number"),
        ({"EDGAR_REQUEST_DEADLINE": "-inf"}, "EDGAR_REQUEST_DEADLINE", "not a finite number"),
        ({"EDGAR_MAX_RETRIES": "-1"}, "EDGAR_MAX_RETRIES", "out of range"),
        ({"EDGAR_REQUESTS_PER_SECOND": "0"}, "EDGAR_REQUESTS_PER_SECOND", "out of range"),
        ({"EDGAR_REQUESTS_PER_SECOND": "11"}, "EDGAR_REQUESTS_PER_SECOND", "fair-access"),
        ({"EDGAR_COMPANIES": " , "}, "EDGAR_COMPANIES", "names no company"),
        ({"EDGAR_EARLIEST_FILING_DATE": "2024-02-30"}, "EDGAR_EARLIEST_FILING_DATE", "date"),
    ],
)
def test_each_bad_value_is_one_line_naming_its_variable(env, variable, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Settings.from_env(env)
    text = str(caught.value)
    assert text.startswith(variable) and "\n" not in text


def test_edges_that_are_accepted(corpus):
    assert Settings.from_env({"EDGAR_MAX_RETRIES": "0"}).max_retries == 0
    equal = Settings.from_env({"EDGAR_REQUEST_TIMEOUT": "7", "EDGAR_REQUEST_DEADLINE": "7"})
    assert (equal.request_timeout_s, equal.request_deadline_s) == (7.0, 7.0)
    assert Settings.from_env({"EDGAR_REQUESTS_PER_SECOND": "10"}).requests_per_second == 10
    mirror = {"EDGAR_MIRROR": str(corpus), "EDGAR_REQUESTS_PER_SECOND": "200"}
    assert Settings.from_env(mirror).requests_per_second == 200
    assert Settings.from_env({"EDGAR_COMPANIES": "", "EDGAR_REQUEST_TIMEOUT": "  "}) == Settings()


def test_duplicate_companies_and_forms_are_merged_in_first_seen_order():
    settings = Settings.from_env(
        {"EDGAR_COMPANIES": "wmt,AMZN,amzn,1018724,WMT,0001018724,AMZN", "EDGAR_FORMS": "10-q,10-Q"}
    )
    assert settings.companies == ("WMT", "AMZN", "0001018724")
    assert settings.forms == ("10-Q",)


def test_a_data_folder_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "data"
    file.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"EDGAR_DATA_DIR=.* is a file, not a folder"):
        Settings.from_env({"EDGAR_DATA_DIR": str(file)})
    with pytest.raises(ConfigError, match=r"is inside a file \(.*data\)"):
        Settings.from_env({"EDGAR_DATA_DIR": str(file / "sub")})


def test_the_dagster_resource_gets_the_same_checks(tmp_path):
    from pipeline.resources import PipelineSettings

    good = PipelineSettings.from_settings(Settings(data_dir=tmp_path))
    for change, variable in [
        ({"request_timeout_s": float("nan")}, "EDGAR_REQUEST_TIMEOUT"),
        ({"max_retries": -1}, "EDGAR_MAX_RETRIES"),
        ({"requests_per_second": 0}, "EDGAR_REQUESTS_PER_SECOND"),
        ({"earliest_filing_date": "2023-02-30"}, "EDGAR_EARLIEST_FILING_DATE"),
        ({"forms": ["8-K"]}, "EDGAR_FORMS"),
        ({"companies": []}, "EDGAR_COMPANIES"),
    ]:
        with pytest.raises(ConfigError, match=variable):
            good.model_copy(update=change).settings()
    merged = good.model_copy(update={"companies": ["amzn", "AMZN", "WMT"]}).settings()
    assert merged.companies == ("AMZN", "WMT")


def test_numbers_are_plain_ascii():
    """Python's int()/float() accept "1_0" and other scripts' digits; settings do not."""
    for text in ("1_0", "\uff13", "\u0663"):
        with pytest.raises(ConfigError, match="is not a"):
            Settings.from_env({"EDGAR_REQUEST_TIMEOUT": text})
        with pytest.raises(ConfigError, match="is not a whole number"):
            Settings.from_env({"EDGAR_MAX_RETRIES": text})
