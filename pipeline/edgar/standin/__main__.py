"""Run the EDGAR stand-in in the foreground: ``python -m pipeline.edgar.standin``."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import threading
from pathlib import Path

from .server import EdgarStandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.edgar.standin", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/edgar"))
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--recent-limit", type=int, default=1000)
    parser.add_argument("--exclude", action="append", default=[], metavar="ACCESSION")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    server = EdgarStandIn(
        args.corpus,
        recent_limit=args.recent_limit,
        exclude_accessions=args.exclude,
        port=args.port,
        verbose=args.verbose,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with server:
        print(f"EDGAR stand-in on {server.proxy_url} serving {args.corpus}", flush=True)
        print("# export these in the client's shell:")
        for name, value in server.client_env().items():
            print(f"export {name}={shlex.quote(value)}")
        print(
            "# e.g. curl -A 'Me me@example.com' "
            f"--proxy {server.proxy_url} --cacert {server.ca_bundle_path} "
            "https://www.sec.gov/files/company_tickers_exchange.json",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
