"""Inline XBRL number formats (ixt v1-v4 and ixt-sec): displayed text -> exact Decimal.

Formats are matched on their local name (``ixt:num-dot-decimal`` -> ``num-dot-decimal``);
the registry names of ixt 1-4 and the SEC's ixt-sec set do not collide. The result is the
displayed magnitude: ``scale`` and ``sign`` are applied by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from pipeline.xbrl.errors import TransformError

_ZERO = Decimal(0)
# Spaces that may group digits: space, no-break space, narrow no-break space, thin space.
_SPACES = " \u00a0\u202f\u2009"
_WS = " \t\r\n\u00a0\u202f\u2009"

_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_DOT_DECIMAL = re.compile(r"[0-9]{1,3}(?:[, \u00a0\u202f\u2009']?[0-9]{3})*(?:\.[0-9]*)?|\.[0-9]+")
_COMMA_DECIMAL = re.compile(r"[0-9]{1,3}(?:[. \u00a0\u202f\u2009']?[0-9]{3})*(?:,[0-9]*)?|,[0-9]+")
# Free-form digit runs ("1234567.89") are valid in both grouped formats too.
_UNGROUPED_DOT = re.compile(r"[0-9]+(?:\.[0-9]*)?")
_UNGROUPED_COMMA = re.compile(r"[0-9]+(?:,[0-9]*)?")
# Digit grouping removed in one pass; for num-comma-decimal "," becomes the "." mark.
_DROP_DOT_GROUPING = str.maketrans(dict.fromkeys(",'" + _SPACES))
_COMMA_TO_DOT = str.maketrans({**dict.fromkeys(".'" + _SPACES), ",": "."})


def _plain(text: str) -> Decimal:
    """No format: the content must be an unsigned xsd:decimal."""
    t = text.strip(_WS)
    if not _PLAIN.fullmatch(t):
        raise TransformError(f"{t[:40]!r} is not a plain number")
    return Decimal(t)


def _dot_decimal(text: str) -> Decimal:
    t = text.strip(_WS)
    if not (_DOT_DECIMAL.fullmatch(t) or _UNGROUPED_DOT.fullmatch(t)):
        raise TransformError(f"{t[:40]!r} is not a number with '.' as decimal mark")
    return Decimal(t.translate(_DROP_DOT_GROUPING).rstrip(".") or "0")


def _comma_decimal(text: str) -> Decimal:
    t = text.strip(_WS)
    if not (_COMMA_DECIMAL.fullmatch(t) or _UNGROUPED_COMMA.fullmatch(t)):
        raise TransformError(f"{t[:40]!r} is not a number with ',' as decimal mark")
    return Decimal(t.translate(_COMMA_TO_DOT).rstrip(".") or "0")


def _fixed_zero(text: str) -> Decimal:
    """fixed-zero / zerodash / numdash: the displayed text (a dash, "no", "-") means 0."""
    return _ZERO


def _no_content(text: str) -> Decimal:
    raise TransformError("format nocontent gives no value, which a numeric fact cannot hold")


_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NONE_WORDS = {"no", "none", "zero", "nil"}


def _below_thousand(toks: list[str], i: int, text: str) -> tuple[int, int]:
    """Parse ``[unit|a] [hundred] [and] [tens[-unit] | teen | unit]`` starting at ``i``."""
    n = len(toks)
    value = 0
    start = i
    if i + 1 < n and toks[i + 1] == "hundred" and (toks[i] == "a" or toks[i] in _UNITS):
        multiplier = 1 if toks[i] == "a" else _UNITS[toks[i]]
        if multiplier == 0:
            raise TransformError(f"{text!r}: 'zero hundred' is not a number")
        value, i = multiplier * 100, i + 2
        if i < n and toks[i] == "and":
            i += 1
    elif i < n and toks[i] == "hundred":
        value, i = 100, i + 1
    if i < n and toks[i] in _TENS:
        value += _TENS[toks[i]]
        i += 1
        if i < n and toks[i] in _UNITS and toks[i] != "zero":
            value += _UNITS[toks[i]]
            i += 1
    elif i < n and toks[i] in _TEENS:
        value += _TEENS[toks[i]]
        i += 1
    elif i < n and toks[i] in _UNITS and toks[i] != "zero":
        value += _UNITS[toks[i]]
        i += 1
    elif i < n and toks[i] == "a" and i + 1 < n and toks[i + 1] in _SCALES:
        value, i = 1, i + 1
    if i == start:
        raise TransformError(f"{text!r}: unexpected word {toks[i]!r}")
    return value, i


def words_to_int(text: str) -> int:
    """English number words to an integer: "three" -> 3, "twenty-one" -> 21,
    "one hundred" -> 100, "two thousand and five" -> 2005, "no"/"none" -> 0.
    """
    toks = [t for t in re.split(r"[\s,\-\u2010\u2011\u2013]+", text.strip(_WS).lower()) if t]
    if not toks:
        raise TransformError("empty text is not a number in words")
    if len(toks) == 1 and toks[0] in _NONE_WORDS:
        return 0
    if len(toks) == 1 and toks[0].isdigit():  # ixt-sec numwordsen also accepts digits
        return int(toks[0])
    total, i, last_scale = 0, 0, None
    while i < len(toks):
        group, i = _below_thousand(toks, i, text)
        if i < len(toks) and toks[i] in _SCALES:
            scale = _SCALES[toks[i]]
            if last_scale is not None and scale >= last_scale:
                raise TransformError(f"{text!r}: scale words out of order")
            total += group * scale
            last_scale = scale
            i += 1
            if i < len(toks) and toks[i] == "and":
                i += 1
        else:
            total += group
            if i != len(toks):
                raise TransformError(f"{text!r}: unexpected word {toks[i]!r}")
    return total


def _num_words(text: str) -> Decimal:
    return Decimal(words_to_int(text))


_FORMATS: dict[str, Callable[[str], Decimal]] = {
    # ixt v4/v5 (2020-02-12, 2022) names
    "num-dot-decimal": _dot_decimal,
    "num-comma-decimal": _comma_decimal,
    "fixed-zero": _fixed_zero,
    # ixt v1-v3 names
    "numdotdecimal": _dot_decimal,
    "numcommadecimal": _comma_decimal,
    "numcomma": _comma_decimal,
    "numcommadot": _dot_decimal,
    "numdotcomma": _comma_decimal,
    "numspacedot": _dot_decimal,
    "numspacecomma": _comma_decimal,
    "zerodash": _fixed_zero,
    "numdash": _fixed_zero,
    "nocontent": _no_content,
    # ixt-sec (SEC 2015-08-31 ... ) and ixt v4 word forms
    "numwordsen": _num_words,
    "num-word-en": _num_words,
}


def apply_format(fmt: str | None, text: str) -> Decimal:
    """Turn displayed text into a non-negative Decimal under an ix ``format`` (QName or None).

    Raises TransformError for an unknown format or text the format does not accept.
    """
    if fmt is None:
        return _plain(text)
    local = fmt.rpartition(":")[2]
    fn = _FORMATS.get(local)
    if fn is None:
        raise TransformError(f"unsupported format {fmt!r}")
    return fn(text)
