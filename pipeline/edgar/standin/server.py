"""The HTTP(S) proxy server that plays SEC EDGAR on 127.0.0.1.

Clients reach it as an HTTPS proxy: ``CONNECT www.sec.gov:443`` is answered 200, the
tunnel is wrapped in TLS with a leaf certificate from a throwaway CA, and the HTTP/1.1
requests inside it (keep-alive) are served from a :class:`~.corpus.Corpus`. Plain
requests also work: absolute-URI ``GET http://www.sec.gov/...`` (HTTP proxy style) and
``GET /path`` with a ``Host:`` header (the host is guessed from the path if it is not
an SEC host), so the server can be poked with curl.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import socketserver
import ssl
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .corpus import Corpus, FilingRow
from .faults import Fault, FaultKind, FaultRegistry
from .log import RequestLog, RequestRecord
from .tls import SEC_HOSTS, Tls

WWW, DATA = SEC_HOSTS
_TICKERS = "/files/company_tickers_exchange.json"
_ARCHIVE = re.compile(r"^/Archives/edgar/data/(\d{1,10})/(\d{18})/([^/]+)$")
_SUBMISSIONS = re.compile(r"^/submissions/CIK(\d{10})\.json$")
_PAGE = re.compile(r"^/submissions/CIK(\d{10})-submissions-(\d{3})\.json$")
_DAILY_LISTING = re.compile(r"^/Archives/edgar/daily-index/(\d{4})/QTR([1-4])/index\.json$")
_DAILY_MASTER = re.compile(
    r"^/Archives/edgar/daily-index/(\d{4})/QTR([1-4])/master\.(\d{4})(\d{2})(\d{2})\.idx$"
)
_TYPES = {
    ".json": "application/json",
    ".txt": "text/plain",
    ".htm": "text/html",
    ".html": "text/html",
    ".xml": "application/xml",
    ".xsd": "application/xml",
}
_UNDECLARED = (
    b"<html><body><h1>Your Request Originates from an Undeclared Automated Tool</h1>"
    b"<p>Declare your traffic by updating your user agent to include company specific"
    b" information (name and email).</p></body></html>"
)
Response = tuple[int, str, bytes]


def route(corpus: Corpus, host: str, path: str) -> Response:
    """What EDGAR answers to ``GET https://<host><path>``: (status, content type, body)."""
    found: Any = None
    content_type = "application/json"
    if host == WWW and path == _TICKERS:
        found = corpus.ticker_map()
    elif host == DATA and (m := _SUBMISSIONS.match(path)):
        found = corpus.submissions(int(m[1]))
    elif host == DATA and (m := _PAGE.match(path)):
        found = corpus.submissions_page(int(m[1]), int(m[2]))
    elif host == WWW and (m := _DAILY_LISTING.match(path)):
        found = corpus.daily_index_listing(int(m[1]), int(m[2]))
    elif host == WWW and (m := _DAILY_MASTER.match(path)):
        found = _daily_master(corpus, m)
        content_type = "text/plain"
    elif host == WWW and (m := _ARCHIVE.match(path)):
        found = corpus.archive_file(int(m[1]), m[2], m[3])
        content_type = _TYPES.get(Path(m[3]).suffix.lower(), "application/octet-stream")
    if found is None:
        return 404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>"
    body = found if isinstance(found, bytes) else json.dumps(found).encode()
    return 200, content_type, body


