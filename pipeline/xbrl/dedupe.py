"""Duplicate facts: keep the most precise, flag the ones that disagree.

Duplicates share concept, unit and context meaning (period and dimensions; two context ids
with the same period and dimensions are the same context). Within a group:

- facts whose value could not be read (flags set, value null) are always kept;
- nil facts are dropped when a non-nil duplicate exists (nil says nothing);
- the most precise fact is kept (decimals INF > higher decimals > absent; ties: first in
  document order). Every other fact is compared with it at the other fact's decimals: if
  rounding both to those decimals gives different numbers (or the precisions are equal and
  the values differ), the two disagree and both are kept with ``is_conflict`` true.
"""

from __future__ import annotations

from pipeline.xbrl.facts import Fact
from pipeline.xbrl.numbers import round_to_decimals


def _agrees(best: Fact, other: Fact) -> bool:
    assert best.value is not None and other.value is not None
    if best.value == other.value:
        return True
    if other.decimals_inf or other.decimals is None:
        return False  # an exact (or unqualified) value must equal the other exactly
    d = other.decimals
    return round_to_decimals(best.value, d) == round_to_decimals(other.value, d)


def _resolve(group: list[Fact]) -> list[Fact]:
    broken = [f for f in group if f.value is None and not f.is_nil]
    valued = [f for f in group if f.value is not None]
    nils = [f for f in group if f.is_nil]
    if not valued:
        return broken + nils[:1]
    # max() keeps the first of equals: document order breaks ties.
    best = max(valued, key=lambda f: f.precision_rank)
    conflicts = [f for f in valued if f is not best and not _agrees(best, f)]
    if conflicts:
        best.is_conflict = True
        for f in conflicts:
            f.is_conflict = True
    return [best, *conflicts, *broken]


def dedupe(facts: list[Fact]) -> list[Fact]:
    """Collapse duplicate facts (see module docstring); keeps document order of survivors."""
    groups: dict[tuple, list[Fact]] = {}
    for f in facts:
        key = (f.concept, f.unit, f.period_start, f.period_end, f.dimensions)
        groups.setdefault(key, []).append(f)
    keep: set[int] = set()
    for group in groups.values():
        if len(group) == 1:
            keep.add(id(group[0]))
        else:
            keep.update(id(f) for f in _resolve(group))
    return [f for f in facts if id(f) in keep]
