"""The transport refuses URLs that could steer a download outside its folder, before sending."""

from __future__ import annotations

import pytest
import requests

from pipeline.edgar.transport import RefusedUrl, TransportPolicy, refused_url_reason, sec_transport

UA = {"User-Agent": "tests tests@example.com"}
ARCHIVE = "https://www.sec.gov/Archives/edgar/data/{cik}/{nodash}/{name}"


def test_the_urls_the_pipeline_uses_pass(corpus_rows):
    for row in corpus_rows:
        acc, cik = row["accession_number"], int(row["cik"])
        nodash = acc.replace("-", "")
        assert refused_url_reason(ARCHIVE.format(cik=cik, nodash=nodash, name=f"{acc}.txt")) is None
        for name in row["files"].split(";"):
            assert refused_url_reason(ARCHIVE.format(cik=cik, nodash=nodash, name=name)) is None
        assert refused_url_reason(f"https://data.sec.gov/submissions/CIK{row['cik']}.json") is None
    assert refused_url_reason("https://www.sec.gov/files/company_tickers_exchange.json") is None


@pytest.mark.parametrize(
    "url",
    [
        ARCHIVE.format(cik=1018724, nodash="../../../../escape/pwned", name="x.txt"),
        "https://www.sec.gov/Archives/edgar/data/1018724/../../../../escape/pwned.txt",
        ARCHIVE.format(cik=1018724, nodash="000101872424000008", name="..txt"),
        ARCHIVE.format(cik=1018724, nodash="000101872424000008", name=".txt"),
        ARCHIVE.format(cik=1018724, nodash="0001018724240000", name="a.txt"),
        "https://data.sec.gov/submissions/../../etc/passwd",
        "https://www.sec.gov/Archives/edgar/data/1018724/000101872424000008/./a.txt",
    ],
)
def test_escaping_urls_are_refused_before_any_request(standin, url):
    assert refused_url_reason(url) is not None
    with sec_transport(TransportPolicy(max_retries=3)), pytest.raises(RefusedUrl, match="refused"):
        requests.get(url, headers=UA)
    assert len(standin.requests) == 0
