"""The ``local`` backend: a small batch system of worker processes on this machine.

It is the embedded default, and it behaves toward the client like a real batch system:
jobs are named, queued, started when a slot frees, followed, and cancelled, and all of it
survives the client. A client killed with ``kill -9`` and restarted finds every job it
had started, queued, running or ended, by name (``find``), and their states (``status``).

How (details in ``spool`` and ``launcher``):

* The bookkeeping lives in a spool folder, one record per job, written atomically; the
  worker itself records its pid, start time and boot id before it execs (its "claim").
* Workers run ``[*command, <workdir>/spec.json]`` in their job folder, detached from the
  client (double fork through a small launcher, new session), with stdout and stderr
  appended to ``runner.log`` there.
* There is no daemon. Queued jobs are started by whichever client call comes next
  (``submit``, ``status``, ``cancel``): the "pump" counts live workers and starts the
  oldest queued jobs into the free slots, under a lock so two clients never overfill them.
* The state of a job is read from files and ``/proc`` only, a few small reads per job and
  no subprocess, so ``status`` of a thousand jobs is one quick pass.

Linux only: liveness comes from ``/proc``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from gasp.backends import procfs
from gasp.backends.base import Backend, BackendState, JobStatus, Submission
from gasp.backends.options import DEFAULT_CANCEL_GRACE_S, DEFAULT_COMMAND
from gasp.backends.spool import JobRecord, Spool, SpoolError, is_job_name
from gasp.errors import ConfigError, GaspError
from gasp.jobfolder import REPORT_FILE, SPEC_FILE

LOG_FILE = "runner.log"
LAUNCHER = Path(__file__).with_name("launcher.py")
LAUNCH_TIMEOUT_S = 120.0

NO_REPORT = "worker process ended without a report"
CANCELLED = "cancelled"
CANCELLED_QUEUED = "cancelled before it started"

log = logging.getLogger(__name__)


def write_spec(workdir: Path, spec: str) -> None:
    """Put a job's specification where its worker reads it, atomically."""
    workdir.mkdir(parents=True, exist_ok=True)
    partial = workdir / f".{SPEC_FILE}.part"
    partial.write_text(spec, encoding="utf-8")
    partial.replace(workdir / SPEC_FILE)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LocalBackend(Backend):
    """Worker processes on this machine, at most ``max_running`` alive at once."""

    name = "local"

    def __init__(
        self,
        spool: Path,
        max_running: int | None = None,
        command: Sequence[str] = DEFAULT_COMMAND,
        *,
        cancel_grace: float = DEFAULT_CANCEL_GRACE_S,
    ) -> None:
        """``spool`` holds the bookkeeping (created if missing); keep it with the job folders.

        ``max_running`` defaults to the number of CPUs. ``cancel_grace`` is how long a
        cancelled worker has between SIGTERM and SIGKILL.
        """
        if not procfs.BOOT_ID_FILE.exists():
            raise ConfigError("the local backend needs Linux's /proc (not found here)")
        self.max_running = max_running if max_running is not None else (os.cpu_count() or 1)
        if self.max_running < 1:
            raise ConfigError(f"local backend: max_running must be at least 1, not {max_running}")
        if not command or not all(isinstance(part, str) and part for part in command):
            raise ConfigError(f"local backend: command must be non-empty strings, not {command!r}")
        if cancel_grace < 0:
            raise ConfigError(f"local backend: cancel_grace must be >= 0, not {cancel_grace}")
        self.command = tuple(command)
        self.cancel_grace = cancel_grace
        try:
            self.spool = Spool(Path(spool))
        except OSError as exc:
            raise ConfigError(f"local backend spool {spool}: {exc.strerror or exc}") from exc
        self._last_seq = 0

    # -- the Backend interface -------------------------------------------------------------

    def submit(self, jobs: Sequence[Submission]) -> list[str]:
        """Queue the jobs and start as many as there are free slots; ids are the names.

        Submitting a name the spool already knows does nothing and returns its id again:
        the job (attempt) it names exists already, and running it twice is what the
        names are there to prevent.
        """
        for job in jobs:
            if not is_job_name(job.name):
                raise ValueError(f"job name {job.name!r} is not a valid local backend job name")
        with self._spool_errors(), self.spool.locked(wait=True):
            submitted = _now()
            for job in jobs:
                if self.spool.has_record(job.name):
                    continue
                write_spec(job.workdir, job.spec)
                # Marker first: a crash between the two leaves a marker without a record,
                # which the pump drops, never a record the pump cannot see.
                self.spool.mark_active(job.name)
                record = JobRecord(
                    name=job.name,
                    workdir=str(job.workdir.absolute()),
                    seq=self._next_seq(),
                    submitted=submitted,
                )
                self.spool.write_record(record)
            self._pump()
        return [job.name for job in jobs]

    def status(self, ids: Sequence[str]) -> dict[str, JobStatus]:
        """The state of each job, from the spool and /proc only, after starting queued work.

        If another client is starting or stopping workers at this moment, this call does
        not wait for it: it reports and leaves the starting to that client.
        """
        with self._spool_errors(), self.spool.locked(wait=False) as held:
            if held:
                try:
                    self._pump()
                except (GaspError, OSError) as exc:  # reporting must not fail as starting did
                    log.warning("%s", exc)
        boot_id = procfs.current_boot_id()
        return {job_id: self._state(job_id, boot_id) for job_id in ids}

    def cancel(self, ids: Sequence[str]) -> None:
        """SIGTERM each running job's process group, SIGKILL after the grace; drop queued ones.

        Jobs that already ended keep their outcome; unknown ids are ignored.
        """
        boot_id = procfs.current_boot_id()
        with self._spool_errors(), self.spool.locked(wait=True):
            signalled: list[procfs.ProcessIdentity] = []
            for name in dict.fromkeys(ids):
                worker = self._cancel_one(name, boot_id)
                if worker is not None:
                    signalled.append(worker)
            self._wait_for_end(signalled, boot_id, self.cancel_grace)
            for worker in signalled:  # the stubborn, and anything the worker left behind
                procfs.signal_group(worker, signal.SIGKILL, boot_id)
            self._wait_for_end(signalled, boot_id, 1.0)
            self._pump()

    def find(self, names: Sequence[str]) -> dict[str, str]:
        """Ids of the jobs the spool knows under these names, whatever their state."""
        return {name: name for name in names if is_job_name(name) and self.spool.has_record(name)}

    # -- reading a job's state -------------------------------------------------------------

    def _state(self, name: str, boot_id: str) -> JobStatus:
        if not is_job_name(name):
            return JobStatus(BackendState.UNKNOWN, f"{name!r} is not a local backend job id")
        try:
            record = self.spool.read_record(name)
            if record is None:
                return JobStatus(BackendState.UNKNOWN)
            worker = self.spool.read_claim(name)
        except SpoolError as exc:
            return JobStatus(BackendState.UNKNOWN, str(exc))
        if worker is None:
            if record.cancelled:
                return JobStatus(BackendState.FAILED, CANCELLED_QUEUED)
            if record.launch_error:  # failed before it could even claim the job
                return JobStatus(
                    BackendState.FAILED, f"worker could not start: {record.launch_error}"
                )
            return JobStatus(BackendState.QUEUED)
        if procfs.is_alive(worker, boot_id):
            return JobStatus(BackendState.RUNNING)
        # Ended. The runner writes its report atomically before it exits, so looking for
        # the report only after seeing the process gone cannot miss one.
        if (Path(record.workdir) / REPORT_FILE).exists():
            return JobStatus(BackendState.FINISHED)
        if record.launch_error:
            return JobStatus(BackendState.FAILED, f"worker could not start: {record.launch_error}")
        if record.cancelled:
            return JobStatus(BackendState.FAILED, CANCELLED)
        return JobStatus(BackendState.FAILED, NO_REPORT)

    # -- starting queued work --------------------------------------------------------------

    def _pump(self) -> None:
        """Start the oldest queued jobs into the free slots (the spool lock must be held).

        Also retires jobs whose worker has ended: their marker goes, and whatever their
        process group still holds is killed (a runner killed with ``kill -9`` leaves its
        application running otherwise, outside any slot).
        """
        boot_id = procfs.current_boot_id()
        running = 0
        queued: list[JobRecord] = []
        for name in self.spool.active_names():
            try:
                record = self.spool.read_record(name)
                worker = self.spool.read_claim(name)
            except SpoolError as exc:
                log.warning("local backend: skipping job %s: %s", name, exc)
                continue
            if record is None:  # a crash between marker and record
                self.spool.drop_active(name)
            elif worker is None:
                if record.cancelled or record.launch_error:  # never to start: no retry loop
                    self.spool.drop_active(name)
                else:
                    queued.append(record)
            elif procfs.is_alive(worker, boot_id):
                running += 1
            else:
                procfs.signal_group(worker, signal.SIGKILL, boot_id)
                self.spool.drop_active(name)
        free = self.max_running - running
        if free > 0 and queued:
            queued.sort(key=lambda record: record.seq)
            self._launch(queued[:free])

    def _launch(self, records: Sequence[JobRecord]) -> None:
        """Start workers for these jobs through one launcher process, and wait for it."""
        jobs = [
            {
                "name": record.name,
                "workdir": record.workdir,
                "argv": [*self.command, str(Path(record.workdir) / SPEC_FILE)],
                "log": str(Path(record.workdir) / LOG_FILE),
                "claim": str(self.spool.claim_path(record.name)),
                "record": str(self.spool.record_path(record.name)),
            }
            for record in records
        ]
        try:
            launched = subprocess.run(
                [sys.executable, "-I", "-S", str(LAUNCHER)],
                input=json.dumps(jobs),
                capture_output=True,
                text=True,
                start_new_session=True,  # a Ctrl-C meant for the client must not cut a launch
                timeout=LAUNCH_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GaspError(f"local backend: could not run the worker launcher: {exc}") from exc
        by_name = {record.name: record for record in records}
        for line in launched.stdout.splitlines():
            outcome = json.loads(line)
            record = by_name[outcome["name"]]
            if outcome["outcome"] == "error":
                self.spool.write_record(replace(record, launch_error=outcome["error"]))
            elif outcome["outcome"] == "cancelled":
                self.spool.drop_active(record.name)
        if launched.returncode != 0:
            detail = launched.stderr.strip().splitlines()[-1:] or ["no message"]
            raise GaspError(f"local backend: the worker launcher failed: {detail[0]}")

    @contextmanager
    def _spool_errors(self) -> Iterator[None]:
        """Turn a failing spool (full disk, lost permissions) into one clear gasp error."""
        try:
            yield
        except OSError as exc:
            raise GaspError(f"local backend spool {self.spool.root}: {exc}") from exc

    def _next_seq(self) -> int:
        """A queue position: submission time, strictly increasing within this client."""
        self._last_seq = max(time.time_ns(), self._last_seq + 1)
        return self._last_seq

    # -- stopping --------------------------------------------------------------------------

    def _cancel_one(self, name: str, boot_id: str) -> procfs.ProcessIdentity | None:
        """Record the cancellation; SIGTERM the worker if it runs. Returns it if signalled."""
        if not is_job_name(name):
            return None
        try:
            record = self.spool.read_record(name)
            worker = self.spool.read_claim(name)
        except SpoolError as exc:
            log.warning("local backend: cannot cancel %s: %s", name, exc)
            return None
        if record is None:
            return None
        if worker is None:  # queued: it never starts (a late launcher checks the record)
            if not record.cancelled:
                self.spool.write_record(replace(record, cancelled=_now()))
            self.spool.drop_active(name)
            return None
        if not procfs.is_alive(worker, boot_id):
            return None  # ended: its outcome stands
        if not record.cancelled:
            self.spool.write_record(replace(record, cancelled=_now()))
        procfs.signal_group(worker, signal.SIGTERM, boot_id)
        return worker

    @staticmethod
    def _wait_for_end(
        workers: Sequence[procfs.ProcessIdentity], boot_id: str, timeout: float
    ) -> None:
        """Poll until these workers have ended or ``timeout`` seconds have passed.

        They are not our children (the launcher detached them), so there is nothing to
        ``wait()`` for: /proc is the only way to see them go.
        """
        deadline = time.monotonic() + timeout
        pending = list(workers)
        while pending:
            pending = [worker for worker in pending if procfs.is_alive(worker, boot_id)]
            if not pending or time.monotonic() >= deadline:
                return
            time.sleep(0.02)
