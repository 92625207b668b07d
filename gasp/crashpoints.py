"""Named points where a test can have this process killed with SIGKILL.

Crash safety is tested by really killing processes. Killing from outside at random times
covers arbitrary moments; these points let a test land the kill exactly in the windows
that matter (after a claim before submission, after submission before recording, between
cataloguing and completing, after an upload before the report). ``GASP_CRASHPOINT=NAME``
kills the process the first time it reaches NAME; ``NAME:N`` the N-th time. With
``GASP_CRASHPOINT_ONCE=FILE`` only one process of all that inherit the setting dies (the
one that creates FILE), so a retried worker can get past the point. Unset, each point
costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "GASP_CRASHPOINT"
ONCE_ENV = "GASP_CRASHPOINT_ONCE"
_seen: dict[str, int] = {}


def crashpoint(name: str) -> None:
    """Die here, by SIGKILL, if the environment asks for it."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    target, _, count = wanted.partition(":")
    if target != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] < int(count or 1):
        return
    once = os.environ.get(ONCE_ENV)
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another process already died here
    os.kill(os.getpid(), signal.SIGKILL)
