"""The CLI prints CSV; the package imports without Dagster."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

from pipeline.xbrl.__main__ import main
from tests.xbrl.conftest import REPO, filing_file


def test_import_does_not_pull_in_dagster() -> None:
    code = "import sys, pipeline.xbrl, pipeline.xbrl.line_items; print('dagster' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_cli_prints_csv_for_one_concept(capsys) -> None:
    path = filing_file("AMZN", "0001018724-25-000004", "amzn-20241231.htm")
    assert main([str(path), "--concept", "us-gaap:PaymentsToAcquireProductiveAssets"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # Cash-flow statement: Purchases of property and equipment (63,645) (52,729) (82,999)
    assert sorted((r["period_end"], r["value"]) for r in rows) == [
        ("2022-12-31", "63645000000"),
        ("2023-12-31", "52729000000"),
        ("2024-12-31", "82999000000"),
    ]
    assert {r["unit"] for r in rows} == {"USD"}


def test_cli_reports_bad_input(tmp_path, capsys) -> None:
    bad = tmp_path / "x.htm"
    bad.write_bytes(b"<html><body>no tags</body></html>")
    assert main([str(bad)]) == 2
    assert "x.htm: no XBRL" in capsys.readouterr().err
