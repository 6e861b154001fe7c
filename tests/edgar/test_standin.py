"""The EDGAR stand-in, driven through the real sec-edgar-downloader over HTTPS."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import requests
from sec_edgar_downloader import Downloader

from pipeline.edgar.standin import EdgarStandIn, FaultKind, load_rows
from pipeline.edgar.submission_file import completeness_problem, iter_documents, parse_header
from tests.conftest import newest, rows_for, tickers_of

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("EDGAR_CORPUS", REPO.parent / "shared" / "edgar"))
pytestmark = pytest.mark.skipif(
    not (CORPUS / "filings.csv").is_file(), reason=f"no EDGAR corpus at {CORPUS}"
)

UA = {"User-Agent": "Edgar Warehouse tests tests@example.com"}
TICKERS_URL = "https://www.sec.gov/files/company_tickers_exchange.json"
AMZN_JSON = "https://data.sec.gov/submissions/CIK0001018724.json"
TIMEOUT = (5, 10)


def rows_by_accession() -> dict:
    return {r.accession_number: r for r in load_rows(CORPUS)}


def archive_url(accession: str, document: str | None = None) -> str:
    row = rows_by_accession()[accession]
    name = document or f"{accession}.txt"
    return f"https://www.sec.gov/Archives/edgar/data/{row.cik_int}/{row.accession_no_dashes}/{name}"


def use_standin(monkeypatch: pytest.MonkeyPatch, server: EdgarStandIn) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in server.client_env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EdgarStandIn]:
    with EdgarStandIn(CORPUS) as standin:
        use_standin(monkeypatch, standin)
        yield standin


def download_all(folder: Path, tickers: tuple[str, ...]) -> Downloader:
    dl = Downloader("Edgar Warehouse tests", "tests@example.com", folder)
    for ticker in tickers:
        dl.get("10-K", ticker, include_amends=True, before=date.today())
        dl.get("10-Q", ticker, include_amends=True, before=date.today())
    return dl


def assert_all_downloaded(folder: Path, rows: list[dict[str, str]]) -> None:
    """Exactly the filings of ``rows`` (filings.csv) landed, each with the header it states."""
    landed = sorted(p.parent.name for p in folder.rglob("full-submission.txt"))
    assert landed == sorted(r["accession_number"] for r in rows)
    for row in rows:
        base_form = row["form"].removesuffix("/A")
        path = folder / "sec-edgar-filings" / row["ticker"] / base_form / row["accession_number"]
        data = (path / "full-submission.txt").read_bytes()
        assert completeness_problem(data) is None
        header = parse_header(data)
        assert header.accession_number == row["accession_number"]
        assert header.form == row["form"]
        assert header.filing_date == date.fromisoformat(row["filing_date"])
        assert header.period_of_report == date.fromisoformat(row["report_date"])
        assert header.cik == row["cik"]
        assert header.company_name == row["company"]
        assert header.fiscal_year_end == row["fiscal_year_end"]
        files = row["files"].split(";")
        docs = list(iter_documents(data))
        assert [d.filename for d in docs if d.filename != row["primary_document"]] == [
            f for f in files if f != row["primary_document"]
        ]
        assert [d.sequence for d in docs] == list(range(1, len(files) + 1))


def page_count(rows: list[dict[str, str]], ticker: str, recent_limit: int) -> int:
    """How many paging files a company's submissions index has (page size = recent_limit)."""
    older = sum(r["ticker"] == ticker for r in rows) - recent_limit
    return math.ceil(max(older, 0) / recent_limit)


def page_name(cik: str, number: int) -> str:
    return f"CIK{cik}-submissions-{number:03d}.json"


# -- the downloader, end to end -----------------------------------------------------------


