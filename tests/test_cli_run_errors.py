"""An unexpected error in ``edgar-pipeline run`` is one line, and its traceback is kept."""

from __future__ import annotations

import argparse

import pipeline.cli as cli
from tests.conftest import make_settings


def test_an_unexpected_error_is_one_line_with_the_traceback_saved(tmp_path, monkeypatch, capsys):
    def broken(settings, args):
        try:
            raise KeyError("inner")
        except KeyError as exc:
            raise RuntimeError("storage went away") from exc

    monkeypatch.setattr(cli, "_run_pipeline", broken)
    settings = make_settings(tmp_path)
    assert cli.cmd_run(settings, argparse.Namespace()) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "edgar-pipeline run: FAILED: RuntimeError: storage went away"
    saved = list((settings.data_dir / "logs").glob("run-*.traceback.txt"))
    assert len(saved) == 1 and str(saved[0]) in err[1]
    text = saved[0].read_text()
    assert "Traceback" in text and "KeyError: 'inner'" in text and "storage went away" in text
