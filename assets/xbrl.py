"""XBRL layer: parse each filing's facts and line items into Parquet, one partition per filing."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from assets.edgar import CATALOG_KEY
from assets.partitions import FILINGS
from pipeline.edgar.catalog import record_parse_outcomes
from pipeline.metadata import column_schema, failure_check_metadata
from pipeline.resources import PipelineSettings
from pipeline.xbrl import PARSER_VERSION
from pipeline.xbrl.datasets import ParsedFiling, parse_filing, read_catalog
from pipeline.xbrl.schema import FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA

GROUP = "xbrl"
OWNERS = ["team:data-eng"]
FACTS_KEY = AssetKey([GROUP, "facts"])
LINE_ITEMS_KEY = AssetKey([GROUP, "line_items"])
ALL_PARSED_CHECK = "every_filing_parsed"


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
            code_version=PARSER_VERSION,
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
            code_version=PARSER_VERSION,
            group_name=GROUP,
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            ALL_PARSED_CHECK,
            asset=FACTS_KEY,
            description="Every filing of the run's partitions was downloaded and parsed.",
        )
    ],
    backfill_policy=BackfillPolicy.single_run(),
)
def parsed_filings(context: AssetExecutionContext, settings: PipelineSettings):
    """Parse the filings of the run's partitions.

    A filing that cannot be parsed (or was not downloaded) does not stop the others: its
    reason is recorded in the catalog (status ``parse_failed``), in this step's metadata,
    and in the ``every_filing_parsed`` check (ERROR severity); the other filings flow on
    to the warehouse in the same run. The previous Parquet files of a failed filing stay.
    """
    resolved = settings.settings()
    catalog = read_catalog(resolved)
    keys = context.partition_keys
    parsed: list[ParsedFiling] = []
    failed: dict[str, str] = {}
    for number, accession in enumerate(keys, start=1):
        filing = catalog.get(accession)
        if filing is None:
            failed[accession] = "not in the filings catalog (not downloaded?)"
        elif filing.get("status") == "download_failed":
            failed[accession] = f"not downloaded: {filing.get('error')}"
        else:
            try:
                parsed.append(parse_filing(resolved, filing))
            except (ValueError, OSError) as exc:
                failed[accession] = str(exc).splitlines()[0]
        if accession in failed:
            context.log.error(f"{accession}: {failed[accession]}")
        if number % 10 == 0 or number == len(keys):
            context.log.info(f"parsed {number}/{len(keys)} filings ({len(failed)} failed)")
    parse_failures = {a: why for a, why in failed.items() if a in catalog}
    record_parse_outcomes(
        resolved.catalog_path, parse_failures, {p.accession_number for p in parsed}
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
            "failed_filings": MetadataValue.json(failed),
            "filings": preview,
        },
        check_results=[
            AssetCheckResult(
                check_name=ALL_PARSED_CHECK,
                passed=not failed,
                severity=AssetCheckSeverity.ERROR,
                metadata=failure_check_metadata(failed),
            )
        ],
    )
    yield MaterializeResult(
        asset_key=LINE_ITEMS_KEY,
        metadata={
            "dagster/row_count": sum(p.line_items for p in parsed),
            "dagster/column_schema": column_schema(LINE_ITEM_SCHEMA),
            "filings": preview,
        },
    )
