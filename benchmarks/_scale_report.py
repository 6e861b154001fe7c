"""The markdown report of ``bench_scale.py``: one table (sizes as columns, ratios against
the smallest size) and the arithmetic drawn from it (requests at SEC's rate, parse fan-out,
the issue's goals)."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from _scale_measure import Child, Measure, SizeResult

Metric = Callable[[SizeResult], float | None]
SEC_SECONDS_PER_REQUEST = 1.1 / 10  # the pipeline's limiter: 10 requests per 1.1 s
GOAL = 1.5  # the bound: marginal cost 1,000 vs 10 filings, nothing new vs floor
FULL_UNIVERSE = 30_000  # the 500 companies over 15 years
CORES = 16


def _med(key: str, pick: Callable[[Measure], float | None]) -> Metric:
    """The median over repeats of ``pick`` applied to the measures in ``SizeResult.<key>``."""

    def metric(r: SizeResult) -> float | None:
        values = [v for m in getattr(r, key) if (v := pick(m)) is not None]
        return statistics.median(values) if values else None

    return metric


def _result(name: str) -> Callable[[Measure], float | None]:
    return lambda m: m.child.result.get(name)


def _sensor_total(m: Measure) -> float | None:
    result = m.child.result
    return result["tick_s"] + result["run_s"] if "run_s" in result else None


def _job_s(job: str) -> Metric:
    return lambda r: sum(x.seconds for x in r.full.runs if x.job == job) or None


def parse_step_ms(r: SizeResult) -> float | None:
    """The full run's parse step(s) (step keys containing "pars"), ms per filing."""
    steps = [s for run in r.full.runs for k, s in run.step_s.items() if "pars" in k]
    return 1000 * sum(steps) / r.size if steps else None


def _ratio(a: Metric, b: Metric) -> Metric:
    def metric(r: SizeResult) -> float | None:
        x, y = a(r), b(r)
        return x / y if x is not None and y else None

    return metric


def _wall(m: Measure) -> float:
    return m.child.wall_s


def _rss(m: Measure) -> float:
    return m.child.peak_rss_mb


IDLE_WALL, FLOOR_WALL = _med("idle", _wall), _med("floor", _wall)
IDLE_RUNS, FLOOR_RUNS = _med("idle", lambda m: m.runs_s), _med("floor", lambda m: m.runs_s)
CLI_NEW = _med("cli_new", _wall)
SENSOR_NEW = _med("sensor", _sensor_total)

GETS_LABEL = "&nbsp; HTTP GETs (= ticker map + daily indexes + company indexes + filing files)"
KINDS = (("tickers",), ("daily",), ("index",), ("filing", "document"))


