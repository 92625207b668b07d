"""Running the enqueued command as a child process that cannot outlive its turn.

The command is an argument list, never a shell string. It runs in a process group of its
own, so that ending it ends everything it started in that group (a batch job that a
backend detaches into a session of its own is not touched: it belongs to the batch
system, not to the turn). On Linux the child also asks the kernel to kill it when the
enqueue process dies (``PR_SET_PDEATHSIG``): a ``kill -9`` of the site's enqueue must not
leave its command running into the next site's turn. (Grandchildren are covered by the
process group when enqueue ends them itself, not by the kernel when enqueue is killed.)

The loop sees the command only through ``Launcher`` and ``Running``, so tests can drive
the loop with a command of their own making.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

_PR_SET_PDEATHSIG = 1
_POLL_S = 0.05


class Running(Protocol):
    pid: int

    def poll(self) -> int | None:
        """The command's exit status once it has ended (128 + N if killed by signal N)."""

    def terminate(self, grace_s: float) -> int:
        """End the command: SIGTERM, then SIGKILL after ``grace_s``; its exit status."""


class Launcher(Protocol):
    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> Running:
        """Start ``argv`` with ``env`` added to this process's environment."""


def exit_status(returncode: int) -> int:
    """Popen's negative "killed by signal N" as a shell would report it."""
    return 128 - returncode if returncode < 0 else returncode


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook that makes the child die with this process (Linux), else None.

    It runs between fork and exec, where only async-signal-safe work is allowed: the
    library call is resolved here, in the parent. (The enqueue process has a single
    thread, which is what makes a pre-exec hook safe at all.)
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return hook


class ProcessRunning:
    """A started command: its own process group, reaped only after the group is ended."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        self.pid = popen.pid
        self._status: int | None = None

    def poll(self) -> int | None:
        if self._status is not None:
            return self._status
        # WNOWAIT: look without reaping, so the group id cannot be reused before the
        # stragglers the command left in its group are killed.
        try:
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                return None
        except ChildProcessError:
            pass  # reaped already: nothing left to wait for
        self._signal_group(signal.SIGKILL)
        self._status = exit_status(self._popen.wait())
        return self._status

    def terminate(self, grace_s: float) -> int:
        if self.poll() is not None:
            assert self._status is not None
            return self._status
        self._signal_group(signal.SIGTERM)
        self._signal_group(signal.SIGCONT)  # a stopped command must wake to see the TERM
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            status = self.poll()
            if status is not None:
                return status
            time.sleep(_POLL_S)
        self._signal_group(signal.SIGKILL)
        self._status = exit_status(self._popen.wait())
        return self._status

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # an empty group
            os.killpg(self.pid, signum)


class ProcessLauncher:
    """Starts real child processes."""

    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> Running:
        popen = subprocess.Popen(
            list(argv),
            env={**os.environ, **env},
            process_group=0,
            preexec_fn=_die_with_parent(),  # noqa: PLW1509 (single-threaded; see the hook)
        )
        return ProcessRunning(popen)
