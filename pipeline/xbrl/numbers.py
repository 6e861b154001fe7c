"""Exact decimal helpers: scaling, rounding to ``decimals`` and the Arrow value range."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, Rounded

# xsd:decimal lexical form (no exponent), as used by classic instance documents.
_XSD_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

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
    if not value.is_finite() or abs(value) >= _MAX_ABS:
        return False
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= -_MAX_FRACTION_DIGITS:
        return True
    # More than 10 fractional digits is fine only when the extra ones are zeros.
    return value == value.quantize(Decimal((0, (1,), -_MAX_FRACTION_DIGITS)), context=_WIDE)
