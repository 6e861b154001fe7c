"""``edgar-pipeline run`` asks EDGAR only about companies with something new.

The real ``run`` command, in process, against the EDGAR stand-in serving the corpus with
the newest tracked filing withheld; the stand-in's request log shows which companies'
submissions indexes each run read.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta

import pytest

import pipeline.cli as cli
from pipeline.edgar.daily_index import is_final, parse_listing, parse_master, scan
from pipeline.edgar.discovery import plan_downloads
from pipeline.edgar.landing import SUBMISSION_FILE, filing_dir
from pipeline.edgar.standin import EdgarStandIn
from pipeline.edgar.standin.corpus import Corpus
from pipeline.edgar.submissions import EdgarIndexError
from pipeline.edgar.transport import refused_url_reason
from tests.conftest import make_settings, newest, rows_for


def _args(*flags: str) -> argparse.Namespace:
    """``edgar-pipeline run`` arguments, parsed as the command line would."""
    return cli.build_parser().parse_args(["run", *flags])


def _settings(tmp_path):
    settings = make_settings(tmp_path)
    cli.prepare_dagster_home(settings)  # DAGSTER_HOME: set by the fixture, restored after
    return settings


def _submissions_read(server: EdgarStandIn) -> set[str]:
    """The CIKs whose submissions index the stand-in served."""
    return {r.url.split("/CIK")[1][:10] for r in server.requests.records("/submissions/CIK")}


@pytest.fixture
def withheld(corpus, corpus_rows, tracked_rows, monkeypatch, tmp_path):
    """The stand-in with the newest tracked filing withheld, and a DAGSTER_HOME for the run."""
    row = newest(tracked_rows)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "unused"))
    with EdgarStandIn(corpus, exclude_accessions=[row["accession_number"]]) as server:
        for key, value in server.client_env().items():
            monkeypatch.setenv(key, value)
        yield server, row


def test_run_asks_only_the_company_with_a_new_filing(withheld, tracked_rows, tmp_path, capsys):
    server, row = withheld
    settings = _settings(tmp_path)
    companies = {r["cik"].zfill(10) for r in tracked_rows}

    assert cli.cmd_run(settings, _args()) == 0
    first = capsys.readouterr().out
    assert f"asking EDGAR about {len(companies)} of {len(companies)} companies" in first
    assert _submissions_read(server) == companies

    server.requests.clear()
    assert cli.cmd_run(settings, _args()) == 0
    second = capsys.readouterr().out
    assert f"asking EDGAR about 0 of {len(companies)} companies" in second
    assert _submissions_read(server) == set()

    server.publish(row["accession_number"])
    server.requests.clear()
    assert cli.cmd_run(settings, _args()) == 0
    third = capsys.readouterr().out
    assert f"asking EDGAR about 1 of {len(companies)} companies: {row['ticker']}" in third
    assert row["accession_number"] in third
    assert _submissions_read(server) == {row["cik"].zfill(10)}
    landed = filing_dir(
        settings.landing_dir, row["ticker"], row["form"].removesuffix("/A"), row["accession_number"]
    )
    assert (landed / SUBMISSION_FILE).is_file()
    # the ticker map once per run, never per company step
    assert server.requests.count("company_tickers_exchange.json") <= 2

    server.requests.clear()
    assert cli.cmd_run(settings, _args("--all-companies")) == 0
    assert _submissions_read(server) == companies


def test_a_daily_index_that_cannot_be_read_asks_every_company(withheld, tracked_rows, tmp_path):
    server, _ = withheld
    settings = _settings(tmp_path)
    assert cli.cmd_run(settings, _args()) == 0
    server.faults.add("/daily-index/", 403, times=100)
    from pipeline.edgar.connection import edgar_connection

    with edgar_connection(settings) as conn:
        plan = plan_downloads(settings, conn.user_agent)
    assert set(plan.ask) == set(settings.companies)
    assert all("daily index could not be read" in why for why in plan.ask.values())


def test_a_company_whose_filing_failed_is_asked_again(withheld, tracked_rows, tmp_path):
    server, held = withheld
    settings = _settings(tmp_path)
    served = [r for r in rows_for(tracked_rows, [settings.companies[0]]) if r is not held]
    victim = served[0]
    server.faults.add(victim["accession_number"] + ".txt", 404, times=100)
    cli.cmd_run(settings, _args())  # the filing fails; the run says so
    from pipeline.edgar.connection import edgar_connection

    with edgar_connection(settings) as conn:
        plan = plan_downloads(settings, conn.user_agent)
    assert "did not land last time" in plan.ask[settings.companies[0]]
    assert set(plan.skip) == set(settings.companies[1:])


def test_a_landed_filing_that_changed_is_fetched_again_by_run(withheld, tracked_rows, tmp_path):
    _, held = withheld
    settings = _settings(tmp_path)
    assert cli.cmd_run(settings, _args()) == 0
    victim = next(r for r in tracked_rows if r is not held)
    path = (
        filing_dir(
            settings.landing_dir,
            victim["ticker"],
            victim["form"].removesuffix("/A"),
            victim["accession_number"],
        )
        / SUBMISSION_FILE
    )
    original = path.read_bytes()
    path.write_bytes(original.replace(b"<SEC-HEADER>", b"<SEC-HEADER>  ", 1))
    from pipeline.edgar.connection import edgar_connection

    with edgar_connection(settings) as conn:
        plan = plan_downloads(settings, conn.user_agent)
    assert victim["accession_number"] in plan.ask[victim["ticker"]]
    assert set(plan.skip) == set(settings.companies) - {victim["ticker"]}
    assert cli.cmd_run(settings, _args()) == 0
    assert path.read_bytes() == original


def test_the_daily_index_lists_what_the_stand_in_serves(corpus, corpus_rows):
    corpus_index = Corpus(corpus)
    row = corpus_rows[0]
    day = date.fromisoformat(row["filing_date"])
    year, quarter = day.year, (day.month - 1) // 3 + 1
    url = f"https://www.sec.gov/Archives/edgar/daily-index/{year}/QTR{quarter}/index.json"
    assert day in parse_listing(corpus_index.daily_index_listing(year, quarter), url)
    text = corpus_index.daily_master_index(day).decode()
    filings, refused = parse_master(text, day, {row["form"]}, url)
    assert refused == {}
    listed = {f.accession_number: f for f in filings}
    assert listed[row["accession_number"]].cik == row["cik"].zfill(10)
    assert listed[row["accession_number"]].filing_date == day
    assert refused_url_reason(url) is None
    assert refused_url_reason(url.replace("index.json", "../../x.idx")) is not None


def test_a_row_with_a_bad_file_name_is_refused_by_company():
    text = (
        "CIK|Company Name|Form Type|Date Filed|File Name\n"
        + "-" * 80
        + "\n1018724|AMAZON COM INC|10-Q|20261201|edgar/data/999/0001018724-26-000099.txt\n"
        "104169|WALMART INC|10-Q|20261201|edgar/data/104169/0000104169-26-000099.txt\n"
        "104169|WALMART INC|8-K|20261201|../../etc/passwd\n"
    )
    filings, refused = parse_master(text, date(2026, 12, 1), {"10-Q"}, "master.20261201.idx")
    assert [f.accession_number for f in filings] == ["0000104169-26-000099"]
    assert "expected edgar/data/<its CIK>/<accession>.txt" in refused["0001018724"]
    with pytest.raises(EdgarIndexError, match="no header separator"):
        parse_master("CIK|Company\n", date(2026, 12, 1), {"10-Q"}, "x")


def test_final_days_are_kept_and_not_read_again(standin, corpus_rows, tmp_path):
    from pipeline.edgar.connection import edgar_connection

    settings = make_settings(tmp_path)
    days = sorted({date.fromisoformat(r["filing_date"]) for r in corpus_rows})
    start, today = days[-1], max(days[-1], date.today())
    assert is_final(start, today) or start == today
    with edgar_connection(settings) as conn:
        first = scan(
            start,
            user_agent=conn.user_agent,
            forms=settings.forms,
            state_dir=tmp_path / "state",
            today=today,
        )
        again = scan(
            start,
            user_agent=conn.user_agent,
            forms=settings.forms,
            state_dir=tmp_path / "state",
            today=today,
        )
    newest_rows = [r for r in corpus_rows if date.fromisoformat(r["filing_date"]) == start]
    assert {f.accession_number for f in first.filings} >= {
        r["accession_number"] for r in newest_rows if r["form"].removesuffix("/A") in settings.forms
    }
    assert first.days_read == [start] and first.days_cached == []
    if is_final(start, today):
        assert again.days_read == [] and again.days_cached == [start]
        assert again.filings == first.filings


def test_a_damaged_kept_day_is_read_again(standin, corpus_rows, tmp_path):
    from pipeline.edgar.connection import edgar_connection

    settings = make_settings(tmp_path)
    day = max(date.fromisoformat(r["filing_date"]) for r in corpus_rows)
    today = day + timedelta(days=30)  # every day of the scan is final: kept after one read
    with edgar_connection(settings) as conn:

        def again():
            return scan(
                day,
                user_agent=conn.user_agent,
                forms=settings.forms,
                state_dir=tmp_path / "state",
                today=today,
            )

        first = again()
        kept = tmp_path / "state" / "daily-index" / f"{day:%Y%m%d}.json"
        wrong_shape = {**json.loads(kept.read_text()), "rows": 5}
        for damage in (json.dumps(wrong_shape), "[1, 2]", "{"):
            kept.write_text(damage)
            assert again().filings == first.filings  # read again from EDGAR, no crash
