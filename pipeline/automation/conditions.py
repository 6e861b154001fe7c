"""Declarative automation: the warehouse, marts and chart follow the filings by themselves.

Whichever way a filing partition of ``xbrl/facts`` / ``xbrl/line_items`` is materialized
(UI, ``edgar-pipeline run --select``, ``dagster asset materialize``, the sensor, a backfill),
Dagster's own ``AutomationCondition.eager()`` requests the warehouse build once its inputs
have settled: it waits while any filing partition is missing (registered, never parsed) or
in progress (a run or a backfill still parsing), so a backfill of N filings ends in ONE
rebuild, not N. A run that already rebuilt the warehouse with the filings it parsed (the
sensor's, the schedule's, ``edgar-pipeline run``) triggers nothing more (``eager`` ignores
updates made by a run that also updated the asset). The sensor that evaluates the
conditions, :data:`AUTOMATION_SENSOR`, is on by default.
"""

from __future__ import annotations

from collections.abc import Iterable

from dagster import (
    AssetsDefinition,
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    map_asset_specs,
)

AUTOMATION_SENSOR = "warehouse_automation"
# The daemon's default; said here so the README's "within a minute" stays true.
AUTOMATION_INTERVAL_S = 30


def follow_filings() -> AutomationCondition:
    """The condition of the warehouse, the marts and the chart: Dagster's ``eager``, except
    that an update of the ``edgar`` group (downloads, the filings catalog) alone is no trigger.

    Requested when a dependency updated (a filing partition parsed, a table upstream
    rebuilt) or the asset is missing; never while a dependency is missing or in progress,
    or the asset itself is in progress. Why the catalog is ignored: ``sync_filings``
    registers new filings' partitions with the catalog, and ``warehouse/raw_filings`` (which
    reads only the catalog) would otherwise request the whole non-subsettable warehouse
    before those filings are parsed; the parse that follows is the trigger instead.
    """
    return AutomationCondition.eager().replace(
        "any_deps_updated",
        AutomationCondition.any_deps_updated().ignore(AssetSelection.groups("edgar")),
    )


def with_automation(assets: Iterable[AssetsDefinition]) -> list[AssetsDefinition]:
    """``assets`` with :func:`follow_filings` on every spec (a non-subsettable multi-asset is
    requested whole: Dagster adds the rest of its keys to any request)."""
    return list(
        map_asset_specs(
            lambda spec: spec.replace_attributes(automation_condition=follow_filings()),
            list(assets),
        )
    )


def build_automation_sensor() -> AutomationConditionSensorDefinition:
    """The sensor that evaluates the automation conditions, on by default.

    ``emit_backfills=False``: a request (the warehouse and the chart, unpartitioned) is one
    ordinary run, queued behind the ``duckdb`` pool like any other warehouse build.
    """
    return AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR,
        target=AssetSelection.all() | AssetSelection.all_asset_checks(),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=AUTOMATION_INTERVAL_S,
        emit_backfills=False,
        description=(
            "Rebuilds the warehouse, marts and chart once new or re-parsed filings have "
            "settled (no filing partition missing or in progress), and re-evaluates the "
            "marts' freshness checks."
        ),
    )
