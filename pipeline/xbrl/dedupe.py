"""Duplicate facts: keep the most precise, flag the ones that disagree.

Duplicates share concept, unit and context meaning (period and dimensions; two context ids
with the same period and dimensions are the same context). Within a group:

- facts whose value could not be read (flags set, value null) are always kept;
- nil facts are dropped when a non-nil duplicate exists (nil says nothing);
- the most precise fact is kept (decimals INF > higher decimals > absent; ties: first in
  document order). Every other fact is compared with it at the other fact's decimals: if
  rounding both to those decimals gives different numbers (or the precisions are equal and
  the values differ), the two disagree and both are kept with ``is_conflict`` true.

Facts are row numbers into :class:`~pipeline.xbrl.facts.FactColumns`.
"""

from __future__ import annotations

from pipeline.xbrl.facts import FactColumns
from pipeline.xbrl.numbers import round_to_decimals


def _agrees(cols: FactColumns, best: int, other: int) -> bool:
    best_value, other_value = cols.value[best], cols.value[other]
    assert best_value is not None and other_value is not None
    if best_value == other_value:
        return True
    d = cols.decimals[other]
    if cols.decimals_inf[other] or d is None:
        return False  # an exact (or unqualified) value must equal the other exactly
    return round_to_decimals(best_value, d) == round_to_decimals(other_value, d)


def _resolve(cols: FactColumns, group: list[int]) -> tuple[list[int], list[int]]:
    """One group of duplicates (document order) -> (rows kept, rows in conflict)."""
    value, is_nil = cols.value, cols.is_nil
    broken = [i for i in group if value[i] is None and not is_nil[i]]
    valued = [i for i in group if value[i] is not None]
    if not valued:
        nils = [i for i in group if is_nil[i]]
        return broken + nils[:1], []
    # max() keeps the first of equals: document order breaks ties.
    best = max(valued, key=cols.precision_rank)
    conflicts = [i for i in valued if i != best and not _agrees(cols, best, i)]
    return [best, *conflicts, *broken], ([best, *conflicts] if conflicts else [])


def dedupe(cols: FactColumns) -> tuple[list[int] | None, frozenset[int]]:
    """Collapse duplicate facts (see module docstring).

    Returns the surviving row numbers in document order (None: every row survives) and the
    row numbers whose ``is_conflict`` is true.
    """
    first: dict[tuple[str, str, int], int] = {}
    groups: dict[int, list[int]] = {}  # first row -> every row of its group
    for i, key in enumerate(zip(cols.concept, cols.unit, cols.context, strict=True)):
        j = first.setdefault(key, i)
        if j != i:
            groups.setdefault(j, [j]).append(i)
    if not groups:
        return None, frozenset()
    dropped: set[int] = set()
    conflicts: set[int] = set()
    for group in groups.values():
        kept, disagree = _resolve(cols, group)
        dropped.update(set(group).difference(kept))
        conflicts.update(disagree)
    keep = [i for i in range(len(cols)) if i not in dropped]
    return keep, frozenset(conflicts)
