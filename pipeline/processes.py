"""Whether a process on this machine is still running (for files and folders named by pid)."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists (even if another user owns it), False when it is gone.

    A recycled pid reads as alive; callers that must tell a restarted process apart also
    check a lock or the process start time.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True
