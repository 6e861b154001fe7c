"""xbrli:context and xbrli:unit elements -> periods, dimension strings and unit names."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from lxml import etree

from pipeline.xbrl.errors import XbrlParseError

XBRLI = "http://www.xbrl.org/2003/instance"
XBRLDI = "http://xbrl.org/2006/xbrldi"
_PERIOD = f"{{{XBRLI}}}period"
_START = f"{{{XBRLI}}}startDate"
_END = f"{{{XBRLI}}}endDate"
_INSTANT = f"{{{XBRLI}}}instant"
_FOREVER = f"{{{XBRLI}}}forever"
_SEGMENT = f"{{{XBRLI}}}segment"
_SCENARIO = f"{{{XBRLI}}}scenario"
_ENTITY = f"{{{XBRLI}}}entity"
_EXPLICIT = f"{{{XBRLDI}}}explicitMember"
_TYPED = f"{{{XBRLDI}}}typedMember"
_MEASURE = f"{{{XBRLI}}}measure"
_DIVIDE = f"{{{XBRLI}}}divide"
_NUMERATOR = f"{{{XBRLI}}}unitNumerator"
_DENOMINATOR = f"{{{XBRLI}}}unitDenominator"


class Context(NamedTuple):
    """The period and dimensions of one xbrli:context (equal when the meaning is equal)."""

    period_type: str  # duration | instant
    start: date | None
    end: date
    dimensions: str  # "axis=member;..." sorted, "" when none


def _date(el: etree._Element | None, what: str, cid: str, where: str) -> date:
    text = (el.text or "").strip() if el is not None else ""
    try:
        # xsd:dateTime values keep their date part; XBRL dates mean end of that day.
        return date.fromisoformat(text[:10])
    except ValueError:
        raise XbrlParseError(f"{where}: context {cid!r} has {what} {text!r}, not a date") from None


def _add_dimensions(container: etree._Element, out: list[str]) -> None:
    """Append "axis=member" for each explicit or typed member child of ``container``."""
    for member in container:
        tag = member.tag
        if tag == _EXPLICIT:
            out.append(f"{member.get('dimension')}={(member.text or '').strip()}")
        elif tag == _TYPED:
            value = "".join(member.itertext()).strip()
            out.append(f"{member.get('dimension')}={value}")


def parse_context(el: etree._Element, where: str) -> tuple[str, Context]:
    """Read one xbrli:context element; raise XbrlParseError when its period is unusable."""
    cid = el.get("id") or ""
    period: etree._Element | None = None
    dims: list[str] = []
    for child in el:
        tag = child.tag
        if tag == _PERIOD:
            period = child
        elif tag == _ENTITY:
            for part in child:
                if part.tag == _SEGMENT:
                    _add_dimensions(part, dims)
        elif tag == _SCENARIO:
            _add_dimensions(child, dims)
    if period is None:
        raise XbrlParseError(f"{where}: context {cid!r} has no period")
    start_el = end_el = instant_el = forever_el = None  # the last of each tag counts
    for part in period:
        tag = part.tag
        if tag == _START:
            start_el = part
        elif tag == _END:
            end_el = part
        elif tag == _INSTANT:
            instant_el = part
        elif tag == _FOREVER:
            forever_el = part
    if instant_el is not None:
        ptype, start, end = "instant", None, _date(instant_el, "instant", cid, where)
    elif forever_el is not None:
        raise XbrlParseError(f"{where}: context {cid!r} has a 'forever' period (unsupported)")
    else:
        ptype = "duration"
        start = _date(start_el, "startDate", cid, where)
        end = _date(end_el, "endDate", cid, where)
    if len(dims) > 1:
        dims.sort()
    return cid, Context(ptype, start, end, ";".join(dims))


def _measures(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "*".join(sorted((m.text or "").strip().rpartition(":")[2] for m in el.iter(_MEASURE)))


def parse_unit(el: etree._Element) -> tuple[str, str]:
    """Read one xbrli:unit -> (id, name) with measure local names: USD, shares, USD/shares."""
    uid = el.get("id") or ""
    divide = el.find(_DIVIDE)
    if divide is not None:
        num = _measures(divide.find(_NUMERATOR))
        den = _measures(divide.find(_DENOMINATOR))
        return uid, f"{num}/{den}"
    return uid, _measures(el)


class ContextTable:
    """A document's contexts: id -> number; contexts with equal period and dimensions
    (the same context in meaning) share one number, an index into ``distinct``."""

    __slots__ = ("_numbers", "by_id", "distinct")

    def __init__(self) -> None:
        self.by_id: dict[str, int] = {}
        self.distinct: list[Context] = []
        self._numbers: dict[Context, int] = {}

    def add(self, el: etree._Element, where: str) -> None:
        """Parse one xbrli:context (a later one with the same id replaces the earlier)."""
        cid, ctx = parse_context(el, where)
        number = self._numbers.setdefault(ctx, len(self.distinct))
        if number == len(self.distinct):
            self.distinct.append(ctx)
        self.by_id[cid] = number
