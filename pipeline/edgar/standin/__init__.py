"""SEC EDGAR stand-in: serves a corpus folder as www.sec.gov and data.sec.gov.

The downloader (sec-edgar-downloader, unmodified) reaches it as an HTTPS proxy; a
throwaway trustme CA signs the certificate for the SEC hosts, so the real URLs and
the TLS path are exercised::

    with EdgarStandIn("../shared/edgar", recent_limit=1000) as server:
        os.environ.update(server.client_env())  # HTTPS_PROXY, https_proxy, REQUESTS_CA_BUNDLE
        Downloader("Co", "me@example.com", tmp).get("10-K", "AMZN", before=date.today())
        server.requests.count("/Archives/")     # request log (method, url, status, ...)

Served (generated from ``filings.csv`` + ``<TICKER>/<ACCESSION>/<files>``):

- ``https://www.sec.gov/files/company_tickers_exchange.json``
- ``https://data.sec.gov/submissions/CIK##########.json``: the newest ``recent_limit``
  filings in ``filings.recent``; older ones in paging files of ``page_size`` (default
  ``recent_limit``) rows, ``CIK##########-submissions-001.json`` and on.
- ``https://www.sec.gov/Archives/edgar/data/<cik>/<acc no dashes>/<acc>.txt``: the
  full-submission envelope (SEC header + one ``<DOCUMENT>`` per file).
- ``.../<acc no dashes>/<file>``: any file of the filing present in the corpus.
- Anything else: 404. A User-Agent without ``@``: 403.

``EdgarStandIn(corpus_dir, *, recent_limit=1000, page_size=None, exclude_accessions=(),
host="127.0.0.1", port=0, verbose=False)``; while running: ``proxy_url``,
``ca_bundle_path``, ``client_env()``, ``port``; ``faults`` (:class:`FaultRegistry`, see
:mod:`.faults` for the kinds), ``requests`` (:class:`RequestLog`),
``add_filing(row, files=None)``, ``publish(accession_number)`` and ``corpus``.

CLI: ``python -m pipeline.edgar.standin --corpus ../shared/edgar [--port N]``.
"""

from .corpus import Corpus, FilingRow, load_rows
from .faults import Fault, FaultKind, FaultRegistry
from .log import RequestLog, RequestRecord
from .server import EdgarStandIn, route

__all__ = [
    "Corpus",
    "EdgarStandIn",
    "Fault",
    "FaultKind",
    "FaultRegistry",
    "FilingRow",
    "RequestLog",
    "RequestRecord",
    "load_rows",
    "route",
]
