"""Bad settings and awkward data folders, through the real CLI (``python -m pipeline``).

Every bad value stops every command before any work: exit code 2, one line on stderr naming
the variable, no traceback, nothing written. Duplicate companies are merged. ``status`` and
``query`` work on a read-only data folder. We run as root, which ignores file permissions,
so "read-only" is a read-only bind mount of the folder in a private mount namespace
(``unshare -m``): the mount exists only for that one command and nothing outside sees it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.faults.runner import CliRun, cli_env, read_only_mounts_work, run_cli

BAD_SETTINGS = [  # (variable, value, what the one line must say)
    ("EDGAR_REQUEST_TIMEOUT", "abc", "not a number"),
    ("EDGAR_REQUEST_TIMEOUT", "-1", "out of range"),
    ("EDGAR_REQUEST_TIMEOUT", "0", "out of range"),
    ("EDGAR_REQUEST_TIMEOUT", "nan", "not a finite number"),
    ("EDGAR_REQUEST_TIMEOUT", "inf", "not a finite number"),
    ("EDGAR_REQUEST_TIMEOUT", "601", "out of range"),
    ("EDGAR_REQUEST_DEADLINE", "0", "out of range"),
    ("EDGAR_REQUEST_DEADLINE", "NaN", "not a finite number"),
    ("EDGAR_REQUEST_DEADLINE", "10", "shorter than EDGAR_REQUEST_TIMEOUT"),  # default 30
    ("EDGAR_MAX_RETRIES", "-1", "out of range"),
    ("EDGAR_MAX_RETRIES", "2.5", "not a whole number"),
    ("EDGAR_MAX_RETRIES", "21", "out of range"),
    ("EDGAR_REQUESTS_PER_SECOND", "0", "out of range"),
    ("EDGAR_REQUESTS_PER_SECOND", "-2", "out of range"),
    ("EDGAR_REQUESTS_PER_SECOND", "ten", "not a whole number"),
    ("EDGAR_REQUESTS_PER_SECOND", "11", "fair-access limit"),  # live SEC: refused
    ("EDGAR_EARLIEST_FILING_DATE", "2023-02-30", "not a YYYY-MM-DD date"),
    ("EDGAR_EARLIEST_FILING_DATE", "30/06/2015", "not a YYYY-MM-DD date"),
    ("EDGAR_EARLIEST_FILING_DATE", "1992-12-31", "out of range"),
    ("EDGAR_EARLIEST_FILING_DATE", "2999-01-01", "out of range"),
    ("EDGAR_FORMS", "8-K", "not supported"),
    ("EDGAR_FORMS", " ,", "names no form"),
    ("EDGAR_COMPANIES", ",,", "names no company"),
    ("EDGAR_COMPANIES", "AMZN,../etc", "refused"),
    ("EDGAR_COMPANIES", "0000000000", "refused"),
    ("SEC_CONTACT_EMAIL", "nobody", "not an email address"),
    ("SEC_CONTACT_COMPANY", "Acme\tResearch", "User-Agent header"),
]

COMMANDS = {
    "run": ["run"],
    "status": ["status"],
    "query": ["query", "SELECT 1"],
    "dev": ["dev"],
    "screenshot": ["screenshot"],
}


def _cli(
    args: list[str], env: dict[str, str], *, read_only: Path | None = None, timeout: float = 120
) -> CliRun:
    """``python -m pipeline ARGS``, stderr apart; with ``read_only``, that folder is read-only."""
    return run_cli(args, env, timeout=timeout, merge_stderr=False, read_only=read_only)


@pytest.fixture
def read_only_mounts() -> None:
    if not read_only_mounts_work():
        pytest.skip("needs `unshare -m` and bind mounts (root, with mounts allowed)")


def _assert_one_line_error(done: CliRun, *needles: str) -> str:
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("variable", "value", "says"), BAD_SETTINGS)
def test_each_bad_setting_is_one_line_and_exit_2(tmp_path, variable, value, says):
    data_dir = tmp_path / "data"
    done = _cli(["status"], cli_env(data_dir, **{variable: value}))
    line = _assert_one_line_error(done, variable, says)
    items = [item.strip().lower() for item in value.split(",") if item.strip()]
    # It names the value as given, or the bad item of a list.
    assert repr(value.strip()) in line or any(item in line.lower() for item in items)
    assert not data_dir.exists()  # refused before anything was written


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_setting_stops_every_command(tmp_path, command):
    data_dir = tmp_path / "data"
    done = _cli(COMMANDS[command], cli_env(data_dir, EDGAR_REQUEST_TIMEOUT="abc"), timeout=60)
    _assert_one_line_error(done, "EDGAR_REQUEST_TIMEOUT='abc'", "not a number")
    assert not data_dir.exists()


def test_a_mirror_without_filings_csv_is_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    for mirror in (tmp_path / "empty", tmp_path / "missing"):
        done = _cli(["run"], cli_env(tmp_path / "data", EDGAR_MIRROR=str(mirror)))
        _assert_one_line_error(done, f"EDGAR_MIRROR={str(mirror)!r}", "has no filings.csv")


def test_a_live_run_without_contact_identity_stops_before_any_request(tmp_path):
    done = _cli(["run"], cli_env(tmp_path / "data"))
    _assert_one_line_error(done, "SEC_CONTACT_COMPANY and SEC_CONTACT_EMAIL")
    assert not (tmp_path / "data").exists()


def test_a_data_folder_that_is_a_file_is_one_line(tmp_path):
    file = tmp_path / "data"
    file.write_text("a file, not a folder\n")
    for command in ("run", "status"):
        done = _cli([command], cli_env(file))
        _assert_one_line_error(done, f"EDGAR_DATA_DIR={str(file)!r}", "is a file, not a folder")
    done = _cli(["status"], cli_env(file / "below"))
    _assert_one_line_error(done, "EDGAR_DATA_DIR=", f"is inside a file ({file})")
    assert file.read_text() == "a file, not a folder\n"


def _status_rows(stdout: str) -> list[tuple[str, ...]]:
    """The per-company rows of ``status``: (company, downloaded, parsed, loaded)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["company"]) + 1
    rows = []
    for line in lines[start:]:
        if len(line.split()) != 5:
            break
        rows.append(tuple(line.split()))
    return rows


