"""Start and end markers of every run, for checking that no job runs twice at once.

When ``GASP_RUNNER_MARKERS`` names a file, the runner appends one line when it starts a
job and one when it ends: ``start NAME PID TIME`` and ``end NAME PID TIME STATUS``. Each
line is a single ``O_APPEND`` write, so lines of concurrent runners never interleave.
Crash tests read this file to prove a subjob never ran twice at the same time and ran to
completion at most once.
"""

from __future__ import annotations

import os
import time

ENV = "GASP_RUNNER_MARKERS"


def mark(event: str, name: str, *extra: str) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    line = " ".join([event, name, str(os.getpid()), f"{time.time():.6f}", *extra]) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
