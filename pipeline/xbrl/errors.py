"""Exceptions raised by the XBRL parser."""

from __future__ import annotations


class XbrlParseError(ValueError):
    """A document that cannot be read into trustworthy facts (message names source and problem)."""


class NoXbrlError(XbrlParseError):
    """A well-formed filing that simply carries no XBRL (e.g. filed before XBRL was required)."""


class TransformError(ValueError):
    """Displayed text that an inline XBRL format cannot turn into a number."""
