"""Every numeric fact of the two newest 10-Ks against independent extractions.

1. A deliberately different second implementation in this file: the stdlib's streaming
   ``html.parser`` (no lxml, no XPath), its own number cleaning and its own context
   reading. Always runs.
2. Arelle (``arelle-release``, offline, optional test extra): skipped when not installed.

Both are compared fact by fact (by ix ``id``) with ``parse_facts(..., keep_duplicates=True)``
(same count, same concept, context, unit and exact value), then the deduplicated output is
checked against the independent extraction's own deduplication.

Known differences, asserted explicitly rather than ignored:
- Arelle 2.47's released transform registry has no ``ixt-sec:numwordsen``: it reports
  ``(ixTransformValueError)`` for those facts (AMZN: 3, WMT: 17 in these two filings). Our
  value there is checked against the word as displayed ("three" -> 3, "none" -> 0).
- Arelle gives nil facts the value "" (we give null with is_nil true).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from pipeline.xbrl import parse_facts
from tests.xbrl.conftest import filing_file

NEWEST_10KS = [
    ("AMZN", "0001018724-25-000004", "amzn-20241231.htm"),
    ("WMT", "0000104169-25-000021", "wmt-20250131.htm"),
]
# The number words that occur in these filings, read from the documents.
WORDS = {"no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


class _Scanner(HTMLParser):
    """Collect ix:nonFraction facts, contexts and units from a stream of tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts: list[dict] = []
        self.open: list[dict] = []
        self.contexts: dict[str, dict] = {}
        self.units: dict[str, dict] = {}
        self.ctx: dict | None = None
        self.unit: dict | None = None
        self.field: str | None = None
        self.buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "ix:nonfraction":
            rec = {"attrs": a, "text": []}
            self.facts.append(rec)
            self.open.append(rec)
        elif tag == "xbrli:context":
            self.ctx = {"start": None, "end": None, "dims": []}
            self.contexts[a["id"]] = self.ctx
        elif tag == "xbrli:unit":
            self.unit = {"num": [], "den": [], "in_den": False}
            self.units[a["id"]] = self.unit
        elif tag == "xbrli:unitdenominator" and self.unit is not None:
            self.unit["in_den"] = True
        elif tag in ("xbrli:startdate", "xbrli:enddate", "xbrli:instant", "xbrli:measure"):
            self.field, self.buf = tag, []
        elif tag in ("xbrldi:explicitmember", "xbrldi:typedmember"):
            self.field, self.buf = "dim:" + a["dimension"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "ix:nonfraction":
            self.open.pop()
        elif tag == "xbrli:context":
            self.ctx = None
        elif tag == "xbrli:unit":
            self.unit = None
        elif self.field is not None and (tag == self.field or self.field.startswith("dim:")):
            text = "".join(self.buf).strip()
            if self.field == "xbrli:measure" and self.unit is not None:
                self.unit["den" if self.unit["in_den"] else "num"].append(text.split(":")[-1])
            elif self.field.startswith("dim:") and self.ctx is not None:
                self.ctx["dims"].append(f"{self.field[4:]}={text}")
            elif self.ctx is not None:
                key = {"xbrli:startdate": "start", "xbrli:enddate": "end"}.get(self.field, "end")
                self.ctx[key] = text
            self.field = None

    def handle_data(self, data: str) -> None:
        for rec in self.open:
            rec["text"].append(data)
        if self.field is not None:
            self.buf.append(data)


def _independent_value(attrs: dict, text: str) -> Decimal | None:
    if attrs.get("xsi:nil") == "true":
        return None
    fmt = (attrs.get("format") or "").split(":")[-1]
    text = text.strip()
    if fmt == "fixed-zero":
        number = Decimal(0)
    elif fmt == "numwordsen":
        number = Decimal(WORDS[text.lower()])
    else:
        number = Decimal(text.replace(",", ""))
    value = number * Decimal(10) ** int(attrs.get("scale") or 0)
    return -value if attrs.get("sign") == "-" else value


def _scan(data: bytes) -> dict[str, dict]:
    scanner = _Scanner()
    scanner.feed(data.decode("utf-8"))
    out = {}
    for rec in scanner.facts:
        a = rec["attrs"]
        ctx = scanner.contexts[a["contextref"]]
        unit = scanner.units[a["unitref"]]
        unit_name = "*".join(unit["num"]) + ("/" + "*".join(unit["den"]) if unit["den"] else "")
        dec = a.get("decimals")
        out[a["id"]] = {
            "concept": a["name"],
            "context_id": a["contextref"],
            "unit": unit_name,
            "value": _independent_value(a, "".join(rec["text"])),
            "decimals": None if dec in (None, "INF") else int(dec),
            "key": (a["name"], ctx["start"], ctx["end"], ";".join(sorted(ctx["dims"])), unit_name),
            "rank": float("inf") if dec == "INF" else (float(dec) if dec else float("-inf")),
        }
    return out


def _ours(path) -> tuple[dict[str, dict], list[dict]]:
    raw = {r["fact_id"]: r for r in parse_facts(path, keep_duplicates=True).to_pylist()}
    return raw, parse_facts(path).to_pylist()


@pytest.mark.parametrize("key", NEWEST_10KS, ids=lambda k: k[0])
def test_every_fact_matches_a_stdlib_html_parser_extraction(key) -> None:
    path = filing_file(*key)
    theirs = _scan(path.read_bytes())
    raw, deduped = _ours(path)
    assert len(raw) == len(theirs) > 1000  # same count of tagged facts
    assert set(raw) == set(theirs)
    mismatches = [
        (fid, raw[fid]["concept"], raw[fid]["value"], t["value"])
        for fid, t in theirs.items()
        if (raw[fid]["concept"], raw[fid]["context_id"], raw[fid]["unit"], raw[fid]["value"])
        != (t["concept"], t["context_id"], t["unit"], t["value"])
    ]
    assert mismatches == []
    # Deduplicated: one row per (concept, period, dimensions, unit); the kept row is the
    # most precise duplicate. (No duplicates in these filings disagree: no conflicts.)
    groups: dict[tuple, list[dict]] = {}
    for t in theirs.values():
        groups.setdefault(t["key"], []).append(t)
    assert len(deduped) == len(groups)
    assert not any(r["is_conflict"] for r in deduped)
    best = {k: max(g, key=lambda t: t["rank"]) for k, g in groups.items()}
    ours_by_key = {
        (
            r["concept"],
            r["period_start"] and r["period_start"].isoformat(),
            r["period_end"].isoformat(),
            r["dimensions"],
            r["unit"],
        ): r
        for r in deduped
    }
    assert set(ours_by_key) == set(best)
    assert all(ours_by_key[k]["value"] == best[k]["value"] for k in best)


@pytest.mark.parametrize("key", NEWEST_10KS, ids=lambda k: k[0])
def test_every_fact_matches_arelle(key) -> None:
    pytest.importorskip("arelle", reason="arelle-release not installed (optional test extra)")
    from arelle import Cntlr

    path = filing_file(*key)
    cntlr = Cntlr.Cntlr(logFileName="logToBuffer")
    cntlr.webCache.workOffline = True
    model = cntlr.modelManager.load(str(path))
    try:
        theirs = {f.id: f for f in model.facts if f.localName == "nonFraction"}
        units = {uid: u for uid, u in model.units.items()}
    finally:
        cntlr.modelManager.close()
    raw, _ = _ours(path)
    assert len(raw) == len(theirs) > 1000
    assert set(raw) == set(theirs)
    transform_failures = Counter()
    for fid, f in theirs.items():
        ours = raw[fid]
        assert ours["concept"] == str(f.qname)
        assert ours["context_id"] == f.contextID
        assert units[f.unitID] is not None
        if f.isNil:
            assert ours["is_nil"] and ours["value"] is None and f.value == ""
        elif f.value == "(ixTransformValueError)":
            assert f.get("format").endswith("numwordsen")
            transform_failures[key[0]] += 1
            shown = "".join(f.itertext()).strip().lower()
            assert ours["value"] == WORDS[shown]
        else:
            assert ours["value"] == Decimal(f.value), (fid, f.qname, f.value)
    assert transform_failures[key[0]] == {"AMZN": 3, "WMT": 17}[key[0]]
