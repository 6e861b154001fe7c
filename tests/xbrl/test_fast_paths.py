"""The speed-ups give exactly what the plain definitions give."""

from __future__ import annotations

import random
from decimal import Decimal

from pipeline.xbrl.numbers import fits_value_type, parse_xsd_decimal, read_xsd_value


def _definition(text: str) -> tuple[Decimal | None, str]:
    try:
        value = parse_xsd_decimal(text)
    except ValueError as exc:
        return None, f"bad_number: {exc}"
    if not fits_value_type(value):
        return None, f"value_out_of_range: {value}"
    return value, ""


BOUNDARY = [
    "", " ", ".", "+", "-.", "+.5", "5.", ".5", " -0 ", "007", "1e3", "NaN", "1_000",
    "9" * 27 + ".9999999999999", "9" * 28, "-" + "9" * 28 + ".5", "9" * 28 + ".845716704",
    "1" + "0" * 28, "0" * 40 + "1", "1." + "0" * 10 + "1", "1." + "1" * 10 + "0" * 50,
]  # fmt: skip


def _random_numbers(n: int) -> list[str]:
    rng = random.Random(7)
    out = []
    for _ in range(n):
        whole = "".join(rng.choices("0123456789", k=rng.choice([0, 1, 3, 27, 28, 29])))
        frac = "".join(rng.choices("0123456789", k=rng.choice([0, 2, 10, 11])))
        frac += "0" * rng.choice([0, 0, 5])
        out.append(rng.choice(["", "-", "+"]) + whole + (f".{frac}" if rng.random() < 0.6 else ""))
    return out


def test_read_xsd_value_matches_definition() -> None:
    for text in BOUNDARY + _random_numbers(3000):
        got, want = read_xsd_value(text), _definition(text)
        assert got == want, text
        if got[0] is not None and want[0] is not None:
            assert got[0].as_tuple() == want[0].as_tuple(), text  # same digits and exponent
