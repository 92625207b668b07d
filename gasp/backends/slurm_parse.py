"""What sbatch, squeue and sacct print, read by pure functions; Slurm's job states mapped.

Kept apart from the code that runs the commands so that every parsing rule is tested on
output captured from a real Slurm (``tests/backends/test_slurm_parse.py``), without one.

The commands are asked for ``|``-separated fields (``squeue --format=%i|%j|%T|%r``,
``sacct --parsable2 --format=JobIDRaw,JobName,State,ExitCode``). Job names are the only
free text; gasp's names cannot hold ``|``, and a foreign one that does is still read
right, because the fixed fields are taken from both ends of the line.

How states map (``BackendState``), and why:

* ``PENDING``, ``REQUEUED``, ``CONFIGURING`` and the holds: **queued**;
* ``RUNNING``, ``COMPLETING``, ``SUSPENDED`` and the other live states: **running**;
* ``COMPLETED``: **finished**; the client then reads ``report.json``;
* ``FAILED`` because the batch script *itself* exited non-zero (squeue's reason
  ``NonZeroExitCode``, sacct's exit code ``N:0`` with N > 0): **finished** as well. The
  runner exits non-zero whenever the application failed, after writing a report that
  says how; reading it keeps the real error (and its logs, and whether it is worth a
  retry) instead of a bare "FAILED". No report means an infrastructure failure to the
  client, so nothing is lost when the script died before writing one;
* ``FAILED`` otherwise (killed by a signal, launch failure), ``TIMEOUT``, ``CANCELLED``,
  ``NODE_FAIL``, ``OUT_OF_MEMORY``, ``PREEMPTED``, ``BOOT_FAIL``, ``DEADLINE``: **failed**,
  with the state as the reason (e.g. ``TIMEOUT``) and Slurm's detail after it;
* a state this code does not know: **unknown**, never finished.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gasp.backends.base import BackendState, JobStatus

SQUEUE_FORMAT = "%i|%j|%T|%r"  # job id, name, state (long form), reason
SACCT_FIELDS = "JobIDRaw,JobName,State,ExitCode"
JOB_ID = re.compile(r"[0-9]+")

QUEUED_STATES = frozenset(
    {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "CONFIGURING"}
)
RUNNING_STATES = frozenset(
    {"RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT", "RESIZING", "SUSPENDED", "STOPPED"}
)
FAILED_STATES = frozenset(
    {
        "FAILED",
        "TIMEOUT",
        "CANCELLED",
        "NODE_FAIL",
        "OUT_OF_MEMORY",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
        "REVOKED",
        "SPECIAL_EXIT",
    }
)
SCRIPT_EXITED = "NonZeroExitCode"  # squeue's reason when the batch script exited non-zero
NO_REASON = frozenset({"", "None", "(null)"})
# Reasons that only repeat the state in other words: "TIMEOUT", not "TIMEOUT (TimeLimit)".
RESTATED = frozenset({"TimeLimit", "NodeDown", "OutOfMemory", "DeadLine", "BootFail"})


class ParseError(ValueError):
    """A Slurm command printed something that is not what it was asked for."""


@dataclass(frozen=True)
class SlurmJob:
    """One job as squeue or sacct described it."""

    job_id: str
    name: str
    state: str  # the first word: sacct's "CANCELLED by 1000" is "CANCELLED"
    reason: str | None = None  # squeue's reason (None when it says "None")
    exit_code: str | None = None  # sacct's "status:signal", e.g. "3:0" or "0:9"


def parse_sbatch(stdout: str) -> str:
    """The job id ``sbatch --parsable`` printed (``ID`` or ``ID;CLUSTER``)."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ParseError("sbatch printed no job id")
    job_id = lines[-1].split(";", 1)[0]
    if not JOB_ID.fullmatch(job_id):
        raise ParseError(f"sbatch printed {lines[-1]!r}, not a job id")
    return job_id


