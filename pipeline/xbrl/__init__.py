"""XBRL parsing: inline XBRL and classic instances -> exact numeric facts (no Dagster import).

Public API: :func:`parse_facts`, :class:`XbrlParseError`, and
:func:`pipeline.xbrl.line_items.resolve_line_items`. ``PARSER_VERSION`` is written into
every per-filing Parquet file; bump it whenever the parser's output changes.
"""

from __future__ import annotations

from pipeline.xbrl.errors import NoXbrlError, TransformError, XbrlParseError
from pipeline.xbrl.parse import parse_facts

PARSER_VERSION = "2"  # bump when parse_facts or the line items give different rows

__all__ = ["PARSER_VERSION", "NoXbrlError", "TransformError", "XbrlParseError", "parse_facts"]
