"""xbrli:context and xbrli:unit elements -> periods, dimension strings and unit names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True, slots=True)
class Context:
    """The period and dimensions of one xbrli:context."""

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


def _dimensions(container: etree._Element | None) -> list[str]:
    if container is None:
        return []
    out = []
    for member in container:
        if member.tag == _EXPLICIT:
            out.append(f"{member.get('dimension')}={(member.text or '').strip()}")
        elif member.tag == _TYPED:
            value = "".join(member.itertext()).strip()
            out.append(f"{member.get('dimension')}={value}")
    return out


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
                    dims += _dimensions(part)
        elif tag == _SCENARIO:
            dims += _dimensions(child)
    if period is None:
        raise XbrlParseError(f"{where}: context {cid!r} has no period")
    parts = {p.tag: p for p in period}
    if _INSTANT in parts:
        ptype, start, end = "instant", None, _date(parts[_INSTANT], "instant", cid, where)
    elif _FOREVER in parts:
        raise XbrlParseError(f"{where}: context {cid!r} has a 'forever' period (unsupported)")
    else:
        ptype = "duration"
        start = _date(parts.get(_START), "startDate", cid, where)
        end = _date(parts.get(_END), "endDate", cid, where)
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
