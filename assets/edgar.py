"""EDGAR layer: download each company's filings, then catalog what landed."""

from collections.abc import Sequence

import requests
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.partitions import FILINGS
from pipeline.config import ConfigError
from pipeline.edgar.catalog import build_catalog, write_catalog
from pipeline.edgar.company_errors import record_company_error
from pipeline.edgar.download import (
    DownloadLockTimeout,
    DownloadResult,
    download_with_settings,
)
from pipeline.metadata import column_schema, failure_check_metadata, markdown_table
from pipeline.resources import PipelineSettings
from pipeline.xbrl.datasets import filings_in_date_order

GROUP = "edgar"
OWNERS = ["team:data-eng"]
CATALOG_KEY = AssetKey([GROUP, "filings_catalog"])
ALL_LANDED_CHECK = "all_filings_landed"


def download_asset_key(company: str) -> AssetKey:
    """The asset key of one company's downloaded filings."""
    return AssetKey([GROUP, f"filings_{company.lower()}"])


def _result_metadata(result: DownloadResult) -> dict:
    rows = "\n".join(
        f"| {r.accession_number} | {r.form} | {r.filing_date} | {r.report_date or ''} |"
        for r in result.expected[:25]
    )
    return {
        "cik": result.cik,
        "filings_in_scope": len(result.expected),
        "already_complete": len(result.already_complete),
        "downloaded": len(result.downloaded),
        "failed": len(result.failed),
        "filings": MetadataValue.md(
            "| accession | form | filed | period |\n|---|---|---|---|\n" + rows
        ),
    }


# What makes one company's download fail without stopping the others: SEC does not know
# it, its index cannot be read or holds refused values, SEC stays unreachable, or another
# run holds its download lock or the request budget. A full disk, or a bug, fails the step.
COMPANY_ERRORS = (ValueError, requests.RequestException, TimeoutError, DownloadLockTimeout)


def _landed_check(failed: dict[str, str], company_error: str | None) -> AssetCheckResult:
    problems = dict(failed)
    if company_error:
        problems = {"(company)": company_error, **problems}
    return AssetCheckResult(
        check_name=ALL_LANDED_CHECK,
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata=failure_check_metadata(problems),
    )


def build_download_asset(company: str) -> AssetsDefinition:
    """An asset that brings one company's 10-K and 10-Q filings to the landing folder.

    A filing that cannot be downloaded (or a company SEC does not know) does not fail the
    step: the asset records what landed, its ``all_filings_landed`` check fails with ERROR
    severity naming each accession and reason, and the other companies and filings flow on
    to the warehouse in the same run. The next run retries what is missing.
    """
    key = download_asset_key(company)

    @asset(
        key=key,
        group_name=GROUP,
        kinds={"python", "sec"},
        owners=OWNERS,
        pool="sec",
        code_version="2",
        check_specs=[
            AssetCheckSpec(
                ALL_LANDED_CHECK,
                asset=key,
                description="Every in-scope filing of the company landed complete and verified.",
            )
        ],
        description=(
            f"{company}'s 10-K, 10-Q and amendments since the earliest filing date, fetched by "
            "sec-edgar-downloader into data/landing/sec-edgar-filings/ (verified complete; "
            "failed accessions are named by the all_filings_landed check)."
        ),
    )
    def _download(context: AssetExecutionContext, settings: PipelineSettings) -> MaterializeResult:
        resolved = settings.settings()
        try:
            result = download_with_settings(resolved, company)
        except ConfigError as exc:  # no contact identity: nothing can be downloaded at all
            raise Failure(description=f"{company}: {exc}") from exc
        except COMPANY_ERRORS as exc:  # this company only; anything else fails the step
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            context.log.error(f"{company}: no filings downloaded: {reason}")
            record_company_error(resolved.data_dir / "state", company, reason)
            return MaterializeResult(
                metadata={"company_error": reason, "downloaded": 0},
                check_results=[_landed_check({}, f"{company}: {reason}")],
            )
        record_company_error(resolved.data_dir / "state", company, None)
        context.log.info(result.summary())
        for acc, why in sorted(result.failed.items()):
            context.log.error(f"{company} {acc}: not downloaded: {why}")
        metadata = _result_metadata(result)
        if result.failed:
            metadata["failed_accessions"] = MetadataValue.json(result.failed)
        refused = {f"index row {n}": why for n, why in enumerate(result.rejected, start=1)}
        for label, why in refused.items():  # refused by a strict check: never downloaded
            context.log.error(f"{company} {label}: {why}")
        return MaterializeResult(
            metadata=metadata, check_results=[_landed_check({**result.failed, **refused}, None)]
        )

    return _download


def build_catalog_asset(companies: Sequence[str]) -> AssetsDefinition:
    """The filings catalog, rebuilt from the SEC headers of everything on disk."""

    @asset(
        key=CATALOG_KEY,
        deps=[download_asset_key(c) for c in companies],
        group_name=GROUP,
        kinds={"python", "parquet"},
        owners=OWNERS,
        code_version="1",
        description=(
            "One row per downloaded filing (ticker, CIK, accession, form, amendment flag, filing "
            "date, period of report, fiscal year end, path, size, sha256), read from each "
            "full-submission.txt SEC header; data/parquet/catalog/filings.parquet."
        ),
    )
    def filings_catalog(
        context: AssetExecutionContext, settings: PipelineSettings
    ) -> MaterializeResult:
        resolved = settings.settings()
        table = build_catalog(
            resolved.landing_dir, resolved.companies, previous=resolved.catalog_path
        )
        # under its lock; keeps parse_failed
        write_catalog(table, resolved.catalog_path, lock_path=resolved.catalog_lock_path)
        context.log.info(f"catalogued {table.num_rows} filings at {resolved.catalog_path}")
        known = set(context.instance.get_dynamic_partitions(FILINGS.name))
        catalog = {row["accession_number"]: row for row in table.to_pylist()}
        new = [a for a in filings_in_date_order(catalog) if a not in known]
        if new:
            context.instance.add_dynamic_partitions(FILINGS.name, new)
            context.log.info(f"registered {len(new)} new filing partition(s): {', '.join(new)}")
        per_company = {
            c: sum(1 for t in table.column("ticker").to_pylist() if t == c)
            for c in resolved.companies
        }
        return MaterializeResult(
            metadata={
                "dagster/row_count": table.num_rows,
                "dagster/column_schema": column_schema(table.schema),
                "path": MetadataValue.path(str(resolved.catalog_path)),
                "filings_per_company": MetadataValue.json(per_company),
                "new_partitions": len(new),
                "preview": MetadataValue.md(
                    markdown_table(
                        table,
                        columns=[
                            "ticker",
                            "accession_number",
                            "form",
                            "filing_date",
                            "period_of_report",
                            "size_bytes",
                        ],
                    )
                ),
            }
        )

    return filings_catalog


def build_edgar_assets(companies: Sequence[str]) -> list[AssetsDefinition]:
    """All EDGAR-layer assets for the configured companies."""
    return [*(build_download_asset(c) for c in companies), build_catalog_asset(companies)]
