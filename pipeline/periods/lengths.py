"""Reasonable period lengths (XBRL US rule DQC_0006) and the date tolerance for matching."""

from __future__ import annotations

# Inclusive day counts (end - start + 1), from DQC_0006.
PERIOD_LENGTHS: dict[str, tuple[int, int]] = {
    "quarter": (77, 119),
    "six_months": (154, 204),
    "nine_months": (238, 287),
    "year": (350, 379),
}

# A reported start/end may sit this many days from the nominal (month-end) calendar date and
# still match it: 52/53-week filers end their year on a weekday near the nominal date.
DATE_TOLERANCE_DAYS = 7


def length_class(days: int) -> str:
    """The DQC_0006 length class of a period of ``days`` days, or ``"other"``."""
    for name, (low, high) in PERIOD_LENGTHS.items():
        if low <= days <= high:
            return name
    return "other"
