"""Inline XBRL (XHTML with ix: elements) -> numeric facts (ix:nonFraction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from pipeline.xbrl.contexts import XBRLI, ContextTable, parse_unit
from pipeline.xbrl.errors import TransformError, XbrlParseError
from pipeline.xbrl.facts import FactColumns, FactRow
from pipeline.xbrl.numbers import fits_value_type, join_flags, parse_decimals, scale_exact
from pipeline.xbrl.transforms import apply_format

IX_URIS = ("http://www.xbrl.org/2013/inlineXBRL", "http://www.xbrl.org/2008/inlineXBRL")
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_CONTEXT = f"{{{XBRLI}}}context"
_UNIT = f"{{{XBRLI}}}unit"
_HEADER, _NON_FRACTION, _HIDDEN = "header", "nonFraction", "hidden"
_IX_TAGS = {
    f"{{{uri}}}{name}": (uri, name) for uri in IX_URIS for name in (_HEADER, _NON_FRACTION, _HIDDEN)
}


@dataclass
class InlineScan:
    """The elements one walk of an inline XBRL document finds, per ix namespace URI."""

    found: dict[tuple[str, str], list[etree._Element]] = field(default_factory=dict)
    resources: list[etree._Element] = field(default_factory=list)  # contexts and units

    def of(self, uri: str, name: str) -> list[etree._Element]:
        """The ``ix:<name>`` elements of namespace ``uri``, in document order."""
        return self.found.get((uri, name), [])


def scan_inline(root: etree._Element) -> InlineScan | None:
    """Walk the document once; None when it holds no inline XBRL element at all."""
    scan = InlineScan()
    found, resources = scan.found, scan.resources
    for el in root.iter(*_IX_TAGS, _CONTEXT, _UNIT):
        key = _IX_TAGS.get(el.tag)
        if key is None:
            resources.append(el)
        else:
            found.setdefault(key, []).append(el)
    if not any(scan.of(uri, name) for uri in IX_URIS for name in (_HEADER, _NON_FRACTION)):
        return None
    return scan


def _value(el: etree._Element) -> tuple[Decimal | None, str]:
    """The exact value of a non-nil ix:nonFraction -> (Decimal or None, flag)."""
    get = el.get
    text = el.text if len(el) == 0 else "".join(el.itertext())
    try:
        number = apply_format(get("format"), text or "")
        value = scale_exact(number, int(get("scale") or 0))
        if get("sign") == "-":
            value = value.copy_negate()  # exact; unary minus rounds to 28 digits
        if not fits_value_type(value):
            return None, f"value_out_of_range: {value}"
    except TransformError as exc:
        return None, f"bad_number: {exc}"
    except ValueError:
        return None, f"bad_scale: {get('scale')!r}"
    except ArithmeticError:  # more digits than any exact context holds
        return None, "value_out_of_range: too many digits"
    return value, ""


def parse_inline(
    root: etree._Element, scan: InlineScan, source_document: str, doc_flag: str = ""
) -> FactColumns:
    """Read every ix:nonFraction of an inline XBRL document (before deduplication).

    Values are exact: displayed number (via its format) x 10**scale, negated for sign="-".
    Raises XbrlParseError for a reference to an undefined context or unit.
    """
    # The ix namespace in use: the first with an ix:header (the 2013 one when neither has).
    uri = next((u for u in IX_URIS if scan.of(u, _HEADER)), IX_URIS[0])
    contexts = ContextTable()
    units: dict[str, str] = {}
    for el in scan.resources:
        if el.tag == _CONTEXT:
            contexts.add(el, source_document)
        else:
            uid, name = parse_unit(el)
            units[uid] = name
    nf_tag = f"{{{uri}}}{_NON_FRACTION}"
    hidden = {nf for h in scan.of(uri, _HIDDEN) for nf in h.iter(nf_tag)}

    context_numbers = contexts.by_id
    namespaces: dict[str | None, str] = root.nsmap  # type: ignore[assignment]
    rows: list[FactRow] = []
    for el in scan.of(uri, _NON_FRACTION):
        get = el.get
        name = get("name") or ""
        fact_id = get("id")
        cref = get("contextRef") or ""
        context = context_numbers.get(cref)
        if context is None:
            raise XbrlParseError(
                f"{source_document}: fact {fact_id or '?'} ({name}) refers to undefined "
                f"context {cref!r}"
            )
        uref = get("unitRef")
        unit = units.get(uref) if uref is not None else None
        if unit is None:
            raise XbrlParseError(
                f"{source_document}: fact {fact_id or '?'} ({name}) refers to undefined "
                f"unit {uref!r}"
            )
        prefix, _, local = name.rpartition(":")
        namespace = namespaces[prefix] if prefix in namespaces else el.nsmap.get(prefix)
        if not local or namespace is None:
            raise XbrlParseError(
                f"{source_document}: fact {fact_id or '?'} has name {name!r} with an "
                "undeclared prefix"
            )
        decimals, inf, bad_decimals = parse_decimals(get("decimals"))
        is_nil = get(XSI_NIL) in ("true", "1")
        value, problem = (None, "") if is_nil else _value(el)
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
                el in hidden,
                is_nil,
                flags,
            )
        )
    return FactColumns.from_rows(rows, contexts.distinct, source_document, "inline")
