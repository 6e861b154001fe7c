"""benchmarks/bench_scale.py stays runnable: its universe, its floor, and its smallest run.

The universe and floor tests are fast (no pipeline run); the last test runs the whole script
at its smallest configuration (about a minute: nine short child processes).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

BENCHMARKS = REPO_ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _scale_universe import build  # noqa: E402


def _order(row: dict[str, str]) -> tuple[str, str]:
    return row["filing_date"], row["accession_number"]


@pytest.mark.parametrize("extra", [2, 6])
def test_universe_serves_n_filings_under_synthetic_keys_and_holds_back_the_newest(
    corpus, corpus_rows, tmp_path, extra
):
    from pipeline.edgar.standin.corpus import Corpus
    from pipeline.edgar.submission_file import completeness_problem, parse_header

    size = 2 * len(corpus_rows) + 1  # more than the corpus: companies are cloned again
    universe = build(corpus, tmp_path / "universe", size, extra)

    assert len(universe.served) == size and len(universe.held_back) == extra
    rows = list(universe.rows.values())
    real_ciks = {r["cik"] for r in corpus_rows}
    real_accessions = {r["accession_number"] for r in corpus_rows}
    assert not {r["cik"] for r in rows} & real_ciks
    assert not {r["ticker"] for r in rows} & {r["ticker"] for r in corpus_rows}
    assert not set(universe.rows) & real_accessions
    assert len({r["accession_number"] for r in rows}) == len(rows)
    # Each synthetic company copies one real company: its fiscal year end, its filings' dates.
    by_real = {(r["form"], r["filing_date"], r["primary_document"]): r for r in corpus_rows}
    for row in rows:
        real = by_real[(row["form"], row["filing_date"], row["primary_document"])]
        assert row["fiscal_year_end"] == real["fiscal_year_end"]
        assert row["accession_number"].startswith(row["cik"] + "-")
        for name in row["files"].split(";"):
            link = universe.folder / row["ticker"] / row["accession_number"] / name
            assert link.resolve() == (corpus / real["ticker"] / real["accession_number"] / name)
    # Published oldest first, each held-back filing is newer than what its company serves.
    held = [universe.rows[a] for a in universe.held_back]
    assert held == sorted(held, key=_order)
    for number, row in enumerate(held):
        visible = [universe.rows[a] for a in universe.served] + held[:number]
        company = [r for r in visible if r["cik"] == row["cik"]]
        assert company and all(_order(r) < _order(row) for r in company)
    # The stand-in serves the synthetic filing as SEC would: header keyed by the new names.
    served = Corpus(universe.folder, exclude_accessions=universe.held_back)
    assert {r.accession_number for r in served.rows()} == set(universe.served)
    newest = max((universe.rows[a] for a in universe.served), key=_order)
    envelope = served.archive_file(
        int(newest["cik"]),
        newest["accession_number"].replace("-", ""),
        f"{newest['accession_number']}.txt",
    )
    header = parse_header(envelope, "the synthetic envelope")
    assert (header.accession_number, header.cik) == (newest["accession_number"], newest["cik"])
    assert header.fiscal_year_end == newest["fiscal_year_end"]
    assert completeness_problem(envelope) is None


def test_universe_refuses_to_write_inside_the_corpus(corpus):
    with pytest.raises(SystemExit, match="refusing"):
        build(corpus, corpus / "synthetic", 2, 2)


def test_floor_has_the_real_jobs_steps_and_executor(tmp_path):
    from _scale_floor import noop_definitions

    from pipeline.definitions import BUILD_JOB, MAIN_JOB, SYNC_JOB, build_definitions
    from tests.conftest import make_settings

    real = build_definitions(make_settings(tmp_path, companies=("AMZN", "WMT", "SYN0001")))
    floor = noop_definitions(real)
    for name in (SYNC_JOB, BUILD_JOB, MAIN_JOB):
        a, b = real.resolve_job_def(name), floor.resolve_job_def(name)
        assert sorted(n.name for n in a.graph.node_defs) == sorted(
            n.name for n in b.graph.node_defs
        )
        assert a.executor_def is b.executor_def
        graph_a, graph_b = a.asset_layer.asset_graph, b.asset_layer.asset_graph
        assert graph_a.get_all_asset_keys() == graph_b.get_all_asset_keys()
        for key in graph_a.get_all_asset_keys():
            assert graph_a.get(key).partitions_def == graph_b.get(key).partitions_def
            assert graph_a.get(key).parent_keys == graph_b.get(key).parent_keys
        assert graph_a.asset_check_keys == graph_b.asset_check_keys


def _row(report: str, label: str) -> list[str]:
    """The cells after ``label`` in the report's table."""
    line = next(line for line in report.splitlines() if line.startswith(f"| {label}"))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_smallest_configuration_runs_end_to_end(corpus, tmp_path):
    out = tmp_path / "report.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDGAR_", "DAGSTER_"))}
    smallest = ["--sizes", "2", "--repeats", "1", "--parse-sample", "2"]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_scale.py"), *smallest, "--out", str(out)],
        cwd=REPO_ROOT,
        env={**env, "EDGAR_CORPUS": str(corpus), "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = out.read_text()
    assert report == done.stdout
    number = re.compile(r"^\d+(\.\d+)?")
    for label in (
        "**full run**",
        "**one new filing, `edgar-pipeline run`**",
        "**one new filing, sensor path**",
        "**nothing new, `edgar-pipeline run`**",
        "**Dagster floor**",
        "**nothing new / floor**",
    ):
        (cell,) = _row(report, label)
        assert number.match(cell), (label, cell)
    # Each new filing was downloaded through the stand-in (its filing file) and parsed.
    for label in ("**one new filing, `edgar-pipeline run`**", "**one new filing, sensor path**"):
        lines = report.splitlines()
        section = lines[lines.index(next(x for x in lines if x.startswith(f"| {label}"))) :]
        gets = next(x for x in section if "HTTP GETs" in x)
        assert re.search(r"= \d+ \+ \d+ \+ \d+ \+ [1-9]\d* \|", gets), gets  # a filing file
        written = next(x for x in section if "Parquet files written" in x)
        assert int(_row(written, "&nbsp; Parquet files written")[0]) >= 2
    assert "Parse fan-out" in report and "FAILED" not in report
    assert not list(Path(tmp_path).glob("bench_scale_*")), "the scratch folder is removed"