def test_downloader_gets_every_filing_through_the_proxy(
    server: EdgarStandIn, corpus_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    download_all(tmp_path, tickers_of(corpus_rows))
    assert_all_downloaded(tmp_path, corpus_rows)
    gets = [r for r in server.requests if r.method == "GET"]
    assert all(r.status == 200 for r in gets)
    assert all("@" in r.user_agent for r in gets)
    assert server.requests.count("/Archives/") == len(corpus_rows)
    # The downloader's own limiter: 10 per second (+1 for arrival jitter at the server).
    assert server.requests.max_in_window(1.0) <= 11


def test_paging_with_recent_limit_two(
    monkeypatch: pytest.MonkeyPatch, corpus_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    pages = {
        row["cik"]: page_count(corpus_rows, row["ticker"], recent_limit=2) for row in corpus_rows
    }
    assert max(pages.values()) >= 2, "the corpus is too small to need two paging files"
    with EdgarStandIn(CORPUS, recent_limit=2) as standin:
        use_standin(monkeypatch, standin)
        download_all(tmp_path, tickers_of(corpus_rows))
        assert_all_downloaded(tmp_path, corpus_rows)
        for cik, count in pages.items():
            for number in range(1, count + 1):
                assert standin.requests.count(page_name(cik, number)) >= 1, (cik, number)
            assert standin.requests.count(page_name(cik, count + 1)) == 0, cik


def test_submissions_json_shape_and_pages(
    monkeypatch: pytest.MonkeyPatch, corpus_rows: list[dict[str, str]]
) -> None:
    amzn = rows_for(corpus_rows, ["AMZN"])
    pages = page_count(corpus_rows, "AMZN", recent_limit=2)
    with EdgarStandIn(CORPUS, recent_limit=2) as standin:
        use_standin(monkeypatch, standin)
        top = requests.get(AMZN_JSON, headers=UA, timeout=TIMEOUT).json()
        assert top["cik"] == "1018724" and top["tickers"] == ["AMZN"]
        assert top["fiscalYearEnd"] == "1231"
        recent = top["filings"]["recent"]
        assert recent["accessionNumber"][0] == newest(amzn)["accession_number"]
        assert len(recent["accessionNumber"]) == min(2, len(amzn))
        assert {len(v) for v in recent.values()} == {min(2, len(amzn))}
        files = top["filings"]["files"]
        assert [f["name"] for f in files] == [
            page_name("0001018724", n) for n in range(1, pages + 1)
        ]
        seen = list(recent["accessionNumber"])
        for f in files:
            page = requests.get(
                f"https://data.sec.gov/submissions/{f['name']}", headers=UA, timeout=TIMEOUT
            ).json()
            assert len(page["accessionNumber"]) == f["filingCount"]
            assert (
                page["filingDate"][0] == f["filingTo"] and page["filingDate"][-1] == f["filingFrom"]
            )
            seen += page["accessionNumber"]
        newest_first = sorted(
            amzn, key=lambda r: (r["filing_date"], r["accession_number"]), reverse=True
        )
        assert seen == [r["accession_number"] for r in newest_first]
        missing = f"https://data.sec.gov/submissions/{page_name('0001018724', pages + 1)}"
        assert requests.get(missing, headers=UA, timeout=TIMEOUT).status_code == 404


def test_ticker_map(server: EdgarStandIn, corpus_rows: list[dict[str, str]]) -> None:
    body = requests.get(TICKERS_URL, headers=UA, timeout=TIMEOUT).json()
    assert body["fields"] == ["cik", "name", "ticker", "exchange"]
    assert [1018724, "AMAZON COM INC", "AMZN", "Nasdaq"] in body["data"]
    # One entry per company of the corpus, with the CIK and name filings.csv gives it.
    companies = {(int(r["cik"]), r["company"], r["ticker"]) for r in corpus_rows}
    assert sorted((cik, name, ticker) for cik, name, ticker, _ in body["data"]) == sorted(companies)


def test_documents_and_404s(server: EdgarStandIn, corpus_rows: list[dict[str, str]]) -> None:
    inline = "0001018724-25-000004"
    got = requests.get(archive_url(inline, "amzn-20241231.htm"), headers=UA, timeout=TIMEOUT)
    assert got.status_code == 200
    assert got.content == (CORPUS / "AMZN" / inline / "amzn-20241231.htm").read_bytes()
    # Filings stored with only their XBRL instance: no primary document to serve.
    bare = [r for r in corpus_rows if r["primary_document"] not in r["files"].split(";")]
    assert bare, "filings.csv has no filing without its primary document"
    for row in bare:
        url = archive_url(row["accession_number"], row["primary_document"])
        assert requests.get(url, headers=UA, timeout=TIMEOUT).status_code == 404, url
    for url in (
        "https://www.sec.gov/Archives/edgar/data/1018724/000101872499000001/x.txt",
        "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany",
        "https://data.sec.gov/submissions/CIK0000000001.json",
        "https://data.sec.gov/files/company_tickers_exchange.json",
    ):
        assert requests.get(url, headers=UA, timeout=TIMEOUT).status_code == 404, url


def test_document_types_in_the_envelope(server: EdgarStandIn) -> None:
    data = requests.get(archive_url("0001018724-23-000004"), headers=UA, timeout=TIMEOUT).content
    types = {d.filename: d.type for d in iter_documents(data)}
    assert types == {
        "amzn-20221231_htm.xml": "EX-101.INS",
        "amzn-20221231.xsd": "EX-101.SCH",
        "amzn-20221231_cal.xml": "EX-101.CAL",
        "amzn-20221231_def.xml": "EX-101.DEF",
        "amzn-20221231_lab.xml": "EX-101.LAB",
        "amzn-20221231_pre.xml": "EX-101.PRE",
    }
    inline = requests.get(archive_url("0000104169-25-000021"), headers=UA, timeout=TIMEOUT)
    [doc] = iter_documents(inline.content)
    assert (doc.type, doc.sequence, doc.filename) == ("10-K", 1, "wmt-20250131.htm")
    original = (CORPUS / "WMT" / "0000104169-25-000021" / "wmt-20250131.htm").read_bytes()
    assert doc.body == original.strip()  # iter_documents strips the XBRL wrapper's newlines


def test_403_without_a_declared_user_agent(server: EdgarStandIn) -> None:
    assert requests.get(TICKERS_URL, timeout=TIMEOUT).status_code == 403  # python-requests/x
    no_email = {"User-Agent": "Edgar Warehouse"}
    assert requests.get(AMZN_JSON, headers=no_email, timeout=TIMEOUT).status_code == 403
    assert server.requests.count(status=403) == 2


# -- faults ---------------------------------------------------------------------------------


def test_fault_429_with_retry_after(server: EdgarStandIn) -> None:
    server.faults.add("/submissions/CIK0001018724.json", 429, times=2, retry_after=0)
    statuses = []
    for _ in range(3):
        resp = requests.get(AMZN_JSON, headers=UA, timeout=TIMEOUT)
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            assert resp.headers["Retry-After"] == "0"
    assert statuses == [429, 429, 200]
    assert server.faults.active() == []
    # Default Retry-After is 1.
    server.faults.add("company_tickers", "429")
    assert requests.get(TICKERS_URL, headers=UA, timeout=TIMEOUT).headers["Retry-After"] == "1"


def test_fault_503_forever_until_removed(server: EdgarStandIn) -> None:
    fault = server.faults.add("company_tickers_exchange", 503, times=None)
    for _ in range(4):
        assert requests.get(TICKERS_URL, headers=UA, timeout=TIMEOUT).status_code == 503
    assert requests.get(AMZN_JSON, headers=UA, timeout=TIMEOUT).status_code == 200
    assert fault.fired == 4
    server.faults.remove(fault)
    assert requests.get(TICKERS_URL, headers=UA, timeout=TIMEOUT).status_code == 200


def test_fault_slow(server: EdgarStandIn) -> None:
    server.faults.add(TICKERS_URL, FaultKind.SLOW, times=1, delay=0.6)
    start = time.monotonic()
    assert requests.get(TICKERS_URL, headers=UA, timeout=TIMEOUT).status_code == 200
    assert time.monotonic() - start >= 0.6
    with pytest.raises(requests.exceptions.ReadTimeout):
        server.faults.add(TICKERS_URL, "slow", delay=2)
        requests.get(TICKERS_URL, headers=UA, timeout=(5, 0.3))


def test_fault_trickle_sends_the_whole_body_slowly(server: EdgarStandIn) -> None:
    url = archive_url("0000104169-23-000097")
    full = requests.get(url, headers=UA, timeout=TIMEOUT).content
    server.faults.add(url, FaultKind.TRICKLE, delay=1.0)
    start = time.monotonic()
    # Each piece comes within the 0.5 s read timeout, so only the total time shows the fault.
    slow = requests.get(url, headers=UA, timeout=(5, 0.5))
    assert time.monotonic() - start >= 0.9
    assert slow.content == full


def test_fault_silent_times_out_and_does_not_wedge_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    standin = EdgarStandIn(CORPUS).start()
    use_standin(monkeypatch, standin)
    standin.faults.add("/submissions/", "silent", times=None)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(AMZN_JSON, headers=UA, timeout=(5, 0.5))
    # Another silent request is pending (client waits up to 30 s) while the server stops.
    outcome: list[BaseException | int] = []

    def pending() -> None:
        try:
            outcome.append(requests.get(AMZN_JSON, headers=UA, timeout=30).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    client = threading.Thread(target=pending)
    client.start()
    deadline = time.monotonic() + 5
    while standin.requests.count("CIK0001018724.json") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    start = time.monotonic()
    standin.stop()
    assert time.monotonic() - start < 2
    client.join(timeout=5)
    assert not client.is_alive()
    assert isinstance(outcome[0], requests.exceptions.ConnectionError)
    assert all(r.status is None for r in standin.requests.records("CIK0001018724.json"))


def test_fault_truncated_with_matching_content_length(server: EdgarStandIn) -> None:
    url = archive_url("0000104169-23-000097")
    full = requests.get(url, headers=UA, timeout=TIMEOUT).content
    server.faults.add(url, "truncated")
    cut = requests.get(url, headers=UA, timeout=TIMEOUT)
    assert cut.status_code == 200
    assert cut.content == full[: len(full) // 2]
    assert int(cut.headers["Content-Length"]) == len(full) // 2
    assert completeness_problem(cut.content) is not None


def test_fault_truncated_close_with_full_content_length(server: EdgarStandIn) -> None:
    url = archive_url("0000104169-23-000097")
    server.faults.add(url, FaultKind.TRUNCATED_CLOSE)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, headers=UA, timeout=TIMEOUT)
    # Read the raw bytes (plain HTTP straight at the server): full length announced, half sent.
    full = requests.get(url, headers=UA, timeout=TIMEOUT).content
    server.faults.add(url, FaultKind.TRUNCATED_CLOSE)
    path = url.removeprefix("https://www.sec.gov")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: www.sec.gov\r\nUser-Agent: {UA['User-Agent']}"
        sock.sendall(request.encode() + b"\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert f"Content-Length: {len(full)}".encode() in head
    assert body == full[: len(full) // 2]
    assert requests.get(url, headers=UA, timeout=TIMEOUT).status_code == 200


def test_downloader_skips_a_filing_whose_download_fails(
    server: EdgarStandIn, corpus_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    tenks = [r["accession_number"] for r in rows_for(corpus_rows, ["WMT"]) if r["form"] == "10-K"]
    assert len(tenks) >= 2, "the test needs two WMT 10-Ks in filings.csv"
    failing = tenks[-1]
    server.faults.add(archive_url(failing), 503, times=None)
    dl = Downloader("Edgar Warehouse tests", "tests@example.com", tmp_path)
    assert dl.get("10-K", "WMT", before=date.today()) == len(tenks) - 1
    filings = tmp_path / "sec-edgar-filings" / "WMT" / "10-K"
    assert sorted(p.name for p in filings.iterdir()) == sorted(set(tenks) - {failing})


# -- the corpus at run time ------------------------------------------------------------------


def test_publish_makes_one_new_filing_appear(
    monkeypatch: pytest.MonkeyPatch, corpus_rows: list[dict[str, str]], tmp_path: Path
) -> None:
    amzn = rows_for(corpus_rows, ["AMZN"])
    latest = newest(amzn)
    new, form = latest["accession_number"], latest["form"]
    earlier = sum(r["form"] == form and r is not latest for r in amzn)
    with EdgarStandIn(CORPUS, exclude_accessions=[new]) as standin:
        use_standin(monkeypatch, standin)
        before = requests.get(AMZN_JSON, headers=UA, timeout=TIMEOUT).json()
        assert new not in before["filings"]["recent"]["accessionNumber"]
        assert requests.get(archive_url(new), headers=UA, timeout=TIMEOUT).status_code == 404
        dl = Downloader("Edgar Warehouse tests", "tests@example.com", tmp_path)
        assert dl.get(form, "AMZN", before=date.today()) == earlier

        standin.publish(new)
        after = requests.get(AMZN_JSON, headers=UA, timeout=TIMEOUT).json()
        appeared = set(after["filings"]["recent"]["accessionNumber"]) - set(
            before["filings"]["recent"]["accessionNumber"]
        )
        assert appeared == {new}
        assert after["filings"]["recent"]["accessionNumber"][0] == new
        assert dl.get(form, "AMZN", before=date.today()) == earlier + 1
        saved = tmp_path / "sec-edgar-filings" / "AMZN" / form / new / "full-submission.txt"
        assert parse_header(saved.read_bytes()).accession_number == new


def test_add_filing_with_in_memory_files(server: EdgarStandIn) -> None:
    accession = "0001018724-26-000099"
    html = b"<html><body>a brand new 10-K/A</body></html>"
    server.add_filing(
        {
            "ticker": "AMZN",
            "cik": "1018724",
            "company": "AMAZON COM INC",
            "fiscal_year_end": "1231",
            "form": "10-K/A",
            "accession_number": accession,
            "filing_date": "2026-11-20",
            "report_date": "2025-12-31",
            "primary_document": "amzn-20251231.htm",
        },
        {"amzn-20251231.htm": html},
    )
    recent = requests.get(AMZN_JSON, headers=UA, timeout=TIMEOUT).json()["filings"]["recent"]
    assert (recent["accessionNumber"][0], recent["form"][0]) == (accession, "10-K/A")
    url = f"https://www.sec.gov/Archives/edgar/data/1018724/{accession.replace('-', '')}"
    envelope = requests.get(f"{url}/{accession}.txt", headers=UA, timeout=TIMEOUT).content
    assert parse_header(envelope).form == "10-K/A"
    [doc] = iter_documents(envelope)
    assert (doc.type, doc.body) == ("10-K/A", html)
    assert requests.get(f"{url}/amzn-20251231.htm", headers=UA, timeout=TIMEOUT).content == html


# -- proxy mechanics -------------------------------------------------------------------------


def test_keep_alive_serves_many_requests_per_tunnel(server: EdgarStandIn) -> None:
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(AMZN_JSON, headers=UA, timeout=TIMEOUT).status_code == 200
    connects = server.requests.records("data.sec.gov:443")
    assert [r.method for r in connects] == ["CONNECT"]


def test_plain_http_requests(server: EdgarStandIn) -> None:
    # HTTP-proxy style: absolute URI.
    proxies = {"http": server.proxy_url}
    url = "http://data.sec.gov/submissions/CIK0000104169.json"
    got = requests.get(url, headers=UA, proxies=proxies, timeout=TIMEOUT)
    assert got.json()["name"] == "Walmart Inc."
    # Straight at the server, with or without an SEC Host header.
    direct = f"{server.proxy_url}/files/company_tickers_exchange.json"
    assert requests.get(direct, headers=UA, timeout=TIMEOUT).status_code == 200
    pinned = {**UA, "Host": "data.sec.gov"}
    got = requests.get(f"{server.proxy_url}/submissions/CIK0001018724.json", headers=pinned)
    assert got.json()["cik"] == "1018724"
    assert server.requests.count("https://data.sec.gov/submissions/CIK0001018724.json") == 1


def test_connect_to_other_hosts_is_refused(server: EdgarStandIn) -> None:
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://example.com/", headers=UA, timeout=TIMEOUT)


def test_cli_prints_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.edgar.standin", "--corpus", str(CORPUS)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        exports = {}
        while "REQUESTS_CA_BUNDLE" not in exports:
            line = proc.stdout.readline()
            assert line, "the CLI exited early"
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                exports[name] = value
        proxies = {"https": exports["HTTPS_PROXY"]}
        got = requests.get(
            TICKERS_URL,
            headers=UA,
            proxies=proxies,
            verify=exports["REQUESTS_CA_BUNDLE"],
            timeout=TIMEOUT,
        )
        assert got.status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        assert proc.stdout is not None
        proc.stdout.close()
    assert not Path(exports["REQUESTS_CA_BUNDLE"]).exists()


def test_add_filing_without_files_reads_the_corpus_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = rows_by_accession()["0001018724-23-000004"]
    with EdgarStandIn(CORPUS, exclude_accessions=[row.accession_number]) as standin:
        use_standin(monkeypatch, standin)
        bare = {k: v for k, v in row.__dict__.items() if k != "files"}
        added = standin.add_filing(bare)
        assert sorted(added.files) == sorted(row.files)
        envelope = requests.get(archive_url(row.accession_number), headers=UA, timeout=TIMEOUT)
        assert len(list(iter_documents(envelope.content))) == len(row.files)
