"""The lake module on a local path and on file:// URIs, and the EDGAR_LAKE setting.

The object-store side runs against a real S3 service in
``tests/faults/test_lake_on_object_store.py``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from pipeline import lake
from pipeline.config import ConfigError, Settings
from pipeline.identifiers import UnsafeIdentifierError, contained_key
from pipeline.lake import LakeUriError, ObjectPath, mask_uri, parse_lake


def test_the_default_lake_is_the_data_folders_parquet(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.lake is None and settings.lake_is_local
    assert settings.parquet_dir == tmp_path / "data" / "parquet"
    assert settings.catalog_path == tmp_path / "data" / "parquet" / "catalog" / "filings.parquet"
    assert settings.facts_dir == tmp_path / "data" / "parquet" / "facts"
    assert settings.catalog_lock_path == settings.catalog_path.with_name("filings.parquet.lock")
    assert Settings.from_env({"EDGAR_DATA_DIR": str(tmp_path), "EDGAR_LAKE": " "}).lake is None


def test_a_local_path_or_a_file_uri_is_a_local_lake(tmp_path: Path):
    for value in (str(tmp_path / "lake"), f"file://{tmp_path}/lake/", f"{tmp_path}/x/../lake"):
        settings = Settings.from_env({"EDGAR_DATA_DIR": str(tmp_path), "EDGAR_LAKE": value})
        assert settings.parquet_dir == tmp_path / "lake", value
        assert settings.facts_dir == tmp_path / "lake" / "facts"
        assert settings.catalog_lock_path == tmp_path / "lake" / "catalog" / "filings.parquet.lock"


def test_an_object_store_uri_is_checked_without_a_request_and_kept(tmp_path: Path):
    # No region and no endpoint: pyarrow would look the bucket's region up; the check must not.
    settings = Settings(data_dir=tmp_path, lake="s3://some-bucket/lake/")
    assert settings.lake == "s3://some-bucket/lake"
    assert settings.parquet_dir == ObjectPath("s3://some-bucket/lake")
    assert str(settings.catalog_path) == "s3://some-bucket/lake/catalog/filings.parquet"
    assert settings.catalog_lock_path == tmp_path / "state" / "lake-catalog.lock"
    assert not settings.lake_is_local
    gcs = Settings(data_dir=tmp_path, lake="gs://bucket/prefix").facts_dir
    assert str(gcs) == "gs://bucket/prefix/facts"


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("s3://AKIDEXAMPLE:wJalrXUtnFEMI@bucket/lake", "password"),
        ("s3://bucket/lake?session_token=wJalrXUtnFEMI", "secret"),
        ("s3://bucket/lake?endpoint_override=x&bogus=1", "Unexpected query parameter"),
        ("http://bucket/lake", "Unrecognized filesystem type"),
        ("s3://bucket/lake/./x", "'.' or '..'"),
        ("s3://bucket//lake", "empty segment"),
        ("gs://", "no bucket"),
        ("s3://bucket/lake#x", "fragment"),
        ("mock://lake", "in-memory"),
    ],
)
def test_a_bad_lake_uri_is_one_line_naming_the_setting_without_secrets(
    tmp_path: Path, value: str, needle: str
):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"EDGAR_DATA_DIR": str(tmp_path), "EDGAR_LAKE": value})
    message = str(caught.value)
    assert message.startswith("EDGAR_LAKE=") and needle in message, message
    assert "\n" not in message
    assert "wJalrXUtnFEMI" not in message and "AKIDEXAMPLE" not in message


def test_a_local_lake_that_is_a_file_is_refused(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"^EDGAR_LAKE=.* is a file, not a folder"):
        Settings(data_dir=tmp_path / "data", lake=str(tmp_path / "file"))


def test_mask_uri_hides_user_info_and_query():
    assert mask_uri("s3://key:secret@b/p?endpoint_override=h&x=1") == "s3://***@b/p?…"
    assert mask_uri("s3://b/p") == "s3://b/p"
    assert mask_uri("/local/path") == "/local/path"
    assert str(ObjectPath("s3://b/p?endpoint_override=h:1", "facts/x")) == "s3://b/p/facts/x"


def test_object_keys_are_joined_inside_the_prefix():
    root = ObjectPath("s3://b/lake")
    assert lake.join(root, "facts", "ticker=AMZN", "a.parquet").key == "facts/ticker=AMZN/a.parquet"
    assert (root / "facts").parent == root
    with pytest.raises(ValueError, match="root"):
        _ = root.parent
    for parts in (["../x"], ["/abs"], ["a//b"], ["a", "."], ["a\\b"], ["ok", "x/../../y"]):
        with pytest.raises(UnsafeIdentifierError, match="does not stay below"):
            lake.join(root, *parts)
    assert contained_key("facts", "ticker=A.B", "0001-01-000001.parquet") == (
        "facts/ticker=A.B/0001-01-000001.parquet"
    )


@pytest.fixture(params=["path", "file-uri"])
def local_root(request, tmp_path: Path) -> Path:
    """A local lake root, given as a path or as a file:// URI."""
    text = str(tmp_path / "lake") if request.param == "path" else f"file://{tmp_path}/lake"
    root = parse_lake(text)
    assert root == tmp_path / "lake"
    return root


