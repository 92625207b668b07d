"""Real worker processes for the backend tests, run by a tiny stand-in for the runner.

The stand-in reads its ``spec.json`` to know how to behave: hold until the test drops a
``go`` file in its folder (so tests decide when jobs end, instead of racing sleeps), write
``report.json`` or not, exit with a status, crash, ignore SIGTERM, leave a child behind.
Every worker this suite starts runs this one script, whose path is unique per test, so
``/proc`` tells exactly which of them are alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.base import Submission
from gasp.backends.local import LocalBackend
from gasp.backends.procfs import read_stat

STAND_IN = textwrap.dedent(
    """
    import json, os, signal, subprocess, sys, time

    spec = json.load(open(sys.argv[1]))
    print("worker", os.getpid(), "in", os.getcwd(), "with", sys.argv[1], flush=True)
    if spec.get("ignore_term"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if spec.get("child"):
        child = subprocess.Popen(["sleep", "60"])
        open("child.pid.tmp", "w").write(str(child.pid))
        os.rename("child.pid.tmp", "child.pid")
    if spec.get("hold"):
        deadline = time.monotonic() + 60  # never outlive a broken test by much
        while not os.path.exists("go") and time.monotonic() < deadline:
            time.sleep(0.01)
    if spec.get("crash"):
        raise RuntimeError("the stand-in crashed on purpose")
    if spec.get("report", True):
        report = {"name": spec["name"], "cwd": os.getcwd(), "spec": sys.argv[1]}
        open("report.json.tmp", "w").write(json.dumps(report))
        os.rename("report.json.tmp", "report.json")
    sys.exit(spec.get("exit", 0))
    """
)


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll ``predicate`` until it holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not reached within {timeout} s")
        time.sleep(0.02)


class Workbench:
    """Job folders, the stand-in command, and every backend a test makes (cleaned up after)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.script = root / "stand_in.py"
        self.script.write_text(STAND_IN, encoding="utf-8")
        self.command = (sys.executable, "-S", str(self.script))
        self.spool = root / "spool"
        self.backends: list[LocalBackend] = []

    def backend(self, max_running: int = 4, **options: Any) -> LocalBackend:
        backend = LocalBackend(self.spool, max_running, self.command, **options)
        self.backends.append(backend)
        return backend

    def job(self, name: str, **behaviour: Any) -> Submission:
        """A job whose specification tells the stand-in how to behave; the backend writes
        it into the job folder as ``spec.json``."""
        workdir = self.root / "jobs" / name
        return Submission(name, workdir, json.dumps({"name": name, **behaviour}))

    def release(self, *jobs: Submission) -> None:
        """Let held workers of these jobs finish."""
        for job in jobs:
            (job.workdir / "go").touch()

    def live_workers(self) -> list[int]:
        """Pids of stand-in processes of this test that are alive (zombies are not)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if str(self.script).encode() in cmdline:
                stat = read_stat(int(entry))
                if stat is not None and stat[0] not in ("Z", "X"):
                    pids.append(int(entry))
        return pids

    def cleanup(self) -> None:
        for pid in self.live_workers():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Workbench]:
    workbench = Workbench(tmp_path)
    yield workbench
    workbench.cleanup()