def test_duplicate_companies_are_merged_for_status(tmp_path):
    data_dir = tmp_path / "data"
    env = cli_env(data_dir, EDGAR_COMPANIES="AMZN,amzn,AMZN,1018724,0001018724")
    done = _cli(["status"], env)
    assert done.returncode == 0, done.stderr
    assert [row[0] for row in _status_rows(done.stdout)] == ["AMZN", "0001018724"]
    assert not data_dir.exists()  # status on a fresh folder writes nothing, not even dagster/


class Built(NamedTuple):
    """A data folder built by one ``run``, with its environment and the run's outcome."""

    data_dir: Path
    env: dict[str, str]
    tickers: list[str]
    done: CliRun


@pytest.fixture(scope="module")
def built(tmp_path_factory, corpus, corpus_rows):
    """One offline ``run`` over every company of filings.csv, each named several times."""
    tickers = list(dict.fromkeys(row["ticker"] for row in corpus_rows))
    named = [t.lower() for t in tickers] + tickers + [tickers[0].title()]
    data_dir = tmp_path_factory.mktemp("settings") / "data"
    env = cli_env(data_dir, EDGAR_MIRROR=str(corpus), EDGAR_COMPANIES=",".join(named))
    done = _cli(["run"], env, timeout=600)
    return Built(data_dir, env, tickers, done)


def test_duplicate_companies_are_merged_for_a_run(built, corpus_rows):
    done = built.done
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"Companies {', '.join(built.tickers)} against offline mirror" in done.stdout
    per_ticker = Counter(row["ticker"] for row in corpus_rows)
    expected = [(t, *[str(per_ticker[t])] * 3, "0") for t in built.tickers]
    assert _status_rows(done.stdout) == expected  # every filing once; none failed


QUERY = (
    "SELECT ticker, count(DISTINCT accession_number) AS filings "
    "FROM raw.line_items GROUP BY ticker ORDER BY ticker"
)


@pytest.fixture(scope="module")
def writable_outputs(built):
    """``status`` and ``query`` on the writable folder: what read-only must print too."""
    assert built.done.returncode == 0, built.done.stderr[-3000:]
    outputs = {
        name: _cli(args, built.env)
        for name, args in (("status", ["status"]), ("query", ["query", QUERY]))
    }
    for out in outputs.values():
        assert out.returncode == 0, out.stderr
    return outputs


@pytest.mark.parametrize("lock_file", ["present", "absent"])
def test_status_and_query_work_on_a_read_only_data_folder(
    read_only_mounts, built, writable_outputs, corpus_rows, lock_file
):
    data_dir, env = built.data_dir, built.env
    lock = data_dir / "warehouse.duckdb.lock"
    if lock_file == "absent":  # the reader can neither create nor open one: no lock needed
        lock.unlink(missing_ok=True)
    else:
        lock.touch()
    for name, args in (("status", ["status"]), ("query", ["query", QUERY])):
        done = _cli(args, env, read_only=data_dir)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert (done.stdout, done.stderr) == (
            writable_outputs[name].stdout,
            writable_outputs[name].stderr,
        )
    for ticker, count in Counter(row["ticker"] for row in corpus_rows).items():
        assert any(line.split()[1:4:2] == [ticker, str(count)] for line in done.stdout.splitlines())
    assert lock.exists() == (lock_file == "present")


@pytest.mark.parametrize("command", ["run", "dev"])
def test_commands_that_write_say_so_on_a_read_only_data_folder(
    read_only_mounts, tmp_path, corpus, command
):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = cli_env(data_dir, EDGAR_MIRROR=str(corpus))
    done = _cli([command], env, read_only=data_dir, timeout=60)
    _assert_one_line_error(done, "cannot prepare the data folder", "Read-only file system")
    assert str(data_dir) in done.stderr
    assert list(data_dir.iterdir()) == []
