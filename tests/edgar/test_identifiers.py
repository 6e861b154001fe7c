"""Strict identifier checks and the contained path join (pipeline/identifiers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.identifiers import (
    UnsafeIdentifierError,
    check_accession,
    check_cik,
    check_document_name,
    check_form,
    check_ticker,
    contained_path,
)

ESCAPE = "../../../../escape/pwned"


def test_valid_values_pass_and_are_normalised(corpus_rows):
    for row in corpus_rows:
        assert check_accession(row["accession_number"]) == row["accession_number"]
        assert check_cik(row["cik"]) == row["cik"]
        assert check_cik(int(row["cik"])) == row["cik"]
        assert check_ticker(row["ticker"].lower()) == row["ticker"]
        assert check_form(row["form"]) == row["form"]
        for name in [row["primary_document"], *row["files"].split(";")]:
            assert check_document_name(name) == name
    assert check_cik("1018724") == "0001018724"
    for form in ("10-K/A", "10-Q/A", "SC 13G/A", "DEF 14A", "424B2", "NT 10-K", "10-K405"):
        assert check_form(form) == form
    assert check_ticker("BRK-B") == "BRK-B"
    assert check_ticker("BF.A") == "BF.A"


@pytest.mark.parametrize(
    ("check", "bad"),
    [
        (check_accession, ESCAPE),
        (check_accession, "0001018724-24-00008"),
        (check_accession, "0001018724-24-000008\n"),
        (check_accession, "0001018724/24/000008"),
        (check_accession, None),
        (check_cik, "12345678901"),
        (check_cik, "-1"),
        (check_cik, "1018724 "),
        (check_cik, ""),
        (check_cik, True),
        (check_ticker, "../x"),
        (check_ticker, "A..B"),
        (check_ticker, "A/B"),
        (check_ticker, "WMT'; DROP"),
        (check_ticker, "1ABC"),
        (check_ticker, ""),
        (check_form, "10-K\n"),
        (check_form, "../10-K"),
        (check_form, "10-k"),
        (check_form, "10-K" + "X" * 20),
        (check_document_name, "../amzn.htm"),
        (check_document_name, "a/b.htm"),
        (check_document_name, "a\\b.htm"),
        (check_document_name, ".hidden"),
        (check_document_name, "amzn..htm"),
        (check_document_name, "a\x00.htm"),
        (check_document_name, ""),
    ],
)
def test_bad_values_are_refused_in_one_line_naming_field_value_and_source(check, bad):
    with pytest.raises(UnsafeIdentifierError) as caught:
        check(bad, "the test's input")
    message = str(caught.value)
    assert "\n" not in message
    assert repr(bad)[:20] in message
    assert "from the test's input" in message
    assert isinstance(caught.value, ValueError)


def test_long_values_are_truncated_in_the_message():
    with pytest.raises(UnsafeIdentifierError) as caught:
        check_accession("9" * 5000)
    assert len(str(caught.value)) < 200


def test_contained_path_joins_inside_base(tmp_path):
    assert contained_path(tmp_path, "a", "b.txt") == tmp_path / "a" / "b.txt"
    assert contained_path(str(tmp_path), "a/../b") == tmp_path / "a/../b"


@pytest.mark.parametrize(
    "parts",
    [(ESCAPE,), ("a", "..", ".."), ("..",), ("a", ".."), ("/etc/passwd",), ("a\x00b",)],
)
def test_contained_path_refuses_escapes(tmp_path, parts):
    base = tmp_path / "data"
    base.mkdir()
    with pytest.raises(UnsafeIdentifierError, match=r"path .* is refused") as caught:
        contained_path(base, *parts, source="a test")
    assert "from a test" in str(caught.value)


def test_contained_path_follows_symlinks(tmp_path):
    base = tmp_path / "data"
    base.mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", base / "link")
    with pytest.raises(UnsafeIdentifierError):
        contained_path(base, "link", "x.parquet")
    # A base that is itself reached through a symlink is fine.
    os.symlink(base, tmp_path / "alias")
    assert contained_path(tmp_path / "alias", "x") == Path(tmp_path / "alias" / "x")
