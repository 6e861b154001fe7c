"""``python -m pipeline.warehouse [--full-refresh]``: load the warehouse from Settings' Parquet."""

from __future__ import annotations

import argparse
import sys

from pipeline.config import Settings
from pipeline.warehouse.load import load_from_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-refresh", action="store_true", help="empty raw tables first")
    args = parser.parse_args()
    settings = Settings.from_env()
    result = load_from_settings(settings, full_refresh=args.full_refresh)
    print(f"loaded {result.warehouse_path}; accessions staged: {result.accessions_staged}")
    for table, rows in result.row_counts.items():
        print(f"  {table:<32} {rows:>10,}")
    for skipped in result.rejected:
        print(f"NOT LOADED {skipped.line()}", file=sys.stderr)
    return 1 if result.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
