"""Dagster's floor for a job: the same asset graph with bodies that do nothing.

:func:`noop_definitions` copies a ``Definitions``: every asset (and multi-asset) keeps its
specs (keys, deps, partitions definition, group), checks, op name, subsetting, backfill
policy and pool; every asset check keeps its specs and name; the jobs and the executor are
the very same objects. Only the bodies change: each reports its selected assets as
materialized and its selected checks as passed, with no metadata. Running a job of the copy
on the same kind of instance measures what Dagster itself costs for that job.
"""

from graphlib import TopologicalSorter

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetsDefinition,
    Definitions,
    MaterializeResult,
    multi_asset,
    multi_asset_check,
)


def _topological(specs: list) -> list:
    """The specs' keys, each after the keys it depends on (Dagster's order for outputs)."""
    keys = {spec.key for spec in specs}
    deps = {spec.key: {d.asset_key for d in spec.deps} & keys for spec in specs}
    return list(TopologicalSorter(deps).static_order())


def noop_asset(original: AssetsDefinition) -> AssetsDefinition:
    """``original``'s specs and checks under a body that only reports them done."""
    check_specs = list(original.check_specs)
    order = _topological(list(original.specs))

    @multi_asset(
        name=original.op.name,
        specs=list(original.specs),
        check_specs=check_specs,
        can_subset=original.can_subset,
        backfill_policy=original.backfill_policy,
        pool=original.op.pool,
    )
    def _noop(context: AssetExecutionContext):
        checks = context.selected_asset_check_keys
        selected = context.selected_asset_keys
        for key in (k for k in order if k in selected):
            yield MaterializeResult(
                asset_key=key,
                check_results=[
                    AssetCheckResult(check_name=c.name, asset_key=key, passed=True)
                    for c in sorted(checks)
                    if c.asset_key == key
                ],
            )

    return _noop


def noop_checks(original: AssetChecksDefinition) -> AssetChecksDefinition:
    """``original``'s check specs under a body that only reports them passed."""

    @multi_asset_check(
        name=original.node_def.name,
        specs=list(original.check_specs),
        can_subset=True,
        pool=original.op.pool,
    )
    def _noop(context: AssetCheckExecutionContext):
        for key in sorted(context.selected_asset_check_keys):
            yield AssetCheckResult(check_name=key.name, asset_key=key.asset_key, passed=True)

    return _noop


def noop_definitions(defs: Definitions) -> Definitions:
    """``defs`` with every asset and check body replaced by a no-op (same graph and jobs)."""
    assets: list = []
    checks = [noop_checks(c) for c in defs.asset_checks or ()]
    for original in defs.assets or ():
        if isinstance(original, AssetChecksDefinition):
            checks.append(noop_checks(original))
        elif isinstance(original, AssetsDefinition) and original.is_executable:
            assets.append(noop_asset(original))
        else:  # specs of external assets, source assets: nothing runs, kept as they are
            assets.append(original)
    return Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=list(defs.jobs or ()),
        executor=defs.executor,
    )