def _fields(line: str, count: int) -> list[str]:
    """Split into ``count`` fields; the second (the name) may itself hold ``|``."""
    head, sep, rest = line.partition("|")
    tail = rest.rsplit("|", count - 2)
    if not sep or len(tail) != count - 1:
        raise ParseError(f"expected {count} '|'-separated fields in {line!r}")
    return [head, *tail]


def parse_squeue(stdout: str) -> list[SlurmJob]:
    """Jobs in ``squeue --noheader --format=%i|%j|%T|%r`` output."""
    jobs = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        job_id, name, state, reason = _fields(line.strip(), 4)
        jobs.append(
            SlurmJob(
                job_id=job_id,
                name=name,
                state=_first_word(state),
                reason=None if reason.strip() in NO_REASON else reason.strip(),
            )
        )
    return jobs


def parse_sacct(stdout: str) -> list[SlurmJob]:
    """Jobs in ``sacct --noheader --parsable2 --format=JobIDRaw,JobName,State,ExitCode``.

    Steps (``123.batch``) are skipped: only the allocation says how the job ended.
    """
    jobs = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        job_id, name, state, exit_code = _fields(line.strip(), 4)
        if not JOB_ID.fullmatch(job_id):
            continue
        jobs.append(SlurmJob(job_id, name, _first_word(state), exit_code=exit_code.strip() or None))
    return jobs


def _first_word(state: str) -> str:
    words = state.split()
    return words[0] if words else ""


def by_id(jobs: Iterable[SlurmJob], wanted: Iterable[str]) -> dict[str, SlurmJob]:
    """The jobs whose id is wanted; for an id listed twice (a requeue), the last line."""
    keep = set(wanted)
    return {job.job_id: job for job in jobs if job.job_id in keep}


def ids_by_name(jobs: Iterable[SlurmJob], names: Iterable[str]) -> dict[str, str]:
    """For each wanted name, the id of the newest job under it (ids grow with time)."""
    keep = set(names)
    found: dict[str, str] = {}
    for job in jobs:
        if job.name in keep and (job.name not in found or int(job.job_id) > int(found[job.name])):
            found[job.name] = job.job_id
    return found


def _ended_by_itself(job: SlurmJob) -> bool:
    """Whether a FAILED job is a batch script that exited non-zero on its own."""
    if job.reason is not None:
        return job.reason == SCRIPT_EXITED
    if job.exit_code is None:
        return False
    status, _, signal = job.exit_code.partition(":")
    return status.isdigit() and int(status) > 0 and signal in ("", "0")


def job_status(job: SlurmJob) -> JobStatus:
    """What the client should make of one Slurm job (see the module docstring)."""
    state = job.state
    if state in QUEUED_STATES:
        return JobStatus(BackendState.QUEUED)
    if state in RUNNING_STATES:
        return JobStatus(BackendState.RUNNING)
    if state == "COMPLETED":
        return JobStatus(BackendState.FINISHED)
    if state == "FAILED" and _ended_by_itself(job):
        return JobStatus(BackendState.FINISHED)
    if state in FAILED_STATES:
        return JobStatus(BackendState.FAILED, _failure_reason(job))
    return JobStatus(BackendState.UNKNOWN, f"unrecognised Slurm job state {state!r}")


def _failure_reason(job: SlurmJob) -> str:
    """``TIMEOUT``, or ``FAILED (JobLaunchFailure)``, ``FAILED (exit code 0:9)``."""
    if job.reason is not None and job.reason not in RESTATED:
        return f"{job.state} ({job.reason})"
    if job.exit_code not in (None, "0:0"):
        return f"{job.state} (exit code {job.exit_code})"
    return job.state


def statuses(jobs: dict[str, SlurmJob], ids: Sequence[str], unknown: str) -> dict[str, JobStatus]:
    """A status for every id: the job's if known, else UNKNOWN with ``unknown`` as reason."""
    return {
        job_id: job_status(jobs[job_id])
        if job_id in jobs
        else JobStatus(BackendState.UNKNOWN, unknown)
        for job_id in ids
    }
