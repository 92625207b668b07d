"""The backend interface: submit a batch, one status query for many, cancel, find by name.

Every job is named ``<module>_r<run>_s<subrun>_p<pass>_a<attempt>`` and runs in its own
work folder. The client hands the backend each job's specification as text and the backend
puts it where its workers read it (``spec.json`` in the work folder, for the local and
Slurm backends): the client then creates no file per job, which on a batch of thousands
is most of the cost of submitting. The runner writes ``report.json``; ``read_report`` is
where the client gets it. Names make
reconciliation possible: a client restarted after a crash asks ``find`` before it submits,
so a job that already reached the batch system is never submitted twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from gasp.runner.spec import REPORT_FILE


class BackendState(StrEnum):
    """What a batch system can say of a job; ``unknown`` is never read as finished."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"  # the process ended; the report says how
    FAILED = "failed"  # the batch system says it failed (killed, time limit, node failure)
    UNKNOWN = "unknown"  # the batch system has lost track of it


@dataclass(frozen=True)
class Submission:
    """One job to start: its name, its work folder, and its specification (JSON text)."""

    name: str
    workdir: Path
    spec: str


@dataclass(frozen=True)
class JobStatus:
    state: BackendState
    reason: str | None = None  # the batch system's word on a failure (e.g. TIMEOUT)


class Backend(ABC):
    """A batch system, as the site client sees it."""

    name: str

    @abstractmethod
    def submit(self, jobs: Sequence[Submission]) -> list[str]:
        """Start the jobs (in one call where the system allows); their backend ids, in order."""

    @abstractmethod
    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        """The state of many jobs from one query to the batch system (never one per job)."""

    @abstractmethod
    def cancel(self, ids: Sequence[str]) -> None:
        """Stop the jobs; stopping one that already ended is not an error."""

    @abstractmethod
    def find(self, names: Sequence[str]) -> dict[str, str]:
        """Backend ids of jobs already submitted under these names (for reconciliation)."""

    def read_report(self, name: str, workdir: Path) -> str | None:
        """The text of a finished job's report, or None if it left none."""
        try:
            return (workdir / REPORT_FILE).read_text(encoding="utf-8")
        except OSError:
            return None

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold nothing open
        """Release whatever the backend holds open."""
