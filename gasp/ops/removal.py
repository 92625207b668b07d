"""Files removed from storage elements concurrently, each outcome written to a log.

Removing is one short request per file, mostly waiting on the server, so a campaign's
thousands of files go through a thread pool (``[ops] delete_streams`` at once). Every
outcome becomes one line of the operator's log (``time url outcome``) as soon as it is
known, written from the calling thread only, so the lines never interleave and a log cut
short by a kill ends on a whole line: it says exactly which files were gone by then.

A file that is already missing counts as removed: the goal is that it is not there, and a
rerun after a crash finds the files the first run removed missing. Any other error
(a server that refuses or cannot be reached) is that file's failure, recorded with its
reason; it stops nothing else.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from gasp.crashpoints import crashpoint
from gasp.errors import InputError
from gasp.model.clock import utc_now
from gasp.storage.transfer import delete

CRASH_AFTER_FILE = "delete-file-removed"  # in the worker, after a file's outcome is logged


@dataclass(frozen=True)
class Removal:
    """What became of one file: ``deleted``, ``missing`` (already gone) or ``failed``."""

    url: str
    outcome: Literal["deleted", "missing", "failed"]
    why: str | None = None

    @property
    def gone(self) -> bool:
        return self.outcome != "failed"

    def line(self, at: str) -> str:
        text = f"{at} {self.url} {self.outcome}"
        return f"{text}: {' '.join(self.why.split())}" if self.why else text


class RemovalLog:
    """The operator's record of a deletion, one line per file, appended and flushed."""

    def __init__(self, handle: TextIO, path: Path) -> None:
        self.handle = handle
        self.path = path
        self._lock = threading.Lock()  # the removal threads write it

    def write(self, removal: Removal) -> None:
        with self._lock:
            self.handle.write(removal.line(utc_now()) + "\n")
            self.handle.flush()


@contextmanager
def removal_log(path: Path) -> Iterator[RemovalLog]:
    """Open (append to) the log at ``path``: a rerun adds to the first run's lines.

    ``check_log_path`` has vouched for it before anything was deleted."""
    with path.open("a", encoding="utf-8") as handle:
        yield RemovalLog(handle, path)


def default_log(command: str) -> Path:
    """``gasp-<command>-<UTC time>.log`` in the current folder: one log per run, kept."""
    return Path(f"gasp-{command}-{datetime.now(UTC):%Y%m%d-%H%M%S}.log")


def check_log_path(path: Path) -> Path:
    """The log's path if it can be written, else ``InputError`` naming it and why.

    Checked before the plan is read, so that a log that cannot be opened stops the command
    before it deletes anything (and without creating a file or a folder for it)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"--log {path}: is a folder; give a file name")
    if not folder.is_dir():
        raise InputError(f"--log {path}: no folder {folder} to write it in")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"--log {path}: not writable")
    return path


def remove_one(url: str) -> Removal:
    """Remove one file; never raises for the file's own failure."""
    try:
        return Removal(url, "deleted" if delete(url) else "missing")
    except Exception as exc:  # any failure is this file's, recorded, not fatal
        return Removal(url, "failed", str(exc) or type(exc).__name__)


def _remove_and_log(url: str, log: RemovalLog) -> Removal:
    """One file removed and its line written by the same thread, back to back, so the log
    lags the storage by at most the files being removed at that moment."""
    removal = remove_one(url)
    log.write(removal)
    crashpoint(CRASH_AFTER_FILE)
    return removal


def remove_files(pool: Executor, urls: Sequence[str], log: RemovalLog) -> dict[str, Removal]:
    """Remove every URL through ``pool``; each outcome is logged as it happens."""
    futures = [pool.submit(_remove_and_log, url, log) for url in dict.fromkeys(urls)]
    done: dict[str, Removal] = {}
    for future in as_completed(futures):
        removal = future.result()
        done[removal.url] = removal
    return done


__all__ = [
    "CRASH_AFTER_FILE",
    "Removal",
    "RemovalLog",
    "check_log_path",
    "default_log",
    "removal_log",
    "remove_files",
    "remove_one",
]
