"""Small hand-written inline XBRL and instance documents for unit tests."""

from __future__ import annotations

_CIK = '<xbrli:identifier scheme="http://www.sec.gov/CIK">0001018724</xbrli:identifier>'


def context(cid: str, period: str, segment: str = "") -> str:
    """An xbrli:context; ``period`` is "2024-01-01/2024-12-31" or an instant "2024-12-31"."""
    if "/" in period:
        start, end = period.split("/")
        p = f"<xbrli:startDate>{start}</xbrli:startDate><xbrli:endDate>{end}</xbrli:endDate>"
    else:
        p = f"<xbrli:instant>{period}</xbrli:instant>"
    seg = f"<xbrli:segment>{segment}</xbrli:segment>" if segment else ""
    return (
        f'<xbrli:context id="{cid}"><xbrli:entity>{_CIK}{seg}</xbrli:entity>'
        f"<xbrli:period>{p}</xbrli:period></xbrli:context>\n"
    )


def _explicit(axis: str, member: str) -> str:
    return f'<xbrldi:explicitMember dimension="{axis}">{member}</xbrldi:explicitMember>'


CONTEXTS = (
    context("FY24", "2024-01-01/2024-12-31")
    + context("FY23", "2023-01-01/2023-12-31")
    + context("FY24b", "2024-01-01/2024-12-31")
    + context("I24", "2024-12-31")
    + context(
        "AWS24",
        "2024-01-01/2024-12-31",
        _explicit("us-gaap:StatementBusinessSegmentsAxis", "amzn:AWSSegmentMember")
        + _explicit("srt:ProductOrServiceAxis", "amzn:ComputeMember"),
    )
    + context(
        "TYPED",
        "2024-12-31",
        '<xbrldi:typedMember dimension="amzn:TrancheAxis"><amzn:Tranche> 7 </amzn:Tranche>'
        "</xbrldi:typedMember>",
    )
)

UNITS = """
<xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
<xbrli:unit id="shares"><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unit>
<xbrli:unit id="number"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>
<xbrli:unit id="usdPerShare"><xbrli:divide>
  <xbrli:unitNumerator><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unitNumerator>
  <xbrli:unitDenominator><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unitDenominator>
</xbrli:divide></xbrli:unit>
"""

NS = (
    'xmlns="http://www.w3.org/1999/xhtml" xmlns:ix="http://www.xbrl.org/2013/inlineXBRL" '
    'xmlns:ixt="http://www.xbrl.org/inlineXBRL/transformation/2020-02-12" '
    'xmlns:ixt-sec="http://www.sec.gov/inlineXBRL/transformation/2015-08-31" '
    'xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:xbrldi="http://xbrl.org/2006/xbrldi" '
    'xmlns:iso4217="http://www.xbrl.org/2003/iso4217" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:us-gaap="http://fasb.org/us-gaap/2024" xmlns:srt="http://fasb.org/srt/2024" '
    'xmlns:dei="http://xbrl.sec.gov/dei/2024" xmlns:amzn="http://www.amazon.com/20241231"'
)


def inline_doc(body: str, hidden: str = "", contexts: str = CONTEXTS, units: str = UNITS) -> bytes:
    """An inline XBRL document with ``body`` (XHTML with ix facts) and the test contexts."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<html {NS}><head><title>t</title></head><body>
<div style="display:none"><ix:header><ix:hidden>{hidden}</ix:hidden>
<ix:resources>{contexts}{units}</ix:resources></ix:header></div>
{body}
</body></html>
""".encode()


def nf(name: str, text: str, ctx: str = "FY24", unit: str = "usd", **attrs: str) -> str:
    """One ix:nonFraction element (attrs: decimals, scale, format, sign, id ...)."""
    attrs.setdefault("decimals", "-6")
    extra = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return (
        f'<ix:nonFraction name="{name}" contextRef="{ctx}" unitRef="{unit}" {extra}>'
        f"{text}</ix:nonFraction>"
    )


LINK_NS = (
    'xmlns:link="http://www.xbrl.org/2003/linkbase" xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def instance_doc(items: str, contexts: str = CONTEXTS, units: str = UNITS) -> bytes:
    """A classic XBRL instance with ``items`` (us-gaap:X elements) and the test contexts."""
    ns = NS.replace('xmlns="http://www.w3.org/1999/xhtml" ', "")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<xbrli:xbrl {ns} {LINK_NS}>
<link:schemaRef xlink:type="simple" xlink:href="t.xsd"/>
{contexts}{units}
{items}
</xbrli:xbrl>
""".encode()
