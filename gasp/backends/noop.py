"""The ``noop`` backend: runs nothing and finishes every job at once, with no outputs.

It exists to measure and test the client's own path (claims, records, finalizing) without
the cost of running applications: ``bench/claim.py`` and the many-site concurrency test
use it. It is never a site's backend: it produces no data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from gasp.backends.base import Backend, BackendState, JobStatus, Submission


class NoopBackend(Backend):
    """Every submitted job is immediately finished; its report is kept in memory.

    Only in memory, on purpose: a new ``NoopBackend`` (a restarted client) knows none of
    the jobs of the one before and calls them ``unknown``. It is the one backend that
    forgets across a restart, and the client's tests of lost jobs rely on it.
    """

    name = "noop"

    def __init__(self) -> None:
        self._reports: dict[str, str] = {}

    def submit(self, jobs: Sequence[Submission]) -> list[str]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for job in jobs:
            spec = json.loads(job.spec)
            report = {
                "name": job.name,
                "token": spec["token"],
                "status": "completed",
                "exit_code": 0,
                "cpu_s": 0.0,
                "wall_s": 0.0,
                "started": now,
                "finished": now,
                "outputs": [],
            }
            self._reports[job.name] = json.dumps(report)
        return [job.name for job in jobs]

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        return {
            i: JobStatus(BackendState.FINISHED if i in self._reports else BackendState.UNKNOWN)
            for i in ids
        }

    def cancel(self, ids: Sequence[str]) -> None:
        """Nothing runs, so nothing to stop."""

    def find(self, names: Sequence[str]) -> dict[str, str]:
        return {n: n for n in names if n in self._reports}

    def read_report(self, name: str, workdir: Path) -> bytes | None:
        report = self._reports.get(name)
        return report.encode("utf-8") if report is not None else None
