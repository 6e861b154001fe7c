"""XBRL layer: parse each filing's facts and line items into Parquet, one partition per filing."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from assets.edgar import CATALOG_KEY
from assets.partitions import FILINGS
from pipeline.metadata import column_schema
from pipeline.resources import PipelineSettings
from pipeline.xbrl.datasets import ParsedFiling, parse_filing, read_catalog
from pipeline.xbrl.schema import FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA

GROUP = "xbrl"
OWNERS = ["team:data-eng"]
FACTS_KEY = AssetKey([GROUP, "facts"])
LINE_ITEMS_KEY = AssetKey([GROUP, "line_items"])


def _table(parsed: list[ParsedFiling]) -> str:
    lines = ["| ticker | accession | facts | line items | parsed from |", "|---|---|---|---|---|"]
    lines += [
        f"| {p.ticker} | {p.accession_number} | {p.facts} | {p.line_items} | "
        f"{p.source_document} ({p.source_format}) |"
        for p in parsed
    ]
    return "\n".join(lines)


@multi_asset(
    specs=[
        AssetSpec(
            FACTS_KEY,
            deps=[CATALOG_KEY],
            description=(
                "Every numeric XBRL fact of each filing, exact (USD to the dollar, not rounded): "
                "concept, value, unit, decimals, period, dimensions, context and fact ids. "
                "data/parquet/facts/ticker=<T>/<accession>.parquet."
            ),
            kinds={"python", "parquet"},
            owners=OWNERS,
            partitions_def=FILINGS,
            code_version="1",
            group_name=GROUP,
        ),
        AssetSpec(
            LINE_ITEMS_KEY,
            deps=[CATALOG_KEY],
            description=(
                "Named line items (revenue, capex, ...) per filing and period, resolved from an "
                "ordered list of candidate concepts (pipeline/xbrl/line_items.toml), each row "
                "naming the concept used. data/parquet/line_items/ticker=<T>/<accession>.parquet."
            ),
            kinds={"python", "parquet"},
            owners=OWNERS,
            partitions_def=FILINGS,
            code_version="1",
            group_name=GROUP,
        ),
    ],
    backfill_policy=BackfillPolicy.single_run(),
)
def parsed_filings(context: AssetExecutionContext, settings: PipelineSettings):
    """Parse the filings of the run's partitions; a filing that fails is named, others land."""
    resolved = settings.settings()
    catalog = read_catalog(resolved)
    keys = context.partition_keys
    parsed: list[ParsedFiling] = []
    failed: dict[str, str] = {}
    for number, accession in enumerate(keys, start=1):
        filing = catalog.get(accession)
        if filing is None:
            failed[accession] = "not in the filings catalog (not downloaded?)"
        else:
            try:
                parsed.append(parse_filing(resolved, filing))
            except (ValueError, OSError) as exc:
                failed[accession] = str(exc)
        if accession in failed:
            context.log.error(f"{accession}: {failed[accession]}")
        elif number % 10 == 0 or number == len(keys):
            context.log.info(f"parsed {number}/{len(keys)} filings")
    if failed:
        raise Failure(
            description=(
                f"{len(failed)} of {len(keys)} filing(s) could not be parsed (the other "
                f"{len(parsed)} landed): "
                + "; ".join(f"{acc}: {why}" for acc, why in sorted(failed.items()))
            ),
            metadata={"failed": MetadataValue.json(failed)},
        )
    without_xbrl = [p.accession_number for p in parsed if p.source_format == "none"]
    if without_xbrl:
        context.log.warning(f"filings without XBRL (no facts): {', '.join(without_xbrl)}")
    per_company: dict[str, int] = {}
    for p in parsed:
        per_company[p.ticker] = per_company.get(p.ticker, 0) + p.facts
    preview = MetadataValue.md(_table(parsed))
    yield MaterializeResult(
        asset_key=FACTS_KEY,
        metadata={
            "dagster/row_count": sum(p.facts for p in parsed),
            "dagster/column_schema": column_schema(FILING_FACT_SCHEMA),
            "facts_per_company": MetadataValue.json(per_company),
            "filings_without_xbrl": MetadataValue.json(without_xbrl),
            "filings": preview,
        },
    )
    yield MaterializeResult(
        asset_key=LINE_ITEMS_KEY,
        metadata={
            "dagster/row_count": sum(p.line_items for p in parsed),
            "dagster/column_schema": column_schema(LINE_ITEM_SCHEMA),
            "filings": preview,
        },
    )
