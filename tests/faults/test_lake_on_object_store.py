"""The Parquet lake on a real S3 service (moto's server, started here), through the real CLI.

``EDGAR_LAKE=s3://<bucket>/lake?endpoint_override=…&scheme=http``, credentials in AWS_*
variables: ``edgar-pipeline run`` (offline mirror) writes the catalog and every filing's two
Parquet files as objects at their keys and nothing under the local data folder's
``parquet/``; the warehouse gets the exact figures; a second run with nothing new sends no
request that writes; ``status`` reads the lake; a bad ``EDGAR_LAKE`` is one line and exit 2.
The lake module's object-store side (keys kept below the prefix, an upload whole or not,
listing) is checked on the same server.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from pipeline import lake
from pipeline.identifiers import UnsafeIdentifierError
from pipeline.lake import ObjectPath, parse_lake
from pipeline.xbrl.datasets import DATASETS, filing_file
from tests.conftest import make_settings
from tests.faults.figures import AMZN_FY2024, WMT_FY2025, fy_values
from tests.faults.runner import CliRun, cli_env, run_cli
from tests.faults.s3 import CREDENTIALS, S3Server, S3Unavailable, moto_server

WRITES = ("PUT", "POST", "DELETE")


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    try:
        with moto_server(tmp_path_factory.mktemp("moto")) as server:
            yield server
    except S3Unavailable as exc:
        pytest.skip(f"no S3 service for the object-store lake tests: {exc}")


def _bucket(s3: S3Server) -> str:
    name = f"edgar-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(name)
    return name


def _keys(s3: S3Server, bucket: str, prefix: str) -> dict[str, tuple[int, int]]:
    """Every object under ``bucket/prefix``: key -> (size, mtime in ns)."""
    infos = s3.filesystem().get_file_info(pafs.FileSelector(f"{bucket}/{prefix}", recursive=True))
    return {
        i.path.removeprefix(f"{bucket}/"): (i.size, i.mtime_ns)
        for i in infos
        if i.type == pafs.FileType.File
    }


@dataclass
class LakeRuns:
    """Two ``edgar-pipeline run``s against one bucket, and what the S3 server logged."""

    bucket: str
    data_dir: Path
    env: dict[str, str]
    first: CliRun
    first_requests: list[tuple[str, str, int]]
    objects_after_first: dict[str, tuple[int, int]]
    second: CliRun
    second_requests: list[tuple[str, str, int]]
    objects_after_second: dict[str, tuple[int, int]]


@pytest.fixture(scope="module")
def runs(s3: S3Server, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> LakeRuns:
    bucket = _bucket(s3)
    data_dir = tmp_path_factory.mktemp("object-lake") / "data"
    env = cli_env(data_dir, corpus, EDGAR_LAKE=s3.lake_uri(bucket, "lake"), **CREDENTIALS)
    first = run_cli(["run"], env)
    first_requests = s3.requests(bucket)
    after_first = _keys(s3, bucket, "lake")
    mark = s3.log_size()
    second = run_cli(["run"], env)
    return LakeRuns(
        bucket,
        data_dir,
        env,
        first,
        first_requests,
        after_first,
        second,
        s3.requests(bucket, since=mark),
        _keys(s3, bucket, "lake"),
    )


def test_a_run_writes_the_lake_as_objects_at_their_keys(runs: LakeRuns, tracked_rows):
    assert runs.first.returncode == 0, runs.first.output[-3000:]
    expected = {"lake/catalog/filings.parquet"} | {
        f"lake/{dataset}/ticker={row['ticker']}/{row['accession_number']}.parquet"
        for dataset in DATASETS
        for row in tracked_rows
    }
    assert set(runs.objects_after_first) == expected  # no temporary or stray object
    assert not (runs.data_dir / "parquet").exists()  # nothing of the lake on local disk


def test_exact_values_reach_the_warehouse_from_the_object_store(runs: LakeRuns):
    assert runs.first.returncode == 0, runs.first.output[-3000:]
    warehouse = runs.data_dir / "warehouse.duckdb"
    assert fy_values(warehouse, "AMZN", 2024) == AMZN_FY2024
    assert fy_values(warehouse, "WMT", 2025) == WMT_FY2025
    with duckdb.connect(str(warehouse), read_only=True) as con:
        paths = [p for (p,) in con.execute("SELECT path FROM raw.loaded_files").fetchall()]
    assert paths and all(p.startswith(f"s3://{runs.bucket}/lake/") for p in paths)
    assert not any("endpoint_override" in p for p in paths)  # recorded without the query


def test_a_second_run_with_nothing_new_writes_no_object(runs: LakeRuns):
    assert runs.second.returncode == 0, runs.second.output[-3000:]
    assert any(r[0] in WRITES for r in runs.first_requests)  # the log shows writes when made
    writes = [r for r in runs.second_requests if r[0] in WRITES]
    assert writes == []
    assert runs.second_requests, "the second run read nothing from the lake"
    assert runs.objects_after_second == runs.objects_after_first  # same sizes and times
    # One listing per dataset instead of a request per filing's file.
    per_object = [r for r in runs.second_requests if r[0] == "HEAD" and "/facts/" in r[1]]
    assert per_object == []


def test_status_reads_the_lake_on_the_object_store(runs: LakeRuns, tracked_rows, s3: S3Server):
    done = run_cli(["status"], runs.env, timeout=120)
    assert done.returncode == 0, done.output[-3000:]
    assert f"Parquet lake: s3://{runs.bucket}/lake" in done.output
    assert "endpoint_override" not in done.output and s3.endpoint not in done.output
    for ticker in {r["ticker"] for r in tracked_rows}:
        count = sum(1 for r in tracked_rows if r["ticker"] == ticker)
        # company, downloaded, parsed, loaded, failed
        assert f"{ticker} {count} {count} {count} 0" in " ".join(done.output.split())


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("s3://AKIAEXAMPLE:TopSecret@bucket/lake", "password"),
        ("s3://bucket/lake?secret_key=TopSecret", "secret"),
        ("s3://bucket/lake?no_such_option=1", "Unexpected query parameter"),
        ("ftp://host/lake", "Unrecognized filesystem type"),
        ("s3://bucket/a/../lake", "'..'"),
        ("s3://", "no bucket"),
    ],
)
def test_a_bad_lake_setting_is_one_line_and_exit_2(tmp_path: Path, value: str, needle: str):
    done = run_cli(
        ["status"], cli_env(tmp_path / "data", EDGAR_LAKE=value), timeout=60, merge_stderr=False
    )
    assert done.returncode == 2, done.output[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.output, done.output
    assert "EDGAR_LAKE=" in lines[0] and needle in lines[0], lines[0]
    assert "TopSecret" not in done.output and "AKIAEXAMPLE" not in done.output


def test_an_unreachable_object_store_is_one_line_for_status(tmp_path: Path):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    value = f"s3://bucket/lake?endpoint_override=127.0.0.1:{closed}&scheme=http"
    env = cli_env(tmp_path / "data", EDGAR_LAKE=value, **CREDENTIALS)
    done = run_cli(["status"], env, timeout=120, merge_stderr=False)
    assert done.returncode == 1, done.output[-2000:]
    assert "Traceback" not in done.output
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("s3://bucket/lake/catalog/filings.parquet: cannot check the object")
    assert "check EDGAR_LAKE's endpoint, bucket and credentials" in lines[0]


def test_object_keys_never_leave_the_prefix(s3: S3Server, tmp_path: Path):
    root = parse_lake(s3.lake_uri(_bucket(s3), "lake"))
    settings = make_settings(tmp_path, lake=lake.location_text(root))
    facts = settings.facts_dir
    assert isinstance(facts, ObjectPath)
    good = filing_file(facts, "AMZN", "0001018724-24-000008")
    assert str(good).endswith("/lake/facts/ticker=AMZN/0001018724-24-000008.parquet")
    for ticker, accession in [
        ("AMZN", "../../../../escape/pwned"),
        ("AMZN", "/etc/passwd"),
        ("AMZN/../../x", "0001018724-24-000008"),
    ]:
        with pytest.raises(UnsafeIdentifierError, match="does not stay below"):
            filing_file(facts, ticker, accession)


def test_the_lake_module_on_an_object_store(s3: S3Server, monkeypatch: pytest.MonkeyPatch):
    bucket = _bucket(s3)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    root = parse_lake(s3.lake_uri(bucket, "unit"))
    first, second = root / "a" / "one.parquet", root / "b" / "two.parquet"
    table = pa.table({"x": [1, 2, 3]})
    assert not lake.is_file(first) and lake.list_files(root) == []

    lake.write_tables([(table, first, {"k": "v"}), (table, second, None)])
    assert lake.is_file(first) and lake.is_file(second)
    assert lake.read_table(first).equals(table.replace_schema_metadata({"k": "v"}))
    assert lake.read_metadata(first) == {"k": "v"}
    assert lake.list_files(root) == [first, second]
    assert lake.list_files(root / "a") == [first]
    assert lake.read_table(lake.parse_location(lake.location_text(first))).equals(
        lake.read_table(first)
    )

    # Everything is serialized before anything is uploaded: a failure leaves both as they were.
    before = _keys(s3, bucket, "unit")
    real = lake._serialize

    def fail_second(t: pa.Table) -> pa.Buffer:
        if t.num_rows == 1:
            raise pa.ArrowInvalid("injected serialization failure")
        return real(t)

    monkeypatch.setattr(lake, "_serialize", fail_second)
    with pytest.raises(pa.ArrowInvalid, match="injected"):
        lake.write_tables([(table, first, None), (pa.table({"x": [9]}), second, None)])
    assert _keys(s3, bucket, "unit") == before
    assert lake.read_metadata(first) == {"k": "v"}
