"""Number formats and the English number-word grammar."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.xbrl.errors import TransformError
from pipeline.xbrl.transforms import apply_format, words_to_int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", 0),
        ("No", 0),
        ("none", 0),
        ("zero", 0),
        ("one", 1),
        ("three", 3),
        ("twelve", 12),
        ("twenty", 20),
        ("twenty-one", 21),
        ("twenty one", 21),
        ("ninety-nine", 99),
        ("one hundred", 100),
        ("a hundred", 100),
        ("one hundred and five", 105),
        ("three hundred forty-two", 342),
        ("one thousand", 1000),
        ("two thousand and five", 2005),
        ("one million two hundred thousand", 1_200_000),
        ("seven billion, three hundred million", 7_300_000_000),
        (" Five ", 5),
    ],
)
def test_number_words(text: str, value: int) -> None:
    assert words_to_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "one two", "twenty twenty", "thousand million", "three and", "many", "one-ish"]
)
def test_number_words_rejects_nonsense(text: str) -> None:
    with pytest.raises(TransformError):
        words_to_int(text)


@pytest.mark.parametrize(
    ("fmt", "text", "value"),
    [
        (None, "2722", "2722"),
        (None, "0.01", "0.01"),
        ("ixt:num-dot-decimal", "82,999", "82999"),
        ("ixt:num-dot-decimal", "1,234,567.89", "1234567.89"),
        ("ixt:num-dot-decimal", "9.3", "9.3"),
        ("ixt:num-dot-decimal", "1 234", "1234"),
        ("ixt:numdotdecimal", "1,234.5", "1234.5"),  # ixt v1-v3 name
        ("ixt:num-comma-decimal", "1.234,5", "1234.5"),
        ("ixt:numcommadecimal", "12,75", "12.75"),
        ("ixt:fixed-zero", "—", "0"),
        ("ixt:zerodash", "-", "0"),
        ("ixt:numdash", "–", "0"),
        ("ixt-sec:numwordsen", "three", "3"),
        ("ixt-sec:numwordsen", "none", "0"),
    ],
)
def test_formats(fmt: str | None, text: str, value: str) -> None:
    assert apply_format(fmt, text) == Decimal(value)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (None, "1,234"),  # grouping needs a format
        (None, "(82)"),
        ("ixt:num-dot-decimal", "12,3a4"),
        ("ixt:num-dot-decimal", "1,23"),
        ("ixt:num-dot-decimal", ""),
        ("ixt:num-comma-decimal", "1,2,3"),
        ("ixt:nocontent", ""),
        ("ixt:date-month-day", "1/31"),  # not a number format
    ],
)
def test_formats_reject(fmt: str | None, text: str) -> None:
    with pytest.raises(TransformError):
        apply_format(fmt, text)
