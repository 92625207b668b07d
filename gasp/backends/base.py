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

from gasp.jobfolder import REPORT_FILE


class BackendState(StrEnum):
    """What a batch system can say of a job; ``unknown`` is never read as finished.

    ``finished`` is said only once the job's process has ended, so a report it wrote is
    there to read; whether the job went well is the report's to say, not the state's.
    ``failed`` is the batch system's verdict: it ended the job or the job never ran
    (cancelled, killed, time limit, node failure, could not start). A backend that sees
    the worker itself (``local``) also calls a worker that ended without a report
    ``failed``. ``unknown`` covers an id the backend never issued as well as one it has
    forgotten: the client waits a few cycles and then fails the job, never completes it.
    """

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"  # the process ended; the report says how
    FAILED = "failed"  # the batch system says it failed (killed, time limit, node failure)
    UNKNOWN = "unknown"  # never issued by this backend, or the batch system lost track of it


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
    """A batch system, as the site client sees it.

    Every backend keeps the same promises (``tests/backends/test_contract.py`` runs one
    suite against each): one id per job, in order; one status answer for every id asked;
    names found again by a backend rebuilt from the same options (a restarted client);
    cancelling what has ended changes nothing; and nothing unknown is ever finished.
    ``noop`` alone keeps no memory across a rebuild: it stands in for a batch system
    that has lost every job.
    """

    name: str

    @abstractmethod
    def submit(self, jobs: Sequence[Submission]) -> list[str]:
        """Start the jobs (in one call where the system allows); their backend ids, in order.

        One id per job: the i-th id is the i-th job's, and ``find`` gives it back by name.
        """

    @abstractmethod
    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        """The state of many jobs from one query to the batch system (never one per job).

        Every id asked about is answered: one this backend never issued, or of a form it
        does not use, is ``unknown``, never an error and never ``finished``.
        """

    @abstractmethod
    def cancel(self, ids: Sequence[str]) -> None:
        """Stop the jobs: a live one ends, and is ``failed`` if it left no report.

        Cancelling a job that already ended is not an error and leaves its outcome as it
        was; ids this backend never issued are ignored.
        """

    @abstractmethod
    def find(self, names: Sequence[str]) -> dict[str, str]:
        """Backend ids of jobs already submitted under these names (for reconciliation).

        Names never submitted are left out. The answer survives the client: a backend
        built again from the same options finds what an earlier one submitted.
        """

    def read_report(self, name: str, workdir: Path) -> bytes | None:
        """The bytes of a finished job's report, or None if it left none.

        Bytes, not text: a worker wrote the file, and whether it is UTF-8 JSON at all is
        for the client's report parser to judge and to say, not for this read to raise.
        """
        try:
            return (workdir / REPORT_FILE).read_bytes()
        except OSError:
            return None

    def close(self) -> None:  # noqa: B027 - optional hook: most backends hold nothing open
        """Release whatever the backend holds open."""
