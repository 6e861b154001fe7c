"""The one line ``edgar-pipeline run`` prints for an error outside any step."""

from __future__ import annotations

import errno

from pipeline.cli import _root_message
from pipeline.parquet_io import DiskFullError


def _raised(make) -> BaseException:
    try:
        make()
    except BaseException as exc:  # the chain is what is tested
        return exc
    raise AssertionError("nothing raised")


def test_an_error_raised_from_none_is_the_message_not_its_context() -> None:
    def make() -> None:
        try:
            raise OSError("Could not set lock on file")
        except OSError:
            raise TimeoutError("warehouse w.duckdb is locked by pid 7; wait for it") from None

    assert _root_message(_raised(make)) == (
        "TimeoutError: warehouse w.duckdb is locked by pid 7; wait for it"
    )


def test_our_error_wrapping_a_library_error_names_the_file() -> None:
    def make() -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise DiskFullError("f.parquet: disk full while writing Parquet") from exc

    assert _root_message(_raised(make)) == (
        "DiskFullError: f.parquet: disk full while writing Parquet"
    )


def test_dagster_wrappers_are_skipped() -> None:
    from dagster import DagsterError

    def make() -> None:
        try:
            raise ValueError("the real cause\nsecond line")
        except ValueError as exc:
            raise DagsterError("Error occurred while executing op") from exc

    assert _root_message(_raised(make)) == "ValueError: the real cause"
