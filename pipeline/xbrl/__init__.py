"""XBRL parsing: inline XBRL and classic instances -> exact numeric facts (no Dagster import).

Public API: :func:`parse_facts`, :class:`XbrlParseError`, and
:func:`pipeline.xbrl.line_items.resolve_line_items`.
"""

from __future__ import annotations

from pipeline.xbrl.errors import NoXbrlError, TransformError, XbrlParseError
from pipeline.xbrl.parse import parse_facts

__all__ = ["NoXbrlError", "TransformError", "XbrlParseError", "parse_facts"]
