"""One load builds the next snapshot: raw (only what is new) -> core -> marts, then a swap."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.config import Settings
from pipeline.parquet_io import is_disk_full
from pipeline.periods import DEFAULT_FISCAL_YEAR_ENDS
from pipeline.warehouse.code_version import code_versions
from pipeline.warehouse.company_scope import (
    changed_companies,
    company_fingerprints,
    recompute_companies,
)
from pipeline.warehouse.connection import (
    WarehouseCorruptError,
    build_connection,
    close_quietly,
    disk_full_error,
    first_line,
    is_corruption,
    transaction,
)
from pipeline.warehouse.core import build_company_tables, build_core
from pipeline.warehouse.inputs import ParquetInputs
from pipeline.warehouse.lock import warehouse_lock
from pipeline.warehouse.marts import CompareSet, build_marts, compare_set_is_current
from pipeline.warehouse.raw import RawLoad, SkippedFile, StepHook, _noop, load_raw, nothing_to_load
from pipeline.warehouse.snapshots import SnapshotChangedError, SnapshotStore
from pipeline.warehouse.stats import row_counts

log = logging.getLogger(__name__)

# Called on the finished snapshot before it is published (assets read metadata with it).
Inspect = Callable[[duckdb.DuckDBPyConnection, RawLoad], Any]


@dataclass(frozen=True)
class LoadResult:
    """What a load did: accessions staged per dataset, files not loaded, row counts."""

    warehouse_path: Path
    accessions_staged: dict[str, int]
    row_counts: dict[str, int] = field(default_factory=dict)
    rejected: tuple[SkippedFile, ...] = ()  # files that exist but did not verify
    missing: tuple[SkippedFile, ...] = ()  # catalog accessions without a file
    snapshot: Path | None = None  # the generation file now served
    incremental: bool = False  # built on a copy of the served snapshot (else from empty)
    inspected: Any = None  # what ``inspect`` returned
    unchanged: bool = False  # nothing new: the served snapshot was kept, nothing was built


class _BaseUnusable(Exception):
    """The copied served snapshot turned out damaged: build again from empty."""


def _build(
    con: duckdb.DuckDBPyConnection,
    inputs: ParquetInputs,
    *,
    full_refresh: bool,
    default_fiscal_year_ends: Mapping[str, str],
    on_step: StepHook,
    compare: CompareSet | None = None,
    per_company: bool = False,
) -> RawLoad:
    """Raw, core and marts into the build open on ``con``. With ``per_company`` (a copy of
    a snapshot built by the same code), core is recomputed only for the companies whose
    inputs changed (``company_scope.py``), unless most companies changed (a parser upgrade,
    say): then one pass over every company is cheaper."""
    with transaction(con):
        before = company_fingerprints(con) if per_company else None
        raw = load_raw(con, inputs, full_refresh=full_refresh, on_step=on_step)
        build_core(
            con,
            default_fiscal_year_ends=default_fiscal_year_ends,
            on_step=on_step,
            per_company=before is None,
        )
        changed: list[str] = []
        if before is not None:
            after = company_fingerprints(con)
            changed = changed_companies(before, after)
            if len(changed) > len({ticker for _, ticker in after}) // 2:
                build_company_tables(con, on_step=on_step)
                changed = []
        if not changed:
            build_marts(con, compare=compare, on_step=on_step)
    if changed:
        recompute_companies(con, changed, on_step)
        with transaction(con):
            build_marts(con, compare=compare, on_step=on_step)
    return raw


def load_warehouse(
    warehouse_path: Path,
    inputs: ParquetInputs,
    *,
    full_refresh: bool = False,
    default_fiscal_year_ends: Mapping[str, str] = DEFAULT_FISCAL_YEAR_ENDS,
    lock_timeout_s: float = 600.0,
    on_step: StepHook = _noop,
    inspect: Inspect | None = None,
    compare: CompareSet | None = None,
) -> LoadResult:
    """Build the next snapshot beside the served one and swap it in (``snapshots.py``).

    When nothing is new (the catalog equals ``raw.filings``, no file to stage, the same
    code), the served snapshot is kept and nothing is built. Otherwise the build starts
    from a copy of the served snapshot, when it is exactly as published, and stages only
    new or changed filings (``raw.py``); core is recomputed for the companies whose inputs
    changed (``company_scope.py``; every company when the code changed), the marts from
    core. It starts empty on the first load, with ``full_refresh``, when the code that shapes
    the raw tables changed, or when the served file was changed or turns out damaged.
    ``inspect(con, raw)`` runs on the finished build before the swap (or on the kept one).
    Any failure (an exception, a killed process, a full disk) leaves the served snapshot as
    it was. One builder at a time (file lock); readers are never waited for.
    ``on_step(name, con)`` runs after each step (tests inject failures with it).
    ``compare`` is the marts' compare set (default: every company, the default pair); a
    served snapshot built for another compare set is not kept.
    """
    store = SnapshotStore(Path(warehouse_path))
    with warehouse_lock(store.served_path, exclusive=True, timeout_s=lock_timeout_s):
        store.remove_stale_builds()
        store.prune()  # what a publish that failed after its rename left
        served = store.served()
        base = None if full_refresh else store.pristine_base()
        stamp = store.stamp(base) if base is not None else None
        code = code_versions()
        if stamp is not None and stamp.code.get("raw") != code["raw"]:
            log.warning(
                "the code that shapes the raw tables changed since %s was built: building the "
                "next snapshot from the Parquet lake",
                base.name,
            )
            base, stamp, full_refresh = None, None, True
        # Built by the same code: kept when nothing is new, else core per changed company.
        same_code = stamp is not None and stamp.code.get("build") == code["build"]
        if same_code:
            kept = _keep_if_nothing_new(store, base, inputs, inspect, compare)
            if kept is not None:
                return kept
        args = (inputs, default_fiscal_year_ends, on_step, inspect, compare)
        set_aside = store.changed_served()
        # A rebuild reads everything anyway: it checks the old snapshot's bytes too, so a
        # damaged one (bits rotted, size unchanged) never becomes the rollback target.
        if full_refresh and set_aside is None and served in store.generations():
            set_aside = None if store.intact(served) else served
        try:
            return _load(
                store, base, full_refresh, *args, set_aside=set_aside, per_company=same_code
            )
        except (_BaseUnusable, SnapshotChangedError) as exc:
            log.warning(
                "served snapshot %s is damaged (%s): building the next one from the Parquet lake",
                served,
                exc,
            )
            return _load(store, None, True, *args, set_aside=served)


def _keep_if_nothing_new(
    store: SnapshotStore,
    served: Path,
    inputs: ParquetInputs,
    inspect: Inspect | None,
    compare: CompareSet | None,
) -> LoadResult | None:
    """The served snapshot, kept, when a load would change nothing in it; else None.

    Nothing is copied or built: a run with nothing new costs a catalog read, and the
    previous snapshot stays the rollback target. ``inspect`` runs on the served snapshot.
    """
    try:
        con = duckdb.connect(str(served), read_only=True)
    except duckdb.Error:  # held read-write by a session, say: build as usual
        return None
    try:
        if not nothing_to_load(con, inputs):
            return None
        if not compare_set_is_current(con, compare or CompareSet()):
            log.info("the compare set changed: building the marts for it")
            return None
        raw = RawLoad(staged={"catalog": 0, "facts": 0, "line_items": 0})
        inspected = inspect(con, raw) if inspect is not None else None
        counts = row_counts(con)
    except duckdb.Error as exc:  # e.g. a damaged block: the build checks the bytes
        log.warning("served snapshot %s cannot be read (%s): building", served, first_line(exc))
        return None
    finally:
        close_quietly(con)
    log.info("nothing new: still serving snapshot %s", served.name)
    return LoadResult(
        store.served_path,
        raw.staged,
        counts,
        snapshot=served,
        incremental=True,
        inspected=inspected,
        unchanged=True,
    )


def _load(
    store: SnapshotStore,
    base: Path | None,
    full_refresh: bool,
    inputs: ParquetInputs,
    default_fiscal_year_ends: Mapping[str, str],
    on_step: StepHook,
    inspect: Inspect | None,
    compare: CompareSet | None,
    *,
    set_aside: Path | None = None,
    per_company: bool = False,
) -> LoadResult:
    building = store.new_building_path()
    incremental = False
    try:
        incremental = store.start_from(base, building)
        con = build_connection(building)
        try:
            raw = _build(
                con,
                inputs,
                full_refresh=full_refresh or not incremental,
                default_fiscal_year_ends=default_fiscal_year_ends,
                on_step=on_step,
                compare=compare,
                per_company=per_company and incremental and not full_refresh,
            )
            counts = row_counts(con)
            inspected = inspect(con, raw) if inspect is not None else None
            con.execute("CHECKPOINT")
        finally:
            close_quietly(con)
        snapshot = store.publish(building, counts, code_versions(), set_aside=set_aside)
    except duckdb.Error as exc:
        store.discard(building)
        if is_disk_full(exc):
            raise disk_full_error(store.served_path, exc) from exc
        if incremental and is_corruption(exc):
            raise _BaseUnusable(first_line(exc)) from exc
        if is_corruption(exc):
            raise WarehouseCorruptError(
                f"warehouse build {building.name} failed ({first_line(exc)}); the served "
                "snapshot is kept"
            ) from exc
        raise
    except OSError as exc:
        store.discard(building)
        if is_disk_full(exc):
            raise disk_full_error(store.served_path, exc) from exc
        raise
    except BaseException:
        store.discard(building)
        raise
    kind = "incrementally" if incremental else "from empty"
    log.info("serving snapshot %s (built %s)", snapshot.name, kind)
    return LoadResult(
        store.served_path,
        raw.staged,
        counts,
        raw.rejected,
        raw.missing,
        snapshot,
        incremental,
        inspected,
    )


def load_from_settings(settings: Settings | None = None, **kwargs: object) -> LoadResult:
    """:func:`load_warehouse` with paths from :class:`pipeline.config.Settings`."""
    s = settings or Settings.from_env()
    kwargs.setdefault("compare", CompareSet.from_settings(s))
    return load_warehouse(s.warehouse_path, ParquetInputs.from_settings(s), **kwargs)
