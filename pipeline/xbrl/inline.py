"""Inline XBRL (XHTML with ix: elements) -> numeric facts (ix:nonFraction)."""

from __future__ import annotations

from lxml import etree

from pipeline.xbrl.contexts import XBRLI, Context, parse_context, parse_unit
from pipeline.xbrl.errors import TransformError, XbrlParseError
from pipeline.xbrl.facts import Fact
from pipeline.xbrl.numbers import fits_value_type, scale_exact
from pipeline.xbrl.transforms import apply_format

IX_URIS = ("http://www.xbrl.org/2013/inlineXBRL", "http://www.xbrl.org/2008/inlineXBRL")
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_CONTEXT = f"{{{XBRLI}}}context"
_UNIT = f"{{{XBRLI}}}unit"


def is_inline(root: etree._Element) -> bool:
    """True when the document holds any inline XBRL element."""
    for uri in IX_URIS:
        if next(root.iter(f"{{{uri}}}header", f"{{{uri}}}nonFraction"), None) is not None:
            return True
    return False


def _namespace(el: etree._Element, prefix: str, cache: dict[str, str | None]) -> str | None:
    if prefix in cache:
        return cache[prefix]
    return el.nsmap.get(prefix)


def _decimals(raw: str | None, where: str) -> tuple[int | None, bool, str]:
    """decimals attribute -> (value, is_inf, flag)."""
    if raw is None:
        return None, False, ""
    raw = raw.strip()
    if raw == "INF":
        return None, True, ""
    try:
        return int(raw), False, ""
    except ValueError:
        return None, False, f"bad_decimals: {raw!r}"


def parse_inline(root: etree._Element, source_document: str, doc_flag: str = "") -> list[Fact]:
    """Read every ix:nonFraction of an inline XBRL document (before deduplication).

    Values are exact: displayed number (via its format) x 10**scale, negated for sign="-".
    Raises XbrlParseError for a reference to an undefined context or unit.
    """
    uri = next(
        (u for u in IX_URIS if next(root.iter(f"{{{u}}}header"), None) is not None), IX_URIS[0]
    )
    nf_tag, hidden_tag = f"{{{uri}}}nonFraction", f"{{{uri}}}hidden"
    contexts: dict[str, Context] = {}
    units: dict[str, str] = {}
    hidden: set[etree._Element] = set()
    elements: list[etree._Element] = []
    for el in root.iter(nf_tag, _CONTEXT, _UNIT, hidden_tag):
        tag = el.tag
        if tag == nf_tag:
            elements.append(el)
        elif tag == _CONTEXT:
            cid, ctx = parse_context(el, source_document)
            contexts[cid] = ctx
        elif tag == _UNIT:
            uid, name = parse_unit(el)
            units[uid] = name
        else:
            hidden.update(el.iter(nf_tag))

    ns_cache: dict[str, str | None] = dict(root.nsmap)  # type: ignore[arg-type]
    facts: list[Fact] = []
    for el in elements:
        get = el.get
        name = get("name") or ""
        fact_id = get("id")
        cref = get("contextRef") or ""
        ctx = contexts.get(cref)
        if ctx is None:
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
        namespace = _namespace(el, prefix, ns_cache)
        if not local or namespace is None:
            raise XbrlParseError(
                f"{source_document}: fact {fact_id or '?'} has name {name!r} with an "
                "undeclared prefix"
            )
        decimals, inf, flag = _decimals(get("decimals"), source_document)
        flags = [doc_flag] if doc_flag else []
        if flag:
            flags.append(flag)
        value = None
        is_nil = get(XSI_NIL) in ("true", "1")
        if not is_nil:
            text = el.text if len(el) == 0 else "".join(el.itertext())
            try:
                number = apply_format(get("format"), text or "")
                value = scale_exact(number, int(get("scale") or 0))
                if get("sign") == "-":
                    value = -value
                if not fits_value_type(value):
                    flags.append(f"value_out_of_range: {value}")
                    value = None
            except TransformError as exc:
                flags.append(f"bad_number: {exc}")
            except ValueError:
                flags.append(f"bad_scale: {get('scale')!r}")
            except ArithmeticError:  # more digits than any exact context holds
                flags.append("value_out_of_range: too many digits")
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
                is_hidden=el in hidden,
                is_nil=is_nil,
                flags="; ".join(flags),
                source_document=source_document,
                source_format="inline",
            )
        )
    return facts
