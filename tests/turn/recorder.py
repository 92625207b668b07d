"""The command the turn tests enqueue: records when it starts and ends, under which turn.

Each line is appended with one ``write`` on an ``O_APPEND`` descriptor, so lines of
several processes never interleave: ``start|end TIME SITE TOKEN PID``.
"""

from __future__ import annotations

import os
import sys
import time


def _record(path: str, what: str) -> None:
    line = (
        f"{what} {time.time():.6f} {os.environ['GASP_TURN_SITE']} "
        f"{os.environ['GASP_TURN_TOKEN']} {os.getpid()}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


if __name__ == "__main__":
    _record(sys.argv[1], "start")
    time.sleep(float(sys.argv[2]))
    _record(sys.argv[1], "end")
