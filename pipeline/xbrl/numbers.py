"""Exact decimal helpers: scaling, rounding to ``decimals`` and the Arrow value range."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, Rounded
from functools import lru_cache

# xsd:decimal lexical form (no exponent), as used by classic instance documents.
_XSD_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# An xsd:decimal (at least one digit) that surely passes fits_value_type: at most 27
# integer digits after leading zeros (28 may round up to 10**28 in abs() at the default
# 28-digit context), at most 10 fractional digits before trailing zeros.
_XSD_DECIMAL_FITS = re.compile(r"(?=[+-]?\.?[0-9])[+-]?0*[0-9]{0,27}(?:\.[0-9]{0,10}0*)?")

# The Arrow value column is decimal128(38, 10): 28 integer digits, 10 fractional.
_MAX_FRACTION_DIGITS = 10
_MAX_ABS = Decimal(10) ** 28
# Enough precision that quantize never rounds or fails on values that fit the column.
_WIDE = Context(prec=120)
# scaleb only shifts the exponent; this context makes any rounding an error, never silent.
_EXACT = Context(prec=120, traps=[Inexact, Rounded])


def parse_xsd_decimal(text: str) -> Decimal:
    """Parse the xsd:decimal lexical form exactly; raise ValueError when it is not one."""
    stripped = text.strip()
    if not _XSD_DECIMAL.fullmatch(stripped):
        raise ValueError(f"{stripped[:40]!r} is not a decimal number")
    return Decimal(stripped)


def read_xsd_value(text: str) -> tuple[Decimal | None, str]:
    """An instance item's text -> (exact value, "") or (None, flag: bad_number / out of range)."""
    stripped = text.strip()
    if _XSD_DECIMAL_FITS.fullmatch(stripped):  # the common case, no range check needed
        return Decimal(stripped), ""
    try:
        value = parse_xsd_decimal(stripped)
    except ValueError as exc:
        return None, f"bad_number: {exc}"
    if fits_value_type(value):  # e.g. 28 integer digits
        return value, ""
    return None, f"value_out_of_range: {value}"


@lru_cache(maxsize=256)
def parse_decimals(raw: str | None) -> tuple[int | None, bool, str]:
    """A ``decimals`` attribute -> (value, is INF, flag); flag "" unless unreadable."""
    if raw is None:
        return None, False, ""
    raw = raw.strip()
    if raw == "INF":
        return None, True, ""
    try:
        return int(raw), False, ""
    except ValueError:
        return None, False, f"bad_decimals: {raw!r}"


def join_flags(*flags: str) -> str:
    """The non-empty flags, "; "-separated."""
    return "; ".join(f for f in flags if f)


def scale_exact(value: Decimal, scale: int) -> Decimal:
    """Multiply by 10**scale without any rounding (an exponent shift; Inexact is trapped)."""
    if scale == 0:
        return value
    return value.scaleb(scale, context=_EXACT)


def round_to_decimals(value: Decimal, decimals: int) -> Decimal:
    """Round to ``decimals`` places (negative: tens, hundreds ...), half to even, exactly."""
    return value.quantize(Decimal((0, (1,), -decimals)), rounding=ROUND_HALF_EVEN, context=_WIDE)


def fits_value_type(value: Decimal) -> bool:
    """True when ``value`` fits decimal128(38, 10) without losing a digit."""
    if not value.is_finite() or value.copy_abs() >= _MAX_ABS:  # copy_abs never rounds
        return False
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= -_MAX_FRACTION_DIGITS:
        return True
    # More than 10 fractional digits is fine only when the extra ones are zeros.
    return value == value.quantize(Decimal((0, (1,), -_MAX_FRACTION_DIGITS)), context=_WIDE)
