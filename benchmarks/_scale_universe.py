"""Synthetic EDGAR universes for ``bench_scale.py``: the real documents under synthetic keys.

A universe of N filings clones the real companies of a corpus folder (``filings.csv`` +
``<TICKER>/<ACCESSION>/<files>``, e.g. ``../shared/edgar``) round-robin: clone k is company
``SYN<k>`` with a synthetic CIK (``9`` followed by nine digits, above every CIK SEC has
issued) and every filing of the real company it copies (oldest first; the last clone may be
partial), each under a synthetic accession number ``<CIK>-<YY>-<NNNNNN>``. Forms, dates, the
fiscal year end and the documents stay the real ones, so the XBRL periods agree with the SEC
header the stand-in writes from ``filings.csv``. Documents are symlinked, never copied, and
nothing is written into the source folder.

Beside the N served filings, ``extra`` filings are held back (the stand-in's
``exclude_accessions``) to be published one at a time as "new": each is a company's newest
not yet held back, taken round-robin over the companies, and they are published oldest
first, so each is newer than everything its company has served so far (as the new-filings
sensor's cursor requires).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SYNTHETIC_CIK_BASE = 9_000_000_000  # SEC's CIKs are far below; clone k gets BASE + k


@dataclass(frozen=True)
class Universe:
    """A synthetic corpus folder: N served filings and the held-back ones, oldest first."""

    folder: Path
    tickers: tuple[str, ...]
    served: tuple[str, ...]  # accession numbers served from the start
    held_back: tuple[str, ...]  # accession numbers to publish one by one, in this order
    rows: dict[str, dict[str, str]]  # accession number -> its filings.csv row


def _order(row: dict[str, str]) -> tuple[str, str]:
    return row["filing_date"], row["accession_number"]


def read_source(corpus: Path) -> tuple[list[str], list[list[dict[str, str]]]]:
    """``filings.csv``'s columns, and its rows grouped by company (CIK), oldest first."""
    with (corpus / "filings.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    if not rows:
        raise SystemExit(f"{corpus / 'filings.csv'} lists no filings: nothing to clone")
    companies: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        companies.setdefault(row["cik"], []).append(row)
    return columns, [sorted(group, key=_order) for group in companies.values()]


Pair = tuple[dict[str, str], dict[str, str]]  # (synthetic row, the real row it copies)


def _clones(templates: list[list[dict[str, str]]]) -> Iterator[list[Pair]]:
    """Each clone's rows, re-keyed: company k copies template k mod len(templates)."""
    k = 0
    while True:
        k += 1
        cik = f"{SYNTHETIC_CIK_BASE + k:010d}"
        template = templates[(k - 1) % len(templates)]
        ticker = f"SYN{k:04d}"
        company = f"SYNTHETIC {k:04d} (CLONE OF {template[0]['company']})"
        yield [
            (
                {
                    **row,
                    "ticker": ticker,
                    "cik": cik,
                    "company": company,
                    "accession_number": f"{cik}-{row['filing_date'][2:4]}-{n:06d}",
                },
                row,
            )
            for n, row in enumerate(template, start=1)
        ]


def plan(corpus: Path, size: int) -> tuple[list[str], list[Pair]]:
    """``filings.csv``'s columns and the (synthetic, real) rows of a universe of ``size``."""
    columns, templates = read_source(corpus)
    pairs: list[Pair] = []
    for clone in _clones(templates):
        pairs += clone[: size - len(pairs)]
        if len(pairs) == size:
            break
    return columns, pairs


def choose_held_back(rows: list[dict[str, str]], extra: int) -> list[str]:
    """``extra`` accessions to hold back: round-robin, each company's newest not yet taken,
    keeping at least one filing served per company; returned oldest first."""
    by_company: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_company.setdefault(row["cik"], []).append(row)
    stacks = [sorted(group, key=_order) for group in by_company.values()]
    taken: list[dict[str, str]] = []
    while len(taken) < extra:
        progressed = False
        for stack in stacks:
            if len(taken) < extra and len(stack) > 1:
                taken.append(stack.pop())
                progressed = True
        if not progressed:
            raise SystemExit(
                f"cannot hold back {extra} filings and keep one served per company: "
                "use fewer --repeats or a larger size"
            )
    return [r["accession_number"] for r in sorted(taken, key=_order)]


def build(corpus: Path, folder: Path, filings: int, extra: int) -> Universe:
    """Write a universe of ``filings`` served + ``extra`` held-back filings into ``folder``."""
    corpus, folder = corpus.resolve(), folder.resolve()
    if folder == corpus or corpus in folder.parents:
        raise SystemExit(f"refusing to write the synthetic corpus inside {corpus}")
    columns, pairs = plan(corpus, filings + extra)
    rows = [row for row, _ in pairs]
    held = choose_held_back(rows, extra)
    folder.mkdir(parents=True)
    for row, real in pairs:
        source = corpus / real["ticker"] / real["accession_number"]
        target = folder / row["ticker"] / row["accession_number"]
        target.mkdir(parents=True)
        for name in filter(None, row["files"].split(";")):
            (target / name).symlink_to(source / name)
    with (folder / "filings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    held_set = set(held)
    return Universe(
        folder=folder,
        tickers=tuple(dict.fromkeys(r["ticker"] for r in rows)),
        served=tuple(r["accession_number"] for r in rows if r["accession_number"] not in held_set),
        held_back=tuple(held),
        rows={r["accession_number"]: r for r in rows},
    )
