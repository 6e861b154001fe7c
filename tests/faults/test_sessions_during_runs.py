"""Sessions open on the warehouse while `edgar-pipeline run` loads: nobody waits, nobody fails.

A read-only connection (the README's notebook example) and an idle read-write `duckdb`
session are held open in other processes while runs take in new filings; each run
finishes in its normal time, and a reader that connects afterwards sees the new data.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import rows_for
from tests.faults.runner import cli_env, run_cli

HOLD = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
    count = "SELECT count(DISTINCT ticker) FROM raw.filings"
    print(con.execute(count).fetchone()[0], flush=True)
    sys.stdin.readline()  # idle until the test is done
    print(con.execute(count).fetchone()[0], flush=True)
    """
)


def _companies(rows: list[dict[str, str]]) -> list[str]:
    return sorted({r["ticker"] for r in rows})


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_a_run_neither_waits_for_nor_breaks_an_open_session(corpus, corpus_rows, tmp_path, mode):
    companies = _companies(corpus_rows)
    first, everyone = companies[:1], companies
    data = tmp_path / "data"
    env_first = cli_env(data, corpus, EDGAR_COMPANIES=",".join(first))
    baseline = run_cli(["run"], env_first)
    assert baseline.returncode == 0, baseline.output[-3000:]

    session = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data / "warehouse.duckdb"), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert session.stdout.readline().strip() == "1"
        env_all = cli_env(data, corpus, EDGAR_COMPANIES=",".join(everyone))
        grown = run_cli(["run"], env_all, timeout=300)
        assert grown.returncode == 0, grown.output[-3000:]
        # normal time: the same order as the first run, nowhere near a lock timeout
        assert grown.seconds < 3 * baseline.seconds + 30, (grown.seconds, baseline.seconds)
        assert "held open" not in grown.output and "waiting" not in grown.output

        sql = "SELECT 'companies=' || count(DISTINCT ticker) AS n FROM raw.filings"
        reader = run_cli(["query", sql], env_all)
        assert reader.returncode == 0, reader.output
        assert f"companies={len(everyone)}" in reader.output
        status = run_cli(["status"], env_all)
        assert status.returncode == 0 and "Traceback" not in status.output
        table = {line.split()[0]: line.split()[1:] for line in status.output.splitlines() if line}
        for ticker in everyone:
            wanted = str(len(rows_for(corpus_rows, [ticker])))
            downloaded, parsed, loaded, failed = table[ticker]
            assert downloaded == parsed == loaded == wanted and failed == "0"
    finally:
        session.stdin.write("\n")
        session.stdin.flush()
        kept = session.stdout.readline().strip()
        session.wait(timeout=30)
    assert kept == "1"  # the open session kept its snapshot until it reconnects
