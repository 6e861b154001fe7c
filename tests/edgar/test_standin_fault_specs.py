"""EDGAR_STANDIN_FAULTS: strict parsing, arming in the stand-in the pipeline starts; 'replace'."""

from __future__ import annotations

import json

import pytest
import requests

from pipeline.config import ConfigError
from pipeline.edgar.connection import FAULTS_ENV, edgar_connection, standin_faults
from pipeline.edgar.standin import FaultKind
from pipeline.edgar.standin.faults import parse_fault_specs
from tests.conftest import make_settings

UA = {"User-Agent": "tests tests@example.com"}


def test_valid_specs_parse_with_defaults():
    specs = parse_fault_specs(
        json.dumps(
            [
                {"match": "a.txt", "kind": 503, "times": None},
                {"match": "b.txt", "kind": "silent", "delay": 2},
                {"match": "c.json", "kind": "replace", "old": "x", "new": "y", "times": 3},
                {"match": "d", "kind": "429", "retry_after": 0},
            ]
        )
    )
    assert [s["kind"] for s in specs] == [503, FaultKind.SILENT, FaultKind.REPLACE, 429]
    assert specs[0]["times"] is None and specs[1]["times"] == 1 and specs[2]["times"] == 3
    assert specs[1]["delay"] == 2.0 and specs[0]["delay"] is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[{oops", "not valid JSON"),
        ('{"match": "x", "kind": 503}', "expected a JSON list"),
        ("[42]", "fault 1: expected an object"),
        ('[{"match": "", "kind": 503}]', "'match'"),
        ('[{"match": "x"}]', "'kind'"),
        ('[{"match": "x", "kind": "explode"}]', "not a status or one of"),
        ('[{"match": "x", "kind": 99}]', "HTTP status"),
        ('[{"match": "x", "kind": true}]', "'kind'"),
        ('[{"match": "x", "kind": 503, "times": 0}]', "'times'"),
        ('[{"match": "x", "kind": 503, "times": 1.5}]', "'times'"),
        ('[{"match": "x", "kind": "slow", "delay": -1}]', "'delay'"),
        ('[{"match": "x", "kind": "slow", "delay": NaN}]', "'delay'"),
        ('[{"match": "x", "kind": 429, "retry_after": "soon"}]', "'retry_after'"),
        ('[{"match": "x", "kind": 503, "colour": "red"}]', "unknown keys ['colour']"),
        ('[{"match": "x", "kind": "replace"}]', "needs 'old'"),
        ('[{"match": "x", "kind": 503, "old": "a"}]', "belong to a replace fault"),
        ('[{"match": "x", "kind": 503}, {"match": "y", "kind": "nope"}]', "fault 2"),
    ],
)
def test_bad_specs_are_one_line_config_errors(tmp_path, corpus, text, says):
    settings = make_settings(tmp_path, edgar_mirror=corpus)
    with pytest.raises(ConfigError) as caught:
        standin_faults(settings, {FAULTS_ENV: text})
    message = str(caught.value)
    assert says in message and FAULTS_ENV in message and "\n" not in message


def test_faults_without_a_mirror_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="EDGAR_MIRROR is not"):
        standin_faults(make_settings(tmp_path), {FAULTS_ENV: '[{"match": "x", "kind": 503}]'})
    assert standin_faults(make_settings(tmp_path), {FAULTS_ENV: " "}) == []


def test_the_pipelines_stand_in_arms_the_faults(tmp_path, corpus, corpus_rows, monkeypatch):
    row = corpus_rows[0]
    acc, cik = row["accession_number"], int(row["cik"])
    index_url = f"https://data.sec.gov/submissions/CIK{row['cik']}.json"
    txt_url = f"https://www.sec.gov/Archives/edgar/data/{cik}/{acc.replace('-', '')}/{acc}.txt"
    faults = [
        {"match": f"{acc}.txt", "kind": 503, "times": 1},
        {
            "match": f"CIK{row['cik']}.json",
            "kind": "replace",
            "old": acc,
            "new": "X-1",
            "times": None,
        },
    ]
    monkeypatch.setenv(FAULTS_ENV, json.dumps(faults))
    settings = make_settings(tmp_path, edgar_mirror=corpus, max_retries=0)
    with edgar_connection(settings):
        assert requests.get(txt_url, headers=UA).status_code == 503
        assert requests.get(txt_url, headers=UA).status_code == 200  # times: 1 used up
        index = requests.get(index_url, headers=UA)
        assert index.status_code == 200
        served = index.json()["filings"]["recent"]["accessionNumber"]
        assert "X-1" in served and acc not in served
        assert int(index.headers["Content-Length"]) == len(index.content)
