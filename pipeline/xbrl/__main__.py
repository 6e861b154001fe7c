"""``python -m pipeline.xbrl FILE [--concept NAME]``: print a filing's numeric facts as CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from decimal import Decimal

from pipeline.xbrl import XbrlParseError, parse_facts


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # exact, no exponent, no padding zeros
    return "" if value is None else value


def main(argv: list[str] | None = None) -> int:
    """Parse FILE and write its facts as CSV to stdout; exit 2 on unreadable input."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.xbrl", description=__doc__)
    parser.add_argument("file", help="full-submission.txt, inline XBRL .htm or instance .xml")
    parser.add_argument(
        "--concept",
        action="append",
        help="only this concept (prefix:name or local name); repeatable",
    )
    args = parser.parse_args(argv)
    try:
        table = parse_facts(args.file)
    except XbrlParseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wanted = set(args.concept or ())
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        concept = row["concept"]
        if wanted and concept not in wanted and concept.rpartition(":")[2] not in wanted:
            continue
        writer.writerow([_cell(v) for v in row.values()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
