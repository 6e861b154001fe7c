"""Query results as text: a table or markdown for people, CSV or JSON for programs.

Every value is written from DuckDB's exact Python value, never through a float: BIGINT and
HUGEINT arrive as ``int``, DECIMAL as ``Decimal``. ``table`` and ``markdown`` group digits
(``386,064,000,000``) and drop a decimal's trailing zeros (``0.25`` for ``0.250000``);
``csv`` and ``json`` write the same exact digits without grouping. In JSON, integers are
JSON integers and decimals exact JSON numbers (their digits written out, never rounded);
dates and times are ISO 8601 strings; a DOUBLE's NaN or infinity is a string
(``"NaN"``, ``"Infinity"``, ``"-Infinity"``), as JSON has no such numbers.

The table is drawn here, not by a library: none is a declared dependency (rich and tabulate
arrive only through Dagster's own), and DuckDB's ``show()`` formats DECIMAL(38,10) with all
ten zeros and without grouping.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

FORMATS = ("table", "csv", "json", "markdown")
HUMAN_FORMATS = frozenset({"table", "markdown"})  # cut at --max-rows unless told otherwise
BATCH_ROWS = 1000  # rows fetched from DuckDB at a time while streaming

_NUMERIC_TYPES = frozenset(
    {
        *("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "VARINT", "BIGNUM"),
        *("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"),
        *("DECIMAL", "FLOAT", "DOUBLE"),
    }
)


@dataclass(frozen=True)
class Column:
    """A result column: its name and DuckDB type (``DECIMAL(38,10)``, ``BIGINT``, ...)."""

    name: str
    type: str

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (right-aligned in a table)."""
        return re.split(r"[(\s]", self.type.upper(), maxsplit=1)[0] in _NUMERIC_TYPES


def plain_decimal(value: Decimal) -> str:
    """A decimal's exact digits, no exponent, no trailing zeros: ``386064000000``, ``0.25``."""
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def human(value: Any) -> str:
    """A value as people read it: grouped digits, exact; NULL spelled out."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        text = plain_decimal(value)
        whole, dot, fraction = text.partition(".")
        return f"{int(whole):,}{dot}{fraction}" if whole != "-0" else text
    if isinstance(value, float):
        return f"{value:,}" if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple | dict):
        return json_value(value)
    return str(value)


def exact(value: Any) -> str:
    """A value as a CSV field: exact digits without grouping, ISO dates, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same double
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json_value(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def json_value(value: Any) -> str:
    """A value as JSON text, exact (see the module docstring for the choices)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return plain_decimal(value) if value.is_finite() else json.dumps(str(value))
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return '"NaN"' if math.isnan(value) else ('"Infinity"' if value > 0 else '"-Infinity"')
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ",".join(f"{json.dumps(str(k))}:{json_value(v)}" for k, v in value.items()) + "}"
        )
    return json.dumps(exact(value), ensure_ascii=False)


def write_csv(columns: list[Column], rows: Iterable[tuple], out: TextIO) -> None:
    """A header line, then one line per row (RFC 4180 quoting, ``\\n`` line ends)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([exact(v) for v in row])


def write_json(columns: list[Column], rows: Iterable[tuple], out: TextIO) -> None:
    """A JSON array of objects keyed by column name, one row per line (streamed)."""
    keys = [json.dumps(c.name, ensure_ascii=False) for c in columns]
    separator = "[\n"
    for row in rows:
        fields = ",".join(f"{k}:{json_value(v)}" for k, v in zip(keys, row, strict=True))
        out.write(f"{separator}{{{fields}}}")
        separator = ",\n"
    out.write("[]\n" if separator == "[\n" else "\n]\n")


def write_markdown(columns: list[Column], rows: Iterable[tuple], out: TextIO) -> None:
    """A GitHub-flavoured markdown table, numbers grouped and right-aligned."""

    def cell(value: Any) -> str:
        return human(value).replace("|", "\\|").replace("\n", " ")

    out.write("| " + " | ".join(cell(c.name) for c in columns) + " |\n")
    out.write("|" + "|".join("---:" if c.numeric else "---" for c in columns) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(cell(v) for v in row) + " |\n")


def write_table(
    columns: list[Column], rows: Iterable[tuple], out: TextIO, max_width: int = 200
) -> None:
    """A boxed table like DuckDB's: names and types on top, numbers grouped, right-aligned.

    A cell longer than ``max_width`` characters is cut, ending in ``…``. The rows are held
    in memory to size the columns (``--max-rows`` bounds them).
    """

    def cell(value: Any) -> str:
        text = human(value).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    heads = [cell(c.name) for c in columns]
    types = [c.type.lower() for c in columns]
    widths = [
        max([len(heads[i]), len(types[i]), *(len(r[i]) for r in cells)])
        for i in range(len(columns))
    ]

    def line(left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (w + 2) for w in widths) + right + "\n"

    def row_line(texts: list[str], align: Callable[[int, str, int], str]) -> str:
        return (
            "│"
            + "│".join(
                f" {align(i, t, w)} " for i, (t, w) in enumerate(zip(texts, widths, strict=True))
            )
            + "│\n"
        )

    def centred(_: int, text: str, width: int) -> str:
        return text.center(width)

    def aligned(i: int, text: str, width: int) -> str:
        return text.rjust(width) if columns[i].numeric else text.ljust(width)

    out.write(line("┌", "┬", "┐"))
    out.write(row_line(heads, centred))
    out.write(row_line(types, centred))
    out.write(line("├", "┼", "┤"))
    for texts in cells:
        out.write(row_line(texts, aligned))
    out.write(line("└", "┴", "┘"))


WRITERS = {"csv": write_csv, "json": write_json, "markdown": write_markdown}


def fetch_rows(cursor: Any, limit: int | None) -> tuple[Iterator[tuple], Callable[[], bool]]:
    """Rows of a DuckDB cursor in batches, at most ``limit`` (None: all).

    Returns the rows and a function telling, once they are consumed, whether rows were left
    out because of ``limit``.
    """
    cut = False

    def rows() -> Iterator[tuple]:
        nonlocal cut
        sent = 0
        while True:
            want = BATCH_ROWS if limit is None else min(BATCH_ROWS, limit - sent + 1)
            batch = cursor.fetchmany(want)
            if not batch:
                return
            for row in batch:
                if limit is not None and sent == limit:
                    cut = True
                    return
                sent += 1
                yield row

    return rows(), lambda: cut


def write_result(
    cursor: Any,
    out: TextIO,
    fmt: str = "table",
    *,
    max_rows: int | None = None,
    max_width: int = 200,
) -> bool:
    """Write a DuckDB cursor's result in ``fmt``; True when ``max_rows`` left rows out.

    A statement without a result (``description`` is None) writes nothing.
    """
    if cursor.description is None:
        return False
    columns = [Column(d[0], str(d[1])) for d in cursor.description]
    rows, was_cut = fetch_rows(cursor, max_rows)
    if fmt == "table":
        write_table(columns, rows, out, max_width)
    else:
        WRITERS[fmt](columns, rows, out)
    return was_cut()
