"""Classic XBRL instance (xbrli:xbrl root) -> numeric facts (items with contextRef+unitRef)."""

from __future__ import annotations

from lxml import etree

from pipeline.xbrl.contexts import XBRLI, ContextTable, parse_unit
from pipeline.xbrl.errors import XbrlParseError
from pipeline.xbrl.facts import FactColumns, FactRow
from pipeline.xbrl.inline import XSI_NIL
from pipeline.xbrl.numbers import join_flags, parse_decimals, read_xsd_value

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


def parse_instance(root: etree._Element, source_document: str, doc_flag: str = "") -> FactColumns:
    """Read every top-level numeric item of an instance (before deduplication).

    Tuples (items nested in other elements) are not read. Raises XbrlParseError for a
    reference to an undefined context or unit.
    """
    contexts = ContextTable()
    units: dict[str, str] = {}
    items: list[etree._Element] = []
    for el in root:
        tag = el.tag
        if not isinstance(tag, str):
            continue  # comment or processing instruction
        if tag == _CONTEXT:
            contexts.add(el, source_document)
        elif tag == _UNIT:
            uid, name = parse_unit(el)
            units[uid] = name
        elif el.get("unitRef") is not None and not tag.startswith(_NOT_FACTS):
            items.append(el)

    context_numbers = contexts.by_id
    rows: list[FactRow] = []
    for el in items:
        get = el.get
        namespace, _, local = el.tag[1:].partition("}")
        prefix = el.prefix
        name = f"{prefix}:{local}" if prefix else local
        fact_id = get("id")
        cref = get("contextRef") or ""
        context = context_numbers.get(cref)
        if context is None:
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
        decimals, inf, bad_decimals = parse_decimals(get("decimals"))
        is_nil = get(XSI_NIL) in ("true", "1")
        value, problem = (None, "") if is_nil else read_xsd_value(el.text or "")
        flags = (
            join_flags(doc_flag, bad_decimals, problem)
            if doc_flag or bad_decimals or problem
            else ""
        )
        rows.append(
            (
                name,
                namespace,
                value,
                unit,
                decimals,
                inf,
                context,
                cref,
                fact_id,
                False,
                is_nil,
                flags,
            )
        )
    return FactColumns.from_rows(rows, contexts.distinct, source_document, "instance")
