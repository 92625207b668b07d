"""The local backend's bookkeeping: small files in a spool folder that outlive the client.

Layout (one job = one name; every file is written whole, then renamed or linked into place,
so a process killed at any instant leaves either the old file or the new one)::

    <spool>/lock                the spool's flock: who may start or stop workers right now
    <spool>/jobs/<name>.json    the job record, written by the client: work folder, queue
                                order, cancellation, why it could not start
    <spool>/jobs/<name>.pid     the start claim, written once by the worker itself before it
                                execs: pid, start time, boot id (see ``launcher``)
    <spool>/active/<name>       an empty marker while the job may still be queued or running,
                                so that starting queued work scans only live jobs, not the
                                whole history

A job is queued while it has a record and no claim; it has started once the claim exists;
it has ended once the claimed process is gone. Nothing here depends on the client that
wrote it still being alive: a client killed with ``kill -9`` and restarted reads the same
files and finds every job it had submitted.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gasp.backends.procfs import ProcessIdentity
from gasp.errors import InputError
from gasp.parsing import parse_json

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}")
RECORD_FORMAT = 1


class SpoolError(Exception):
    """A bookkeeping file exists but cannot be read (the backend then reports UNKNOWN)."""


def is_job_name(name: str) -> bool:
    """Whether ``name`` can be a job name: it becomes a file name, so no path characters."""
    return NAME_PATTERN.fullmatch(name) is not None


@dataclass(frozen=True)
class JobRecord:
    """What the client knows of a job; the worker's own facts live in its claim."""

    name: str
    workdir: str  # absolute
    seq: int  # queue order: smaller starts first
    submitted: str  # UTC ISO-8601
    cancelled: str | None = None  # when it was cancelled, if it was
    launch_error: str | None = None  # why the worker could not exec, if it could not

    def to_json(self) -> dict[str, Any]:
        return {"format": RECORD_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobRecord:
        return cls(
            name=str(data["name"]),
            workdir=str(data["workdir"]),
            seq=int(data["seq"]),
            submitted=str(data["submitted"]),
            cancelled=None if data.get("cancelled") is None else str(data["cancelled"]),
            launch_error=None if data.get("launch_error") is None else str(data["launch_error"]),
        )


class Spool:
    """The spool folder of one local backend (created if missing)."""

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()
        self.jobs = self.root / "jobs"
        self.active = self.root / "active"
        self._flock_path = self.root / "lock"  # the name existing spools already have
        self._create()

    def _create(self) -> None:
        self.jobs.mkdir(parents=True, exist_ok=True)
        self.active.mkdir(exist_ok=True)

    @contextmanager
    def locked(self, *, wait: bool) -> Iterator[bool]:
        """Hold the spool's flock; with ``wait=False`` yield False at once if someone has it.

        An ``flock`` dies with its holder, so a client killed while holding it blocks no one.
        """
        try:
            fd = os.open(self._flock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:  # the spool was deleted under us: start an empty one
            self._create()
            fd = os.open(self._flock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # releases the flock

    def record_path(self, name: str) -> Path:
        return self.jobs / f"{name}.json"

    def claim_path(self, name: str) -> Path:
        return self.jobs / f"{name}.pid"

    def has_record(self, name: str) -> bool:
        return self.record_path(name).exists()

    def read_record(self, name: str) -> JobRecord | None:
        """The job's record, or None if there is none."""
        data = self._read_json(self.record_path(name))
        if data is None:
            return None
        try:
            return JobRecord.from_json(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise SpoolError(f"{self.record_path(name)}: malformed job record ({exc})") from exc

    def write_record(self, record: JobRecord) -> None:
        """Replace the job's record atomically (temporary file, then rename)."""
        path = self.record_path(record.name)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        temporary.write_text(json.dumps(record.to_json(), sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def read_claim(self, name: str) -> ProcessIdentity | None:
        """The identity of the worker that started the job, or None if none has."""
        data = self._read_json(self.claim_path(name))
        if data is None:
            return None
        try:
            return ProcessIdentity(
                pid=int(data["pid"]),
                start_ticks=int(data["start_ticks"]),
                boot_id=str(data["boot_id"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SpoolError(f"{self.claim_path(name)}: malformed start claim ({exc})") from exc

    def write_claim(self, name: str, identity: ProcessIdentity, started: str) -> bool:
        """Claim the start of a job for ``identity``; False if it was already claimed.

        The launcher does the same in the worker itself; this is for tools and tests that
        adopt a process the backend did not start.
        """
        path = self.claim_path(name)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        data = {**asdict(identity), "started": started}
        temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        finally:
            temporary.unlink()
        return True

    def mark_active(self, name: str) -> None:
        (self.active / name).touch()

    def drop_active(self, name: str) -> None:
        (self.active / name).unlink(missing_ok=True)

    def active_names(self) -> list[str]:
        """Names of jobs that may still be queued or running (one directory read)."""
        return [entry for entry in os.listdir(self.active) if not entry.startswith(".")]

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any] | None:
        """The object in ``path``, or None if there is no such file.

        Whatever is wrong with it (not UTF-8, malformed, absurdly nested) is a ``SpoolError``,
        so the job is reported UNKNOWN instead of the client crashing.
        """
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SpoolError(f"{path}: {exc.strerror or exc}") from exc
        try:
            data = parse_json(raw, str(path))
        except InputError as exc:
            raise SpoolError(str(exc)) from None
        if not isinstance(data, dict):
            raise SpoolError(f"{path}: not a JSON object")
        return data
