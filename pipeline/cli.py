"""``edgar-pipeline``: run the pipeline, open the UI, inspect and query the warehouse.

The commands that open the Dagster instance (run, dev, screenshot) prepare it under the data
folder first: they copy the repository's ``dagster.yaml`` to ``<data>/dagster/`` and set
``DAGSTER_HOME`` there. ``status`` and ``query`` only read the data folder, never write to it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.config import REPO_ROOT, ConfigError, Settings

# The commands that open the Dagster instance; the others never write to the data folder.
DAGSTER_COMMANDS = frozenset({"run", "dev", "screenshot"})


def prepare_dagster_home(settings: Settings) -> str:
    """Point DAGSTER_HOME at ``<data>/dagster`` holding a copy of the repo's dagster.yaml.

    The copy is written beside the target and renamed over it, so a full disk never leaves a
    truncated dagster.yaml; writing it every time also proves the data folder is writable
    before a run starts. Raises OSError (read-only, permission denied, disk full) when it can't.
    """
    from pipeline.atomic_write import write_atomically
    from pipeline.deploy.profile import instance_profile

    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    # EDGAR_DAGSTER_PROFILE: the repo's dagster.yaml (local) or deploy/dagster.yaml (production)
    instance_yaml = instance_profile().instance_yaml.read_text(encoding="utf-8")
    write_atomically(home / "dagster.yaml", instance_yaml)
    os.environ["DAGSTER_HOME"] = str(home)
    return str(home)


def _execute(job, instance, tags: dict[str, str] | None = None, asset_selection=None) -> bool:
    """Run ``job`` (or its ``asset_selection``) in this process; print its problems; True
    when it and its checks passed."""
    from pipeline.dead_runs import owner_tags
    from pipeline.run_report import report_run

    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags={**(tags or {}), **owner_tags()},
        asset_selection=asset_selection,
    )
    _stop_on_signals()  # Dagster swaps the handlers while a run executes; take them back
    report = report_run(result)
    if report.interrupted:  # Ctrl-C or SIGTERM stopped a step: stop here, do nothing more
        raise KeyboardInterrupt
    for line in report.lines():
        print(line)
    ok = result.success and not report.failed
    print(f"Run {result.run_id} ({job.name}): {'succeeded' if ok else 'FAILED'}")
    return ok


def _print_failed_filings(settings: Settings) -> int:
    """Print every failed company, index row and filing (one line each); return how many."""
    from pipeline.status import company_problems, failed_filings

    problems = company_problems(settings)
    for line in problems:
        print(line)
    failed = failed_filings(settings)
    for row in failed:
        hint = ""
        if row["status"] == "parse_failed" and row.get("path"):
            hint = (
                " (parsed again each run; if SEC has since corrected it, delete "
                f"{Path(row['path']).parent} to download it again)"
            )
        print(
            f"FAILED filing {row['ticker']} {row['form']} {row['accession_number']} "
            f"({row['status']}): {row['error']}{hint}"
        )
    return len(problems) + len(failed)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the pipeline; Ctrl-C or SIGTERM stop it (exit 130), any error is one line (exit 1)."""
    from pipeline.run_selection import SelectionError

    _stop_on_signals()
    try:
        if any(getattr(args, o, None) for o in ("select", "partition", "partition_range")):
            return _run_selected(settings, args)
        return _run_pipeline(settings, args)
    except SelectionError as exc:  # refused before anything ran, like a bad argument
        print(f"edgar-pipeline run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "edgar-pipeline run: interrupted; what was written stays, the next run carries on",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # storage errors (disk full, locks): one line, not a traceback
        print(f"edgar-pipeline run: FAILED: {_root_message(exc)}", file=sys.stderr)
        if (saved := _save_traceback(settings, exc)) is not None:
            print(f"  (the full traceback is in {saved})", file=sys.stderr)
        return 1


def _save_traceback(settings: Settings, exc: BaseException) -> Path | None:
    """Keep an unexpected error's traceback under ``<data>/logs/``; None if it can't be."""
    import traceback
    from datetime import UTC, datetime

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = settings.data_dir / "logs" / f"run-{stamp}-{os.getpid()}.traceback.txt"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError:  # a full or read-only disk: the one line above is all there is
        return None
    return path


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt in this process (SIGTERM stops like Ctrl-C)."""
    import signal

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _root_message(exc: BaseException) -> str:
    """``Class: first line`` of the first error in the chain that is not Dagster's wrapper.

    The chain follows ``raise ... from`` and unsuppressed context; an error raised
    ``from None`` (or one of ours wrapping a library's, like DiskFullError) is the message.
    """
    chain = [exc]
    while (nxt := exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)) and (
        nxt not in chain
    ):
        chain.append(exc := nxt)
    own = [e for e in chain if not type(e).__module__.startswith("dagster")]
    exc = own[0] if own else chain[-1]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _run_pipeline(settings: Settings, args: argparse.Namespace) -> int:
    """Sync filings from EDGAR, then materialize the main job over every filing partition.

    Both runs are recorded in the Dagster instance, so they show in the UI. A filing that
    cannot be downloaded or parsed does not stop the others; the command then exits 1,
    naming each failed filing and check. Runs of earlier ``run`` commands whose process
    died are marked failed first, so they never block this one. Only filings whose source
    or parser version changed are parsed; with ``--rebuild`` every filing is parsed again
    and the warehouse's raw tables are reloaded from the lake, from empty.
    """
    from dagster import DagsterInstance

    from assets.partitions import FILINGS
    from pipeline.automation.partition_ranges import (
        all_partitions_tags,
        partition_range_tags,
        rebuild_tags,
    )
    from pipeline.automation.pending import covering_range, pending_partitions
    from pipeline.dead_runs import reap_dead_runs
    from pipeline.definitions import BUILD_JOB, SYNC_JOB, build_definitions

    defs = build_definitions(settings)
    mode = f"offline mirror {settings.edgar_mirror}" if settings.edgar_mirror else "live SEC EDGAR"
    print(f"Companies {', '.join(settings.companies)} against {mode}; data in {settings.data_dir}")
    with DagsterInstance.get() as instance:
        for dead in reap_dead_runs(instance):
            print(f"cleared {dead.describe()}: marked failed")
        print("1/2 downloading filings and updating the catalog")
        selection = _sync_selection(settings, args)
        synced = _execute(defs.resolve_job_def(SYNC_JOB), instance, asset_selection=selection)
        keys = instance.get_dynamic_partitions(FILINGS.name)
        if not keys:
            print("no filings to process")
            return 0 if synced else 1
        if args.rebuild:
            tags = all_partitions_tags(keys) | rebuild_tags()
            print(f"2/2 rebuilding: re-parsing all {len(keys)} filings, reloading the warehouse")
        else:
            pending = pending_partitions(settings, keys)
            first, last = covering_range(keys, pending)
            tags = partition_range_tags(first, last)
            print(
                f"2/2 parsing what changed ({len(pending)} of {len(keys)} filings), loading, "
                "building the marts"
            )
        built = _execute(defs.resolve_job_def(BUILD_JOB), instance, tags)
    if settings.warehouse_path.exists():
        print()
        filings_ok = cmd_status(settings, args, verify=False) == 0
    else:
        filings_ok = _print_failed_filings(settings) == 0
    ok = synced and built and filings_ok
    if not ok:
        print("edgar-pipeline run: FAILED (see above); the next run retries what failed")
    return 0 if ok else 1


def _sync_selection(settings: Settings, args: argparse.Namespace):
    """The download assets of the companies with something new (all of them with
    ``--all-companies`` or ``--rebuild``), and the catalog; None for the whole sync job."""
    if args.all_companies or args.rebuild:
        return None
    from assets.edgar import CATALOG_KEY, download_asset_key
    from pipeline.edgar.connection import edgar_connection
    from pipeline.edgar.discovery import plan_downloads

    with edgar_connection(settings) as conn:
        plan = plan_downloads(settings, conn.user_agent)
    print(f"   {plan.summary()}")
    return [*(download_asset_key(name) for name in plan.ask), CATALOG_KEY]


def _run_selected(settings: Settings, args: argparse.Namespace) -> int:
    """``run --select``: materialize exactly the selection over the filing partitions given
    (``--partition``, ``--partition-range``), as one run; nothing is downloaded first unless
    selected. The selection and partitions are checked before anything runs."""
    from dagster import DagsterInstance

    from assets.partitions import FILINGS
    from pipeline.automation.partition_ranges import rebuild_tags
    from pipeline.dead_runs import reap_dead_runs
    from pipeline.definitions import build_definitions
    from pipeline.run_selection import plan_selected_run

    defs = build_definitions(settings)
    with DagsterInstance.get() as instance:
        keys = instance.get_dynamic_partitions(FILINGS.name)
        plan = plan_selected_run(defs, keys, args.select, args.partition, args.partition_range)
        for dead in reap_dead_runs(instance):
            print(f"cleared {dead.describe()}: marked failed")
        scope = f" over {plan.partitions} filing partition(s)" if plan.partitions else ""
        also = f" (with {', '.join(plan.added)}: made by the same step)" if plan.added else ""
        print(f"materializing {args.select}{also}{scope}")
        tags = plan.tags | (rebuild_tags() if args.rebuild else {})
        ok = _execute(plan.job, instance, tags)
    return 0 if ok else 1


def cmd_dev(settings: Settings, args: argparse.Namespace) -> int:
    """Open the Dagster UI and run the daemon on the data folder's instance until Ctrl-C
    (``pipeline/dev_server.py``: everything it started is stopped within seconds)."""
    from pipeline.dev_server import serve

    return serve(settings.dagster_home, args.host, args.port)


def _print_counts(settings: Settings, loaded: dict[str, int] | None) -> None:
    from pipeline.status import company_status

    rows = company_status(settings, loaded)  # before the header: it may raise (one line)
    print(f"{'company':<12}{'downloaded':>12}{'parsed':>10}{'loaded':>10}{'failed':>10}")
    for row in rows:
        shown = "-" if row.loaded is None else row.loaded
        print(f"{row.company:<12}{row.downloaded:>12}{row.parsed:>10}{shown:>10}{row.failed:>10}")


def cmd_status(settings: Settings, args: argparse.Namespace, *, verify: bool = True) -> int:
    """Print what is downloaded, parsed and loaded, the latest annual comparison, and every
    filing that failed (exit 1 when there is one, or when the warehouse or the catalog
    cannot be read)."""
    from pipeline.edgar.catalog import CatalogUnreadableError
    from pipeline.lake import LakeUnavailableError

    print(f"data folder: {settings.data_dir}")
    if not settings.lake_is_local:
        print(f"Parquet lake: {settings.parquet_dir}")
    try:
        if not _print_warehouse_status(settings, verify):
            return 1
        return 1 if _print_failed_filings(settings) else 0
    except (CatalogUnreadableError, LakeUnavailableError) as exc:
        print(exc, file=sys.stderr)
        return 1


def _print_warehouse_status(settings: Settings, verify: bool) -> bool:
    """Counts and the latest comparison; False (after one line) when the warehouse is unusable.

    With ``verify`` every block of the served snapshot is read once (a damaged one is
    reported); ``run`` skips that, as it has just built the snapshot.
    """
    import duckdb

    from pipeline.metadata import format_cell
    from pipeline.status import LATEST_COMPARISON_SQL, freshness_lines, loaded_filings
    from pipeline.warehouse import WarehouseBusyError, WarehouseCorruptError, read_connection

    if not settings.warehouse_path.exists():
        _print_counts(settings, None)
        print("no warehouse yet: run `edgar-pipeline run`")
        return True
    try:
        with read_connection(settings.warehouse_path, verify=verify) as con:
            try:
                loaded = loaded_filings(con)
                latest = con.sql(LATEST_COMPARISON_SQL).to_arrow_table().to_pylist()
            except duckdb.CatalogException:  # an empty file (a first load that never committed)
                _print_counts(settings, None)
                print("the warehouse holds no tables yet: run `edgar-pipeline run`")
                return True
            _print_counts(settings, loaded)
            print("\nlatest calendar-aligned year with both companies (USD, exact):")
            for name, value in (latest[0] if latest else {}).items():
                print(f"  {name:<28}{format_cell(value):>20}")
            print()
            print("\n".join(freshness_lines(settings, con)))  # a warning: exit code unchanged
    except (WarehouseCorruptError, WarehouseBusyError) as exc:  # one line, not a traceback
        print(exc, file=sys.stderr)
        return False
    return True


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    """Run SQL against the warehouse and print the result (``--format``, exact values).

    The connection is sandboxed (read-only, no file access, no extensions, settings
    locked): a statement that would write, read files or install is refused in one line.
    A reader that closes the pipe early (``| head``) ends the command quietly, with exit
    code 141 (128 + SIGPIPE), what a shell reports for UNIX tools stopped the same way.
    """
    from pipeline.query_output import HUMAN_FORMATS, write_result
    from pipeline.warehouse import (
        WarehouseBusyError,
        WarehouseCorruptError,
        query_error_line,
        sandboxed_read_connection,
    )

    sql = args.sql if args.sql != "-" else sys.stdin.read()
    limit = args.max_rows
    if limit is None:
        limit = QUERY_MAX_ROWS if args.format in HUMAN_FORMATS else 0
    try:
        with sandboxed_read_connection(settings.warehouse_path) as con:
            cut = write_result(
                con.execute(sql),
                sys.stdout,
                args.format,
                max_rows=limit or None,
                max_width=args.max_width,
            )
            sys.stdout.flush()  # a closed pipe shows here, inside the handler below
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (FileNotFoundError, WarehouseCorruptError, WarehouseBusyError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:  # duckdb.Error and friends: one line, not a trace
        print(query_error_line(exc), file=sys.stderr)
        return 1
    if cut:
        print(f"query: showing the first {limit} rows; --max-rows 0 shows all", file=sys.stderr)
    return 0


QUERY_MAX_ROWS = 100  # rows a table or markdown shows unless --max-rows says otherwise
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell shows for `cat big | head`


def _quiet_broken_pipe() -> int:
    """The reader of stdout went away: say nothing, and keep Python's exit flush quiet too.

    Python's own advice (docs: signal, "Note on SIGPIPE"): point stdout at /dev/null so the
    interpreter's final flush does not fail again; SIGPIPE stays ignored, as Python sets it.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def cmd_rollback(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the previous warehouse snapshot; the one served until now becomes the previous.

    Running it again rolls forward. The next load builds on the snapshot then served.
    """
    from pipeline.warehouse import NoSnapshotError, SnapshotStore, WarehouseLockTimeout
    from pipeline.warehouse.lock import warehouse_lock

    store = SnapshotStore(settings.warehouse_path)
    try:
        with warehouse_lock(store.served_path, exclusive=True, timeout_s=args.timeout):
            served, previous = store.rollback()
    except (NoSnapshotError, WarehouseLockTimeout) as exc:
        print(exc, file=sys.stderr)
        return 1
    for label, path in (("serving", served), ("previous", previous)):
        stamp = store.stamp(path)
        built = f" (built {stamp.built_at})" if stamp else ""
        print(f"{label:<9} {path}{built}")
    print("readers that reconnect now see the snapshot served; open ones keep theirs")
    return 0


def cmd_screenshot(settings: Settings, args: argparse.Namespace) -> int:
    """Start the UI on the data folder's instance; screenshot the asset graph and a partition."""
    from pipeline.ui_screenshot import capture

    for path in capture(Path(args.out), settings.dagster_home):
        print(f"saved {path}")
    return 0


def _non_negative_int(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    value = int(text) if text.strip().isdigit() else -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number, 0 or more")
    return value


def _positive_int(text: str) -> int:
    """An argparse type: a whole number, 1 or more."""
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number, 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="edgar-pipeline",
        description="SEC EDGAR filings -> XBRL facts -> DuckDB comparison marts (Dagster).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the main job end to end")
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="re-parse every filing (changed or not) and rebuild the warehouse from the lake",
    )
    run.add_argument(
        "--all-companies",
        action="store_true",
        help="read every company's EDGAR index (default: only companies with something new "
        "in EDGAR's daily index, never read, or with failures)",
    )
    run.add_argument(
        "--select",
        help="materialize only these assets (Dagster's selection syntax, e.g. xbrl/facts+ or "
        "group:marts); nothing is downloaded first unless selected",
    )
    one_or_range = run.add_mutually_exclusive_group()
    one_or_range.add_argument("--partition", help="with --select: one filing (its accession)")
    one_or_range.add_argument(
        "--partition-range", help="with --select: filings FIRST...LAST (accessions), in one run"
    )
    run.set_defaults(func=cmd_run)
    sub.add_parser("status", help="what is downloaded, parsed and loaded").set_defaults(
        func=cmd_status
    )
    rollback = sub.add_parser(
        "rollback", help="serve the previous warehouse snapshot (again: roll forward)"
    )
    rollback.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds to wait for a running load to finish (default 600)",
    )
    rollback.set_defaults(func=cmd_rollback)
    from pipeline.query_output import FORMATS

    query = sub.add_parser("query", help="SQL against the warehouse, printed as a table")
    query.add_argument("sql", help="a SQL statement, or - to read it from standard input")
    query.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table and markdown group digits; csv and json are exact, without grouping",
    )
    query.add_argument(
        "--max-rows",
        type=_non_negative_int,
        default=None,
        help=f"rows to print, 0 for all (default: {QUERY_MAX_ROWS} for table and markdown, "
        "all for csv and json)",
    )
    query.add_argument(
        "--max-width",
        type=_positive_int,
        default=200,
        help="characters a table cell shows before it is cut with … (default 200)",
    )
    query.set_defaults(func=cmd_query)
    shot = sub.add_parser("screenshot", help="screenshot the asset graph in the Dagster UI")
    shot.add_argument("--out", default=str(REPO_ROOT / "docs" / "images" / "asset-graph.png"))
    shot.set_defaults(func=cmd_screenshot)
    dev = sub.add_parser("dev", help="open the Dagster UI (dagster dev)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.set_defaults(func=cmd_dev)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``edgar-pipeline``.

    A bad setting, or a data folder that can't be prepared, is one line on stderr and exit
    code 2 (like a bad argument), before any work starts.
    """
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "run" and settings.edgar_mirror is None:
            settings.contact()  # a live run needs SEC's contact identity: say so up front
        if args.command in DAGSTER_COMMANDS:  # these start the stand-in: check its faults now
            from pipeline.edgar.connection import standin_faults

            standin_faults(settings)
            from pipeline.deploy.profile import instance_profile

            instance_profile()  # EDGAR_DAGSTER_PROFILE (and production's DAGSTER_PG_*)
    except ConfigError as exc:
        print(f"edgar-pipeline: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command in DAGSTER_COMMANDS:
        try:
            prepare_dagster_home(settings)
        except OSError as exc:  # permission denied, read-only, disk full
            print(
                f"edgar-pipeline: cannot prepare the data folder: {exc}; make EDGAR_DATA_DIR "
                f"({settings.data_dir}) writable and free space there, or point it elsewhere",
                file=sys.stderr,
            )
            return 2
    try:
        return args.func(settings, args)
    except ConfigError as exc:  # a setting only a command can check
        print(f"edgar-pipeline: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"edgar-pipeline {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
