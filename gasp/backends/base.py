"""The backend interface: submit a batch, one status query for many, cancel, find by name.

Every job is named ``<module>_r<run>_s<subrun>_p<pass>_a<attempt>`` and runs in its own
work folder holding ``spec.json``; the runner writes ``report.json`` there. Names make
reconciliation possible: a client restarted after a crash asks ``find`` before it submits,
so a job that already reached the batch system is never submitted twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class BackendState(StrEnum):
    """What a batch system can say of a job; ``unknown`` is never read as finished."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"  # the process ended; the report says how
    FAILED = "failed"  # the batch system says it failed (killed, time limit, node failure)
    UNKNOWN = "unknown"  # the batch system has lost track of it


@dataclass(frozen=True)
class Submission:
    """One job to start: its name and work folder (``spec.json`` is already written there)."""

    name: str
    workdir: Path


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

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold nothing open
        """Release whatever the backend holds open."""