def _daily_master(corpus: Corpus, m: re.Match[str]) -> bytes | None:
    try:
        day = date(int(m[3]), int(m[4]), int(m[5]))
    except ValueError:
        return None
    if (day.year, (day.month - 1) // 3 + 1) != (int(m[1]), int(m[2])):
        return None  # a day filed under another quarter's folder
    return corpus.daily_master_index(day)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], standin: EdgarStandIn) -> None:
        self.standin = standin
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # Skip HTTPServer's getfqdn() lookup, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def track(self, sock: socket.socket, alive: bool = True) -> None:
        with self._sockets_lock:
            (self._sockets.add if alive else self._sockets.discard)(sock)

    def drop_connections(self) -> None:
        """Shut every open connection down so that blocked handler threads return."""
        with self._sockets_lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.standin.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.tunnel_host: str | None = None
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.track(self.connection, alive=False)
            if self.tunnel_host is not None:
                self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.standin.verbose:
            super().log_message(format, *args)

    # -- tunnel ------------------------------------------------------------------------

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        record = self.server.standin.requests.start("CONNECT", self.path, self._agent())
        if self.tunnel_host is not None or host.lower() not in SEC_HOSTS or port != "443":
            self._send(record, 403, "text/plain", b"the EDGAR stand-in only tunnels to SEC\n")
            self.close_connection = True
            return
        record.status = 200
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.standin.tls.wrap(self.connection)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        self.server.track(self.connection, alive=False)
        self.server.track(tls)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]
        self.tunnel_host = host.lower()
        self.close_connection = False

    # -- requests ----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _agent(self) -> str:
        return self.headers.get("User-Agent", "")

    def _target(self) -> tuple[str | None, str, str]:
        """(SEC host or None, path without query, canonical URL) of this request."""
        target = self.path
        host_header = (self.headers.get("Host") or "").split(":")[0].lower()
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            host, path = (parts.hostname or "").lower(), parts.path or "/"
        else:
            path = urlsplit(target).path or "/"
            host = host_header if host_header in SEC_HOSTS else (self.tunnel_host or "")
            if not host and host_header in ("", "localhost", "127.0.0.1"):
                host = DATA if path.startswith("/submissions/") else WWW
        if host not in SEC_HOSTS:
            return None, path, target
        query = urlsplit(target).query
        return host, path, f"https://{host}{path}" + (f"?{query}" if query else "")

    def _serve(self, head: bool) -> None:
        standin = self.server.standin
        host, path, url = self._target()
        record = standin.requests.start(self.command, url, self._agent())
        if host is None:
            self._send(record, 404, "text/plain", b"not an SEC host\n", head=head)
            return
        if "@" not in record.user_agent:
            self._send(record, 403, "text/html", _UNDECLARED, head=head)
            return
        fault = standin.faults.take(url)
        if fault is not None:
            record.fault = str(fault.kind)
            if fault.status is not None:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                body = f"stand-in fault: {fault.status}\n".encode()
                self._send(record, fault.status, "text/plain", body, headers, head=head)
                return
            if fault.kind == FaultKind.SILENT:
                self._hang(fault)
                return
            if fault.kind == FaultKind.SLOW:
                standin.stopping.wait(fault.delay)
        status, content_type, body = route(standin.corpus, host, path)
        if fault is not None and status == 200 and fault.kind == FaultKind.TRUNCATED:
            self._send(record, status, content_type, body[: len(body) // 2], head=head)
        elif fault is not None and status == 200 and fault.kind == FaultKind.TRUNCATED_CLOSE:
            self._send(record, status, content_type, body, head=head, cut=True)
        elif fault is not None and status == 200 and fault.kind == FaultKind.TRICKLE:
            self._send(record, status, content_type, body, head=head, trickle=fault.delay)
        elif fault is not None and status == 200 and fault.kind == FaultKind.REPLACE:
            self._send(record, status, content_type, body.replace(fault.old, fault.new), head=head)
        else:
            self._send(record, status, content_type, body, head=head)

    def _send(
        self,
        record: RequestRecord,
        status: int,
        content_type: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        head: bool = False,
        cut: bool = False,
        trickle: float | None = None,
    ) -> None:
        """Answer; with ``cut``, announce the full length but send half and hang up; with
        ``trickle``, send the body in 64 pieces spread over that many seconds."""
        record.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and trickle is not None:
            self._trickle(body, trickle)
        elif not head:
            self.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _trickle(self, body: bytes, seconds: float, pieces: int = 64) -> None:
        step = max(1, -(-len(body) // pieces))
        stopping = self.server.standin.stopping
        for start in range(0, len(body), step):
            if stopping.wait(seconds / pieces):
                return
            try:
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
            except OSError:  # the client gave up
                self.close_connection = True
                return

    def _hang(self, fault: Fault) -> None:
        """Never answer: wait until the client sends or hangs up, the server stops, or
        ``fault.delay`` seconds pass; then drop the connection."""
        self.close_connection = True
        deadline = time.monotonic() + fault.delay
        stopping = self.server.standin.stopping
        while not stopping.is_set() and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([self.connection], [], [], 0.1)
            except (OSError, ValueError):
                return
            if readable:
                return


class EdgarStandIn:
    """SEC EDGAR stand-in: an HTTPS proxy on 127.0.0.1 serving a corpus folder.

    Use as a context manager (or call ``start()``/``stop()``).
    """

    def __init__(
        self,
        corpus_dir: Path | str,
        *,
        recent_limit: int = 1000,
        page_size: int | None = None,
        exclude_accessions: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        self.corpus = Corpus(
            corpus_dir,
            exclude_accessions=exclude_accessions,
            recent_limit=recent_limit,
            page_size=page_size,
        )
        self.faults = FaultRegistry()
        self.requests = RequestLog()
        self.verbose = verbose
        self.stopping = threading.Event()
        self._address = (host, port)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.tls: Tls

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> EdgarStandIn:
        if self._httpd is not None:
            return self
        self._tmp = tempfile.TemporaryDirectory(prefix="edgar-standin-")
        self.tls = Tls(Path(self._tmp.name))
        self.stopping.clear()
        self._httpd = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="edgar-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections (even silent ones), remove the CA file."""
        if self._httpd is None:
            return
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
        self._httpd = self._thread = self._tmp = None

    def __enter__(self) -> EdgarStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need -------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running")
        return self._httpd.server_address[1]

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ca_bundle_path(self) -> Path:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running")
        return self.tls.ca_bundle_path

    def client_env(self) -> dict[str, str]:
        """Environment that points ``requests`` (and so the downloader) at the stand-in."""
        return {
            "HTTPS_PROXY": self.proxy_url,
            "https_proxy": self.proxy_url,
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle_path),
        }

    # -- changing the corpus -----------------------------------------------------------

    def add_filing(
        self, row: FilingRow | Mapping[str, Any], files: Mapping[str, bytes] | None = None
    ) -> FilingRow:
        """Add a filing (a ``filings.csv``-style dict); ``files`` default to the corpus."""
        return self.corpus.add_filing(row, files)

    def publish(self, accession_number: str) -> FilingRow:
        """Make a filing held back with ``exclude_accessions`` appear."""
        return self.corpus.publish(accession_number)
