"""XBRL layer: parse each filing's facts and line items into Parquet, one partition per filing."""

from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from assets.edgar import CATALOG_KEY
from assets.partitions import FILINGS, add_partition_metadata, identity
from pipeline.automation.partition_ranges import range_problem, reparse_forced
from pipeline.edgar.catalog import record_parse_outcomes
from pipeline.metadata import column_schema, failure_check_metadata
from pipeline.resources import PipelineSettings
from pipeline.xbrl import PARSER_VERSION, datasets
from pipeline.xbrl.datasets import (
    CURRENT_BY_FOOTERS,
    present_files,
    read_catalog,
)
from pipeline.xbrl.fan_out import outcomes
from pipeline.xbrl.schema import FILING_FACT_SCHEMA, LINE_ITEM_SCHEMA

GROUP = "xbrl"
OWNERS = ["team:data-eng"]
FACTS_KEY = AssetKey([GROUP, "facts"])
LINE_ITEMS_KEY = AssetKey([GROUP, "line_items"])
ALL_PARSED_CHECK = "every_filing_parsed"
# The run-wide metadata names at most this many filings (it is copied to every partition).
LISTED = 20
PROGRESS_EVERY = 10


class ParseConfig(Config):
    """``reparse: true`` re-parses every filing of the range, even if unchanged, as the run
    tag ``edgar/reparse=true`` or a backfill does; for launchers that set run config but not
    tags (``dagster asset materialize --config-json``)."""

    reparse: bool = False


def _first(names: dict[str, str] | list[str]) -> dict[str, str] | list[str]:
    """At most LISTED of ``names`` (a dict keeps its first LISTED items)."""
    if isinstance(names, dict):
        return dict(list(names.items())[:LISTED])
    return names[:LISTED]


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
            metadata={"dagster/column_schema": column_schema(FILING_FACT_SCHEMA)},
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
            metadata={"dagster/column_schema": column_schema(LINE_ITEM_SCHEMA)},
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
def parsed_filings(context: AssetExecutionContext, config: ParseConfig, settings: PipelineSettings):
    """Parse the filings of the run's partitions whose source or parser version changed.

    A filing the catalog records as parsed from its landed sha256 by the running
    ``PARSER_VERSION`` (and whose two Parquet files exist) is skipped (``unchanged``:
    neither its landed file nor its Parquet is opened), unless the run is a backfill, is
    tagged ``edgar/reparse=true`` or has the run config ``reparse: true``. A filing the
    catalog has no record for (written before it kept one) is checked once by its Parquet
    footers, and the result recorded in the catalog.
    A filing that cannot be parsed (or was not downloaded) does not stop the others: its
    reason is recorded in the catalog (status ``parse_failed``, retried by every later
    run), in its partition's metadata, and in the ``every_filing_parsed`` check (ERROR
    severity). The previous Parquet files of a failed filing stay.

    Each partition's event carries that filing's own metadata: its company, form, period
    and filing date (``assets.partitions.identity``), its outcome, and for a parsed filing
    its own ``dagster/row_count``, source sha256 and parser version (for a failed one, the
    error); an unchanged filing's files are not opened, so its event has no row count (the
    event that parsed it has). The run-wide counts and at most LISTED names are added to
    every partition, never a table of the whole range.
    """
    resolved = settings.settings()
    catalog = read_catalog(resolved)
    keys = context.partition_keys
    if not keys:  # Dagster runs a reversed range as an empty one, which would "succeed"
        first, last = context.partition_key_range
        known = context.instance.get_dynamic_partitions(FILINGS.name)
        raise Failure(range_problem(known, first, last) or f"no filings in {first}...{last}")
    forced = config.reparse or reparse_forced(context.run.tags)
    exists = present_files(resolved)  # a stat per file, or one listing of an object store
    if forced:
        context.log.info(f"re-parsing every filing of the range ({len(keys)}), changed or not")
    parsed: list[str] = []
    unchanged: list[str] = []
    without_xbrl: list[str] = []
    failed: dict[str, str] = {}
    footers_checked: list[str] = []  # unchanged, known from their footers: to record
    own: dict[tuple[AssetKey, str], dict[str, Any]] = {}  # each partition's own metadata

    def announce(to_parse: int, workers: int) -> None:
        context.log.info(f"parsing {to_parse} filings in {workers} processes")

    filings = [catalog.get(accession) for accession in keys]
    results = outcomes(resolved, filings, forced, exists, on_pool=announce)
    for number, (accession, filing, (facts_meta, items_meta)) in enumerate(
        zip(keys, filings, results, strict=True), start=1
    ):
        outcome = facts_meta["outcome"]
        if outcome == "failed":
            failed[accession] = facts_meta["error"]
            context.log.error(f"{accession}: {failed[accession]}")
        elif outcome == "unchanged":
            unchanged.append(accession)
            if facts_meta["current_by"] == CURRENT_BY_FOOTERS:
                footers_checked.append(accession)
        else:
            parsed.append(accession)
            if facts_meta["source_format"] == "none":
                without_xbrl.append(accession)
        named = identity(filing)
        own[FACTS_KEY, accession] = {**named, **facts_meta}
        own[LINE_ITEMS_KEY, accession] = {**named, **items_meta}
        if number % PROGRESS_EVERY == 0 and number < len(keys):
            context.log.info(
                f"{number}/{len(keys)} filings: parsed {len(parsed)}, "
                f"unchanged {len(unchanged)}, failed {len(failed)}"
            )
    context.log.info(
        f"parsed {len(parsed)}, unchanged {len(unchanged)}, failed {len(failed)} "
        f"(of {len(keys)} filings)"
    )
    parse_failures = {a: why for a, why in failed.items() if a in catalog}
    current = {a: catalog[a]["sha256"] for a in parsed + footers_checked}
    if parse_failures or current:  # a run with nothing new does not even read the catalog again
        record_parse_outcomes(
            resolved.catalog_path,
            parse_failures,
            current,
            parser_version=datasets.PARSER_VERSION,
            lock_path=resolved.catalog_lock_path,
        )
    if footers_checked:
        context.log.info(
            f"recorded in the catalog that {len(footers_checked)} filing(s) are current "
            "(checked by their Parquet footers this once)"
        )
    if without_xbrl:
        context.log.warning(f"filings without XBRL (no facts): {', '.join(without_xbrl)}")
    counts = {"parsed": len(parsed), "unchanged": len(unchanged), "failed": len(failed)}
    # Added to every partition's event, after its own: counts and at most LISTED names, never
    # a table of the whole range.
    listed = _first(failed)
    run_wide = {
        "filing_counts": MetadataValue.json(counts),
        "reparse_forced": forced,
        "failed_filings": MetadataValue.json(listed),
        "filings_without_xbrl": MetadataValue.json(_first(without_xbrl)),
    }
    # The filing first, then its outcome, then the run's: the order the UI lists them in.
    add_partition_metadata(context, {key: {**meta, **run_wide} for key, meta in own.items()})
    check_metadata = {**failure_check_metadata(listed), "failing_rows": len(failed)}
    yield MaterializeResult(
        asset_key=FACTS_KEY,
        metadata={},  # every partition has its own (above)
        check_results=[
            AssetCheckResult(
                check_name=ALL_PARSED_CHECK,
                passed=not failed,
                severity=AssetCheckSeverity.ERROR,
                metadata=check_metadata,
            )
        ],
    )
    yield MaterializeResult(asset_key=LINE_ITEMS_KEY)
