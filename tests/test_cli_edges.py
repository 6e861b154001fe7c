"""CLI edges (issue 11): ``run --select`` and its partitions, checked before anything runs.

The filing partitions are the accessions of ../shared/edgar/filings.csv in registration order
(filing date, then accession), as the catalog registers them.
"""

from __future__ import annotations

import pytest
from dagster import DagsterInstance

from assets.partitions import FILINGS
from pipeline.automation.partition_ranges import partition_range_tags, range_problem
from pipeline.cli import prepare_dagster_home
from pipeline.definitions import SYNC_JOB, build_definitions
from pipeline.run_selection import SelectionError, plan_selected_run
from tests.conftest import execute_job, filing_order, make_settings, step_failures
from tests.faults.runner import cli_env, run_cli


@pytest.fixture(scope="module")
def keys(tracked_rows) -> list[str]:
    return [r["accession_number"] for r in sorted(tracked_rows, key=filing_order)]


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    return build_definitions(make_settings(tmp_path_factory.mktemp("edges")))


def refusal(defs, keys, select, partition=None, partition_range=None) -> str:
    with pytest.raises(SelectionError) as raised:
        plan_selected_run(defs, keys, select, partition, partition_range)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_partitioned_asset_without_partitions_says_what_to_add(defs, keys):
    message = refusal(defs, keys, "xbrl/facts")
    assert "partitioned by filing (xbrl/facts)" in message
    assert "add --partition <accession> or --partition-range <first>...<last>" in message
    assert f"{keys[0]}...{keys[-1]}, all {len(keys)} filings" in message


def test_a_reversed_range_names_both_keys_and_their_order(defs, keys):
    first, last = keys[0], keys[-1]
    message = refusal(defs, keys, "xbrl/facts+", partition_range=f"{last}...{first}")
    assert message == (
        f"--partition-range: the range {last}...{first} is reversed: {last} is filing "
        f"partition {len(keys)} of {len(keys)}, after {first} (1 of {len(keys)}); "
        f"write it {first}...{last}"
    )


@pytest.mark.parametrize(
    ("select", "partition", "partition_range", "expected"),
    [
        ("nope/x", None, None, "--select 'nope/x': AssetKey(s) ['nope/x'] were selected"),
        ("group:marts", "{first}", None, "--partition given, but none of the assets"),
        (None, "{first}", None, "--partition and --partition-range need --select"),
        ("xbrl/facts", "0000000001-24-000001", None, "0000000001-24-000001 is not a filing"),
        ("xbrl/facts", None, "{first}", "is not FIRST...LAST"),
        ("xbrl/facts", None, "{first}...", "is not FIRST...LAST"),
    ],
)
def test_other_refusals_are_one_line(defs, keys, select, partition, partition_range, expected):
    fill = {"first": keys[0]}
    message = refusal(
        defs,
        keys,
        select,
        partition.format(**fill) if partition else None,
        partition_range.format(**fill) if partition_range else None,
    )
    assert message.startswith(expected) or expected in message, message


def test_a_step_that_makes_several_assets_runs_whole(defs, keys):
    plan = plan_selected_run(defs, keys, "xbrl/facts", partition=keys[1])
    assert plan.added == ["xbrl/line_items"]
    assert plan.tags == partition_range_tags(keys[1], keys[1]) and plan.partitions == 1
    selected = {k.to_user_string() for k in plan.job.asset_layer.selected_asset_keys}
    assert selected == {"xbrl/facts", "xbrl/line_items"}
    whole = plan_selected_run(defs, keys, "xbrl/facts", partition_range=f"{keys[0]}...{keys[-1]}")
    assert whole.partitions == len(keys)


def test_range_problem_accepts_forward_ranges(keys):
    assert range_problem(keys, keys[0], keys[-1]) is None
    assert range_problem(keys, keys[2], keys[2]) is None


def test_the_parse_step_refuses_a_reversed_range_dagster_would_run_as_empty(defs, keys):
    """The same refusal for ``dagster asset materialize`` or the UI, which bypass the CLI."""
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(FILINGS.name, keys)
    job = plan_selected_run(defs, keys, "xbrl/facts", partition=keys[0]).job
    result = job.execute_in_process(
        instance=instance, tags=partition_range_tags(keys[-1], keys[0]), raise_on_error=False
    )
    assert not result.success
    [failure] = step_failures(result)
    assert f"the range {keys[-1]}...{keys[0]} is reversed" in failure


def test_the_cli_refuses_in_one_line_with_exit_2(tmp_path, corpus, keys, monkeypatch):
    settings = make_settings(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", "")  # prepare_dagster_home sets it; restored after
    prepare_dagster_home(settings)
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(FILINGS.name, keys)
    env = cli_env(settings.data_dir, corpus)  # offline: no SEC contact needed
    cases = {
        ("--select", "xbrl/facts"): "add --partition <accession> or --partition-range",
        ("--select", "group:xbrl"): "(xbrl/facts, xbrl/line_items): add --partition",
        ("--select", "xbrl/facts", "--partition-range", f"{keys[-1]}...{keys[0]}"): "reversed",
    }
    for args, expected in cases.items():
        done = run_cli(["run", *args], env, timeout=120, merge_stderr=False)
        assert done.returncode == 2, done.stdout + done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("edgar-pipeline run: "), done.stderr
        assert expected in lines[0] and "Traceback" not in done.stderr
        assert done.stdout == ""  # nothing ran


def test_a_selected_partition_is_materialized_alone(standin, tmp_path, keys):
    """``run --select xbrl/facts --partition K``'s job parses filing K and no other."""
    settings = make_settings(tmp_path)
    defs = build_definitions(settings)
    instance = DagsterInstance.ephemeral()
    assert execute_job(defs, SYNC_JOB, instance).success
    assert instance.get_dynamic_partitions(FILINGS.name) == keys
    plan = plan_selected_run(defs, keys, "xbrl/facts", partition=keys[1])
    result = plan.job.execute_in_process(instance=instance, tags=plan.tags, raise_on_error=False)
    assert result.success, step_failures(result)
    parsed = sorted(p.stem for p in settings.facts_dir.rglob("*.parquet"))
    items = sorted(p.stem for p in settings.line_items_dir.rglob("*.parquet"))
    assert parsed == items == [keys[1]]
