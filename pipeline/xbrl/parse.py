"""parse_facts: any supported source -> deduplicated numeric facts as an Arrow table."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline.xbrl.dedupe import dedupe
from pipeline.xbrl.errors import NoXbrlError
from pipeline.xbrl.facts import facts_to_table
from pipeline.xbrl.inline import parse_inline, scan_inline
from pipeline.xbrl.instance import is_instance, parse_instance
from pipeline.xbrl.source import load_document, parse_xml


def parse_facts(source: str | Path | bytes, *, keep_duplicates: bool = False) -> pa.Table:
    """Parse the numeric facts of a filing into a table of ``FACT_SCHEMA``.

    ``source`` is a path or the bytes of a full-submission.txt, an inline XBRL document
    (.htm) or an XBRL instance (.xml). Values are exact decimals in their unit. Raises
    XbrlParseError (a ValueError) for input that cannot give trustworthy facts; a single
    unreadable number gives a row with ``value`` null and ``flags`` saying why.
    ``keep_duplicates=True`` skips deduplication (every tagged fact, for audits).
    """
    doc = load_document(source)
    root, doc_flag = parse_xml(doc)
    if is_instance(root):
        facts = parse_instance(root, doc.name, doc_flag)
    elif (scan := scan_inline(root)) is not None:
        facts = parse_inline(root, scan, doc.name, doc_flag)
    else:
        raise NoXbrlError(
            f"{doc.name}: no XBRL: neither inline XBRL elements nor an xbrli:xbrl root "
            f"(root element is {root.tag!r})"
        )
    if keep_duplicates:
        return facts_to_table(facts)
    return facts_to_table(facts, *dedupe(facts))
