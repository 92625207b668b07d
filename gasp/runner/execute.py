"""Running the application: logs to files, wall and CPU time measured, never orphaned.

stdout and stderr go to ``stdout.txt`` and ``stderr.txt`` in the work folder (the report
names them; the client attaches them to the job document on failure). CPU time is the
difference of ``RUSAGE_CHILDREN`` around the run: it counts the application and anything
it waited for, which a batch system's accounting would count too.

On Linux the application is tied to the runner with ``PR_SET_PDEATHSIG``: if the runner is
killed (``kill -9``, a node agent), the application is killed with it instead of running
on, unowned, writing into a work folder nobody reads. A runner stopped by SIGTERM stops
the application itself (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gasp.runner.errors import ApplicationFailed, Terminated

STDOUT = "stdout.txt"
STDERR = "stderr.txt"
GRACE_S = 10.0  # between SIGTERM and SIGKILL when the runner itself is stopped
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Finished:
    """How the application ended."""

    exit_code: int  # negative: killed by that signal
    wall_s: float
    cpu_s: float
    stopped_by: int | None = None  # the signal that stopped the runner (and so the application)


def _death_signal_setter() -> Callable[[], None] | None:
    """A pre-exec hook that makes the child die with its parent, where the OS offers it."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, not in the child
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(137)

    return die_with_parent


def run_application(
    argv: Sequence[str], workdir: Path, env: Mapping[str, str] | None = None
) -> Finished:
    """Run ``argv`` in ``workdir`` to its end; ``ApplicationFailed`` if it cannot start.

    If the runner is told to stop meanwhile (``Terminated``), the application is stopped
    and its end is returned all the same, with ``stopped_by`` set, so that the report can
    still say how long it ran.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(workdir / STDOUT, "wb") as out, open(workdir / STDERR, "wb") as err:
        try:
            child = subprocess.Popen(
                list(argv),
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=dict(env) if env is not None else None,
                preexec_fn=_death_signal_setter(),  # noqa: PLW1509 - the runner has no threads
            )
        except OSError as exc:
            raise ApplicationFailed(f"cannot start {argv[0]}: {exc}") from exc
        stopped_by = None
        try:
            exit_code = child.wait()
        except Terminated as stop:
            stopped_by = stop.signum
            exit_code = _stop(child)
        except BaseException:
            _stop(child)
            raise
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wall = time.monotonic() - start
    return Finished(exit_code, round(wall, 3), round(max(cpu, 0.0), 3), stopped_by)


def _stop(child: subprocess.Popen[bytes]) -> int:
    """Stop the application because the runner is stopping: politely, then not."""
    child.terminate()
    try:
        return child.wait(GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


__all__ = ["STDERR", "STDOUT", "Finished", "run_application"]
