"""The production profile's settings: picked by one variable, checked before anything starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT, ConfigError
from pipeline.deploy.celery_config import celery_settings, mask_url
from pipeline.deploy.profile import instance_profile

PG = {
    "DAGSTER_PG_HOST": "127.0.0.1",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_USER": "dagster",
    "DAGSTER_PG_PASSWORD": "secret",
    "DAGSTER_PG_DB": "dagster",
}


def test_default_profile_is_the_one_machine_instance():
    assert instance_profile({}).instance_yaml == REPO_ROOT / "dagster.yaml"
    assert not instance_profile({"EDGAR_DAGSTER_PROFILE": " "}).production


def test_production_profile_uses_deploy_yaml():
    profile = instance_profile({"EDGAR_DAGSTER_PROFILE": "production", **PG})
    assert profile.production
    assert profile.instance_yaml == REPO_ROOT / "deploy" / "dagster.yaml"


def test_deploy_yaml_is_a_valid_instance_config(tmp_path: Path):
    """Dagster's own schema accepts it: PostgreSQL storage, queued runs, pools, monitoring."""
    from dagster._core.instance.config import dagster_instance_config

    shutil.copy(REPO_ROOT / "deploy" / "dagster.yaml", tmp_path / "dagster.yaml")
    config, _ = dagster_instance_config(str(tmp_path))
    assert "postgres" in config["storage"]
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    assert config["run_monitoring"]["enabled"] and config["run_retries"]["enabled"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EDGAR_DAGSTER_PROFILE": "prod"}, "EDGAR_DAGSTER_PROFILE='prod' is not a profile"),
        (
            {"EDGAR_DAGSTER_PROFILE": "production", "DAGSTER_PG_HOST": "db"},
            "set DAGSTER_PG_PORT, DAGSTER_PG_USER, DAGSTER_PG_PASSWORD, DAGSTER_PG_DB",
        ),
        (
            {"EDGAR_DAGSTER_PROFILE": "production", **PG, "DAGSTER_PG_PORT": "99999"},
            "DAGSTER_PG_PORT='99999' is not a port",
        ),
        (
            {"EDGAR_DAGSTER_PROFILE": "production", **PG, "DAGSTER_PG_DB": "x; drop"},
            "DAGSTER_PG_DB='x; drop' is not a PostgreSQL name",
        ),
        (
            {"EDGAR_DAGSTER_PROFILE": "production", **PG, "DAGSTER_PG_HOST": "a b"},
            "DAGSTER_PG_HOST='a b' is not a host name",
        ),
    ],
)
def test_bad_profile_settings_are_one_line(env: dict[str, str], message: str):
    with pytest.raises(ConfigError) as raised:
        instance_profile(env)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_celery_settings():
    found = celery_settings({"EDGAR_CELERY_BROKER": "redis://broker:6379/0"})
    assert found.visibility_timeout_s == 3600
    config = found.config_source()
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["broker_transport_options"]["visibility_timeout"] == 3600


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "EDGAR_CELERY_BROKER is not set"),
        (
            {"EDGAR_CELERY_BROKER": "amqp://user:pw@host//"},
            "EDGAR_CELERY_BROKER='amqp://user:***@host//' is not a Redis URL",
        ),
        (
            {"EDGAR_CELERY_BROKER": "redis://h:6379/0", "EDGAR_CELERY_VISIBILITY_TIMEOUT": "5"},
            "EDGAR_CELERY_VISIBILITY_TIMEOUT='5' is out of range",
        ),
    ],
)
def test_bad_celery_settings_are_one_line(env: dict[str, str], message: str):
    with pytest.raises(ConfigError) as raised:
        celery_settings(env)
    assert message in str(raised.value)
    assert "pw" not in str(raised.value)


def test_mask_url():
    assert mask_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert mask_url("redis://host:6379/0") == "redis://host:6379/0"
    # a password holding '@' or '/' is masked whole
    assert mask_url("redis://:p@ss@host:6379/0") == "redis://:***@host:6379/0"
    assert mask_url("redis://u:a/b@host/0") == "redis://u:***@host/0"


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EDGAR_", "DAGSTER_"))}
    return subprocess.run(
        args,
        cwd=REPO_ROOT,
        env={**clean, "EDGAR_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_refuses_a_bad_profile_before_any_work(tmp_path: Path, corpus: Path):
    edgar_pipeline = str(Path(sys.executable).with_name("edgar-pipeline"))
    env = {"EDGAR_DAGSTER_PROFILE": "cluster", "EDGAR_MIRROR": str(corpus)}
    result = _run([edgar_pipeline, "run"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "edgar-pipeline: configuration error: EDGAR_DAGSTER_PROFILE='cluster' is not a "
        "profile: give local or production (default local)"
    ]
    assert not (tmp_path / "data").exists()


def test_deploy_commands_need_the_production_profile(tmp_path: Path):
    result = _run([sys.executable, "-m", "pipeline.deploy", "worker"], {}, tmp_path)
    assert result.returncode == 2
    assert "EDGAR_DAGSTER_PROFILE is not 'production'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
