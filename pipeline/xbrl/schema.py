"""Arrow schemas shared by the XBRL parser, the Parquet datasets and the warehouse.

``FACT_SCHEMA`` is what :func:`pipeline.xbrl.parse_facts` returns: one row per numeric
fact of one document. The Parquet datasets prepend ``FILING_FIELDS`` (which filing the
row came from). ``LINE_ITEM_SCHEMA`` is one resolved line item per filing and period.
"""

from __future__ import annotations

import pyarrow as pa

# Exact decimal: 28 integer digits, 10 fractional. Values that need more are flagged.
VALUE_TYPE = pa.decimal128(38, 10)

FILING_FIELDS: list[pa.Field] = [
    pa.field("ticker", pa.string(), nullable=False),
    pa.field("cik", pa.string(), nullable=False),
    pa.field("accession_number", pa.string(), nullable=False),
    pa.field("form", pa.string(), nullable=False),
    pa.field("filing_date", pa.date32(), nullable=False),
]

FACT_SCHEMA = pa.schema(
    [
        pa.field("concept", pa.string(), nullable=False),  # prefix:name, e.g. us-gaap:Revenues
        pa.field("namespace", pa.string(), nullable=False),  # namespace URI of the concept
        pa.field("value", VALUE_TYPE),  # null when xsi:nil
        pa.field("unit", pa.string()),  # USD, shares, pure, USD/shares
        pa.field("decimals", pa.int32()),  # null for INF or absent
        pa.field("period_type", pa.string(), nullable=False),  # duration | instant
        pa.field("period_start", pa.date32()),  # null for instants
        pa.field("period_end", pa.date32(), nullable=False),  # end date, or the instant
        pa.field("dimensions", pa.string(), nullable=False),  # "axis=member;..." sorted; "" total
        pa.field("context_id", pa.string(), nullable=False),
        pa.field("fact_id", pa.string()),
        pa.field("is_hidden", pa.bool_(), nullable=False),  # sat in ix:hidden
        pa.field("is_nil", pa.bool_(), nullable=False),
        pa.field("is_conflict", pa.bool_(), nullable=False),  # duplicate that disagrees
        pa.field("flags", pa.string(), nullable=False),  # problems found, "" when none
        pa.field("source_document", pa.string(), nullable=False),  # file name in the filing
        pa.field("source_format", pa.string(), nullable=False),  # inline | instance
    ]
)

LINE_ITEM_SCHEMA = pa.schema(
    [
        *FILING_FIELDS,
        pa.field("line_item", pa.string(), nullable=False),  # e.g. revenue, capex
        pa.field("concept", pa.string(), nullable=False),  # the concept that was used
        pa.field("value", VALUE_TYPE),  # null: the concept's facts conflict or are unreadable
        pa.field("unit", pa.string(), nullable=False),
        pa.field("decimals", pa.int32()),
        pa.field("period_start", pa.date32(), nullable=False),
        pa.field("period_end", pa.date32(), nullable=False),
        pa.field("fact_id", pa.string()),
        pa.field("context_id", pa.string(), nullable=False),
    ]
)

FILING_FACT_SCHEMA = pa.schema([*FILING_FIELDS, *FACT_SCHEMA])
