"""pid_alive: a running process is alive, a reaped one is gone."""

from __future__ import annotations

import os
import subprocess

from pipeline.processes import pid_alive


def test_this_process_is_alive_and_a_reaped_child_is_gone() -> None:
    assert pid_alive(os.getpid())
    child = subprocess.Popen(["true"])
    child.wait(timeout=30)
    assert not pid_alive(child.pid)


def test_a_process_of_another_user_counts_as_alive() -> None:
    assert pid_alive(1)  # init: owned by root, signalling it may be refused but it runs
