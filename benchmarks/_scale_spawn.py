"""Run one command and write its own resource usage: ``python _scale_spawn.py OUT -- CMD...``.

Linux carries a process's peak RSS across ``exec``: a child forked from a large process
(the benchmark, holding the stand-in's cached filings and Dagster) reports at least that
process's RSS as its ``ru_maxrss``. This launcher is small (standard library only), so the
command forked from it reports its own peak. OUT receives, as JSON, the command's exit
code, wall seconds, CPU seconds and peak RSS (with its own reaped children, e.g. a process
pool); the launcher exits with the command's exit code.
"""

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    out, separator, command = argv[0], argv[1], argv[2:]
    if separator != "--" or not command:
        raise SystemExit("usage: _scale_spawn.py OUT -- COMMAND...")
    started = time.perf_counter()
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "returncode": proc.returncode,
        "wall_s": time.perf_counter() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return proc.returncode if proc.returncode >= 0 else 128 - proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