def _gets_detail(key: str) -> Callable[[SizeResult], str]:
    """``= a + b + c`` by kind of URL, for the repeat with the median number of GETs."""

    def detail(r: SizeResult) -> str:
        found = getattr(r, key)
        measures = found if isinstance(found, list) else [found]
        if not measures:
            return ""
        m = sorted(measures, key=lambda x: x.gets)[len(measures) // 2]
        parts = [sum(m.gets_by_kind.get(k, 0) for k in kinds) for kinds in KINDS]
        return " = " + " + ".join(str(p) for p in parts)

    return detail


Row = tuple  # (label, metric, format[, detail]): detail adds text after the value
ROWS: list[Row] = [
    ("synthetic companies", lambda r: r.companies, ".0f"),
    (
        "**full run**, `edgar-pipeline run` of N filings: wall s",
        lambda r: r.full.child.wall_s,
        ".1f",
    ),
    ("&nbsp; s per filing", lambda r: r.full.child.wall_s / r.size, ".3f"),
    ("&nbsp; sync_filings run s (download, catalog)", _job_s("sync_filings"), ".1f"),
    ("&nbsp; parse_and_load run s (parse, load, marts)", _job_s("parse_and_load"), ".1f"),
    ("&nbsp; parse step ms per filing", parse_step_ms, ".0f"),
    ("&nbsp; peak RSS MB", lambda r: r.full.child.peak_rss_mb, ".0f"),
    ("&nbsp; CPU s / wall s", lambda r: r.full.child.cpu_s / r.full.child.wall_s, ".2f"),
    (GETS_LABEL, lambda r: r.full.gets, ".0f", _gets_detail("full")),
    ("&nbsp; HTTP GETs per filing", lambda r: r.full.gets / r.size, ".2f"),
    ("&nbsp; event-log KB (both runs)", lambda r: r.full.event_kb, ".0f"),
    ("&nbsp; event-log KB per filing", lambda r: r.full.event_kb / r.size, ".1f"),
    ("**one new filing, `edgar-pipeline run`**: wall s", CLI_NEW, ".1f"),
    ("&nbsp; Dagster runs s", _med("cli_new", lambda m: m.runs_s), ".1f"),
    ("&nbsp; peak RSS MB", _med("cli_new", _rss), ".0f"),
    (GETS_LABEL, _med("cli_new", lambda m: m.gets), ".0f", _gets_detail("cli_new")),
    ("&nbsp; event-log KB", _med("cli_new", lambda m: m.event_kb), ".0f"),
    ("&nbsp; Parquet files written", _med("cli_new", lambda m: m.parquet_written), ".0f"),
    ("**one new filing, sensor path**: tick + run s", SENSOR_NEW, ".1f"),
    ("&nbsp; the tick that found it, s", _med("sensor", _result("tick_s")), ".2f"),
    ("&nbsp; ticks until found", _med("sensor", _result("ticks")), ".0f"),
    ("&nbsp; the requested run, s", _med("sensor", _result("run_s")), ".1f"),
    ("&nbsp; peak RSS MB (ticks + run)", _med("sensor", _rss), ".0f"),
    (GETS_LABEL + ", ticks + run", _med("sensor", lambda m: m.gets), ".0f", _gets_detail("sensor")),
    ("&nbsp; event-log KB", _med("sensor", lambda m: m.event_kb), ".0f"),
    ("&nbsp; Parquet files written", _med("sensor", lambda m: m.parquet_written), ".0f"),
    (
        "sensor, one full pass over all companies: s",
        lambda r: r.prime.child.result.get("seconds"),
        ".1f",
    ),
    ("&nbsp; ticks", lambda r: r.prime.child.result.get("ticks"), ".0f"),
    (GETS_LABEL, lambda r: r.prime.gets, ".0f", _gets_detail("prime")),
    ("**nothing new, `edgar-pipeline run`**: wall s", IDLE_WALL, ".1f"),
    ("&nbsp; Dagster runs s", IDLE_RUNS, ".2f"),
    (GETS_LABEL, _med("idle", lambda m: m.gets), ".0f", _gets_detail("idle")),
    ("&nbsp; event-log KB", _med("idle", lambda m: m.event_kb), ".0f"),
    ("&nbsp; Parquet files written", _med("idle", lambda m: m.parquet_written), ".0f"),
    ("**Dagster floor**, same jobs with no-op bodies: wall s", FLOOR_WALL, ".1f"),
    ("&nbsp; Dagster runs s", FLOOR_RUNS, ".2f"),
    ("&nbsp; event-log KB", _med("floor", lambda m: m.event_kb), ".0f"),
    ("**nothing new / floor**, wall", _ratio(IDLE_WALL, FLOOR_WALL), ".2f"),
    ("&nbsp; Dagster runs", _ratio(IDLE_RUNS, FLOOR_RUNS), ".2f"),
]


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def table(results: list[SizeResult]) -> str:
    """Sizes as columns, then each larger size's ratio to the smallest."""
    base = results[0]
    header = ["N filings", *(f"{r.size:,}" for r in results)]
    header += [f"{r.size:,} vs {base.size:,}" for r in results[1:]]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for label, metric, fmt, *detail in ROWS:
        values = [metric(r) for r in results]
        cells = [_cell(v, fmt) for v in values]
        if detail:
            cells = [
                c + detail[0](r) if c != "-" else c for c, r in zip(cells, results, strict=True)
            ]
        first = values[0]
        cells += ["-" if v is None or not first else f"{v / first:.2f}x" for v in values[1:]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals(results: list[SizeResult]) -> list[str]:
    """The issue's goals, met or not, from the table."""
    lines = []
    first, last = results[0], results[-1]
    for name, metric in (("edgar-pipeline run", CLI_NEW), ("the sensor's path", SENSOR_NEW)):
        a, b = metric(first), metric(last)
        if a and b:
            verdict = "meets" if b / a <= GOAL else "misses"
            lines.append(
                f"- One new filing through {name}: {a:.1f} s at {first.size:,} filings, "
                f"{b:.1f} s at {last.size:,}: {b / a:.2f}x, {verdict} the goal (<= {GOAL}x)."
            )
    for r in results:
        idle, floor = IDLE_WALL(r), FLOOR_WALL(r)
        runs = _ratio(IDLE_RUNS, FLOOR_RUNS)(r)
        if idle and floor:
            verdict = "meets" if idle / floor <= GOAL else "misses"
            lines.append(
                f"- Nothing new at {r.size:,} filings: {idle:.1f} s against Dagster's floor of "
                f"{floor:.1f} s (whole processes): {idle / floor:.2f}x, {verdict} the goal "
                f"(<= {GOAL}x)" + (f"; the Dagster runs alone: {runs:.2f}x." if runs else ".")
            )
    return lines


def requests_note(results: list[SizeResult]) -> list[str]:
    """What SEC's rate limit makes of the requests counted."""
    lines = [
        "- Requests: children run with SEC's settings (`EDGAR_REQUESTS_PER_SECOND=10`; the "
        "shared limiter admits 10 per 1.1 s), so every GET below costs at least "
        f"{SEC_SECONDS_PER_REQUEST:.2f} s of wall time. The settings allow up to 1000/s only "
        "with `EDGAR_MIRROR`, where `edgar-pipeline run` starts its own stand-in inside its "
        "process, whose requests this script cannot count; so it measures at SEC's rate."
    ]
    for r in results:
        floor = r.full.gets * SEC_SECONDS_PER_REQUEST
        new = _med("cli_new", lambda m: m.gets)(r)
        lines.append(
            f"- {r.size:,} filings ({r.companies} companies): the full run made {r.full.gets} "
            f"GETs ({r.full.gets / r.size:.2f} per filing), >= {floor:.0f} s at SEC's rate of "
            f"its {r.full.child.wall_s:.0f} s"
            + (
                f"; one new filing: {new:.0f} GETs (>= {new * SEC_SECONDS_PER_REQUEST:.1f} s)."
                if new is not None
                else "."
            )
        )
    return lines


def fan_out_note(fan: Child, largest: SizeResult) -> list[str]:
    """What parsing does on this machine and what 16 cores would do, as arithmetic."""
    result = fan.result
    if not result:
        return [f"- Parse fan-out: not measured (the parse child failed; log {fan.log})."]
    n, workers, rounds = result["filings"], result["workers"], len(result["serial_s"])
    serial_s, pool_s = min(result["serial_s"]), min(result["pool_s"])
    t1 = serial_s / n  # seconds per filing, one process
    speedup = serial_s / pool_s
    efficiency = speedup / workers
    full = largest.full.child
    lines = [
        f"- Parse fan-out: `parse_filing` (verify, parse, write both Parquet files) over {n} "
        f"landed filings ({result['sources']} distinct real documents), fastest of {rounds} "
        f"alternating rounds: {1000 * t1:.0f} ms per filing in one process; a pool of "
        f"{workers} processes: {pool_s:.2f} s against {serial_s:.2f} s, {speedup:.2f}x "
        f"({efficiency:.0%} of linear).",
        f"- The full run at {largest.size:,} filings used {full.cpu_s:.0f} CPU s in "
        f"{full.wall_s:.0f} s of wall time ({full.cpu_s / full.wall_s:.2f}; above 1 only when "
        "work runs in several processes at once).",
    ]
    in_run = parse_step_ms(largest)
    overhead = 0.0
    if in_run is not None:
        ratio = in_run / (1000 * t1)
        overhead = max(0.0, in_run / 1000 - t1)
        how = "serially" if ratio > 0.75 else f"about {1 / ratio:.1f} filings at once"
        lines.append(
            f"- In the pipeline, the full run's parse step took {in_run:.0f} ms per filing, "
            f"{ratio:.2f}x the one-process `parse_filing` figure: it parses {how}"
            + (
                f", and {1000 * overhead:.0f} ms per filing is the step's own work around "
                "parsing (skip checks, per-partition metadata, events)."
                if overhead
                else "."
            )
        )
    for total in (largest.size, FULL_UNIVERSE):
        serial = total * t1
        rest = total * overhead
        lines.append(
            f"- {total:,} filings: parsing {serial:.1f} s in one process, {serial / speedup:.1f} s "
            f"on {workers} (measured); on {CORES} cores at the same {efficiency:.0%} efficiency "
            f"{total:,} x {t1:.3f} s / ({CORES} x {efficiency:.2f}) = "
            f"{serial / (CORES * efficiency):.1f} s"
            + (f", plus {rest:.1f} s of the step's serial work around it" if rest else "")
            + " (a bound: disk and memory bandwidth, and the load after parsing, do not scale)."
        )
    return lines


def _step_groups(runs: list) -> dict[str, tuple[int, float]]:
    """Steps grouped by their key's prefix before ``__`` (the asset group): count, seconds."""
    groups: dict[str, tuple[int, float]] = {}
    for run in runs:
        for key, seconds in run.step_s.items():
            group = key.split("__")[0]
            count, total = groups.get(group, (0, 0.0))
            groups[group] = (count + 1, total + seconds)
    return groups


def time_note(r: SizeResult) -> list[str]:
    """Where the wall time of the largest size's runs went: steps by group, Dagster between
    steps, and the process around the runs (start-up, imports, the sensor's ticks, the
    status the CLI prints)."""
    lines = []
    picks = [("full run", r.full), ("one new filing, `edgar-pipeline run`", _first(r.cli_new))]
    picks += [("one new filing, sensor path", _first(r.sensor))]
    picks += [("nothing new", _first(r.idle)), ("Dagster floor", _first(r.floor))]
    for name, m in picks:
        if m is None or not m.runs:
            continue
        groups = _step_groups(m.runs)
        steps = sum(total for _, total in groups.values())
        parts = ", ".join(
            f"{group} {count} step{'s' if count > 1 else ''} {total:.1f} s"
            for group, (count, total) in sorted(groups.items(), key=lambda g: -g[1][1])
        )
        lines.append(
            f"- Time at {r.size:,} filings, {name}: {m.child.wall_s:.1f} s = {parts}; "
            f"Dagster between steps {max(0.0, m.runs_s - steps):.1f} s; the process around "
            f"its runs {max(0.0, m.child.wall_s - m.runs_s):.1f} s."
        )
    return lines


def _first(measures: list[Measure]) -> Measure | None:
    return measures[0] if measures else None
