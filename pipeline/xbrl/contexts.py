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
    period = el.find(_PERIOD)
    if period is None:
        raise XbrlParseError(f"{where}: context {cid!r} has no period")
    instant = period.find(_INSTANT)
    if instant is not None:
        ptype, start, end = "instant", None, _date(instant, "instant", cid, where)
    elif period.find(_FOREVER) is not None:
        raise XbrlParseError(f"{where}: context {cid!r} has a 'forever' period (unsupported)")
    else:
        ptype = "duration"
        start = _date(period.find(_START), "startDate", cid, where)
        end = _date(period.find(_END), "endDate", cid, where)
    entity = el.find(_ENTITY)
    dims = _dimensions(entity.find(_SEGMENT) if entity is not None else None)
    dims += _dimensions(el.find(_SCENARIO))
    return cid, Context(ptype, start, end, ";".join(sorted(dims)))


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
