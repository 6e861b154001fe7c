"""Classic XBRL instance (xbrli:xbrl root) -> numeric facts (items with contextRef+unitRef)."""

from __future__ import annotations

from lxml import etree

from pipeline.xbrl.contexts import XBRLI, Context, parse_context, parse_unit
from pipeline.xbrl.errors import XbrlParseError
from pipeline.xbrl.facts import Fact
from pipeline.xbrl.inline import XSI_NIL
from pipeline.xbrl.numbers import fits_value_type, parse_xsd_decimal

XBRL_ROOT = f"{{{XBRLI}}}xbrl"
_CONTEXT = f"{{{XBRLI}}}context"
_UNIT = f"{{{XBRLI}}}unit"
# Namespaces whose top-level elements are not facts.
_NOT_FACTS = tuple(
    f"{{{ns}}}"
    for ns in (XBRLI, "http://www.xbrl.org/2003/linkbase", "http://xbrl.org/2006/xbrldi")
)


def is_instance(root: etree._Element) -> bool:
    """True for a classic XBRL instance document."""
    return root.tag == XBRL_ROOT


def parse_instance(root: etree._Element, source_document: str, doc_flag: str = "") -> list[Fact]:
    """Read every top-level numeric item of an instance (before deduplication).

    Tuples (items nested in other elements) are not read. Raises XbrlParseError for a
    reference to an undefined context or unit.
    """
    contexts: dict[str, Context] = {}
    units: dict[str, str] = {}
    items: list[etree._Element] = []
    for el in root:
        tag = el.tag
        if not isinstance(tag, str):
            continue  # comment or processing instruction
        if tag == _CONTEXT:
            cid, ctx = parse_context(el, source_document)
            contexts[cid] = ctx
        elif tag == _UNIT:
            uid, name = parse_unit(el)
            units[uid] = name
        elif el.get("unitRef") is not None and not tag.startswith(_NOT_FACTS):
            items.append(el)

    facts: list[Fact] = []
    for el in items:
        get = el.get
        namespace, _, local = el.tag[1:].partition("}")
        prefix = el.prefix
        name = f"{prefix}:{local}" if prefix else local
        fact_id = get("id")
        cref = get("contextRef") or ""
        ctx = contexts.get(cref)
        if ctx is None:
            raise XbrlParseError(
                f"{source_document}: fact {fact_id or '?'} ({name}) refers to undefined "
                f"context {cref!r}"
            )
        uref = get("unitRef")
        unit = units.get(uref or "")
        if unit is None:
            raise XbrlParseError(
                f"{source_document}: fact {fact_id or '?'} ({name}) refers to undefined "
                f"unit {uref!r}"
            )
        flags = [doc_flag] if doc_flag else []
        raw_dec = get("decimals")
        decimals, inf = None, False
        if raw_dec is not None:
            raw_dec = raw_dec.strip()
            if raw_dec == "INF":
                inf = True
            else:
                try:
                    decimals = int(raw_dec)
                except ValueError:
                    flags.append(f"bad_decimals: {raw_dec!r}")
        is_nil = get(XSI_NIL) in ("true", "1")
        value = None
        if not is_nil:
            try:
                value = parse_xsd_decimal(el.text or "")
            except ValueError as exc:
                flags.append(f"bad_number: {exc}")
            else:
                if not fits_value_type(value):
                    flags.append(f"value_out_of_range: {value}")
                    value = None
        facts.append(
            Fact(
                concept=name,
                namespace=namespace,
                value=value,
                unit=unit,
                decimals=decimals,
                decimals_inf=inf,
                period_type=ctx.period_type,
                period_start=ctx.start,
                period_end=ctx.end,
                dimensions=ctx.dimensions,
                context_id=cref,
                fact_id=fact_id,
                is_hidden=False,
                is_nil=is_nil,
                flags="; ".join(flags),
                source_document=source_document,
                source_format="instance",
            )
        )
    return facts