def test_the_lake_module_on_a_local_lake(local_root: Path):
    first = local_root / "facts" / "ticker=AMZN" / "one.parquet"
    second = local_root / "line_items" / "ticker=AMZN" / "one.parquet"
    table = pa.table({"x": [1, 2, 3]})
    assert lake.list_files(local_root) == [] and not lake.is_file(first)

    lake.write_tables([(table, first, {"k": "v"}), (table, second, None)])
    assert lake.is_file(first) and lake.is_file(second)
    assert lake.read_metadata(first) == {"k": "v"} and lake.read_metadata(second) == {}
    assert lake.read_table(second).equals(table)
    (local_root / "facts" / "notes.txt").write_text("not Parquet")
    assert lake.list_files(local_root) == [first, second]
    assert lake.list_files(local_root / "facts") == [first]
    assert lake.parse_location(lake.location_text(first)) == first
    with pytest.raises(UnsafeIdentifierError):
        lake.join(local_root, "facts", "../../escape")


def test_a_failed_local_write_leaves_every_previous_file(local_root: Path, monkeypatch):
    first, second = local_root / "a.parquet", local_root / "b.parquet"
    lake.write_tables([(pa.table({"x": [1]}), first, None), (pa.table({"x": [1]}), second, None)])
    before = {p: p.read_bytes() for p in (first, second)}
    calls = []
    real = pa.parquet.write_table

    def fail_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("injected write failure")
        return real(*args, **kwargs)

    monkeypatch.setattr("pipeline.parquet_io.pq.write_table", fail_second)
    with pytest.raises(OSError, match="injected"):
        lake.write_tables(
            [(pa.table({"x": [2]}), first, None), (pa.table({"x": [2]}), second, None)]
        )
    assert {p: p.read_bytes() for p in (first, second)} == before
    assert sorted(p.name for p in local_root.iterdir()) == ["a.parquet", "b.parquet"]


def test_parse_lake_keeps_a_uri_with_options_whole():
    root = parse_lake("s3://b/lake/?endpoint_override=127.0.0.1:9000&scheme=http")
    assert isinstance(root, ObjectPath)
    assert root.root == "s3://b/lake?endpoint_override=127.0.0.1:9000&scheme=http"
    location = root / "catalog" / "filings.parquet"
    again = lake.parse_location(lake.location_text(location))
    assert again.target()[1] == location.target()[1] == "b/lake/catalog/filings.parquet"
    with pytest.raises(LakeUriError):
        parse_lake("s3://b/lake?region=us-east-1&scheme=ftp")
