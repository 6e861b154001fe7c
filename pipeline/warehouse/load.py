"""The whole load in one transaction: raw (by accession) -> core -> marts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Settings
from pipeline.periods import DEFAULT_FISCAL_YEAR_ENDS
from pipeline.warehouse.connection import WarehouseCorruptError, transaction, write_connection
from pipeline.warehouse.core import build_core
from pipeline.warehouse.inputs import ParquetInputs
from pipeline.warehouse.marts import build_marts
from pipeline.warehouse.raw import SkippedFile, StepHook, _noop, load_raw
from pipeline.warehouse.stats import row_counts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    """What a load did: accessions staged per dataset, files not loaded, row counts."""

    warehouse_path: Path
    accessions_staged: dict[str, int]
    row_counts: dict[str, int] = field(default_factory=dict)
    rejected: tuple[SkippedFile, ...] = ()  # files that exist but did not verify
    missing: tuple[SkippedFile, ...] = ()  # catalog accessions without a file


def load_warehouse(
    warehouse_path: Path,
    inputs: ParquetInputs,
    *,
    full_refresh: bool = False,
    default_fiscal_year_ends: Mapping[str, str] = DEFAULT_FISCAL_YEAR_ENDS,
    lock_timeout_s: float = 600.0,
    on_step: StepHook = _noop,
) -> LoadResult:
    """Load Parquet into raw, rebuild core and marts, all in one transaction.

    Idempotent: raw rows are replaced by accession and core/marts are rebuilt, so a re-run
    leaves the same tables. Atomic: any failure (or a killed process, or a full disk)
    leaves the previous committed state. One writer at a time (file lock). A warehouse
    that cannot be opened, or turns out damaged while loading, is moved aside and rebuilt
    from the Parquet files in the same call. ``on_step(name, con)`` is called after each
    step, inside the transaction (tests use it to inject failures).
    """
    path = Path(warehouse_path)
    for attempt in (1, 2):
        try:
            with write_connection(path, timeout_s=lock_timeout_s) as con:
                with transaction(con):
                    raw = load_raw(con, inputs, full_refresh=full_refresh, on_step=on_step)
                    build_core(
                        con, default_fiscal_year_ends=default_fiscal_year_ends, on_step=on_step
                    )
                    build_marts(con, on_step=on_step)
                counts = row_counts(con)
            return LoadResult(path, raw.staged, counts, raw.rejected, raw.missing)
        except WarehouseCorruptError as exc:  # moved aside by write_connection
            if attempt == 2:
                raise
            log.warning("%s; rebuilding it now", exc)
    raise AssertionError("unreachable")  # pragma: no cover


def load_from_settings(settings: Settings | None = None, **kwargs: object) -> LoadResult:
    """:func:`load_warehouse` with paths from :class:`pipeline.config.Settings`."""
    s = settings or Settings.from_env()
    return load_warehouse(s.warehouse_path, ParquetInputs.from_settings(s), **kwargs)
