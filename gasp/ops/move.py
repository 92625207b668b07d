"""``gasp move``: the catalogued files of selected passes copied to another storage element,
then (unless ``--keep-source``) taken off the elements they were on.

What each file needs is decided by ``gasp.ops.move_plan`` (settled, to copy, to clean,
bad); the data documents are written by ``gasp.ops.move_catalogue``. For each page of
passes (``gasp.passes.outputs``), in this order:

1. every file to copy is copied, ``streams`` at once: what a killed copy left on the
   target under a temporary name is discarded first, then the source is streamed through
   adler32 into a temporary name on the target, checked against the catalogue's size and
   adler32, and published under its final name (``StorageElement.copy_in``; an identical
   file already there is accepted, a different one is never replaced). A file already
   registered on the target is verified instead. Each outcome is a line of the log;
2. the new replicas (``{se: target, url, status: ok}``, after the existing ones) are
   registered in the data documents, one bulk write for the page;
3. every source replica of the files now registered on the target is removed from its
   element, concurrently (a file already missing counts as removed), each a line of the log;
4. the removed replicas are dropped from the data documents, one bulk write for the page.

**Crash safety.** A source is removed only once its file's copy on the target has been
verified and recorded in the data document: there is never a moment when the catalogue
names no verified copy of a file, nor one when a file's only good copy is unrecorded.
Killed anywhere (crash points ``move-copied``, ``move-registered``,
``move-source-removed``), the same command run again finds, file by file: a copy
published but not registered (accepted as the copy: same size and adler32), temporary
copies of a killed transfer (discarded), a registered copy whose sources are still there
(verified, then the sources removed), a source replica the document names but storage no
longer has (missing counts as removed) — and finishes. A file already settled costs
nothing.

**Failures.** A file whose copy fails keeps its sources and its document as they were; a
file whose new replica could not be recorded keeps its sources (its copy on the target is
then uncatalogued: ``gasp validate --se`` lists it, and a rerun registers it); a source
that cannot be removed stays in the document. Each is a line of the log and of the
summary; a rerun retries exactly what is left. Documents are updated on what they hold
when written: a revision conflict re-reads the document and applies the change again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from gasp.crashpoints import crashpoint
from gasp.model.clock import utc_now
from gasp.ops.move_catalogue import drop_sources, record_copies
from gasp.ops.move_plan import FileKey, FileMove, MovePlan, classify, movable
from gasp.ops.removal import Removal, remove_one
from gasp.passes.outputs import pages, read_data_documents
from gasp.passes.selection import Selection
from gasp.progress_protocol import Advance, Progress, silent
from gasp.storage.element import StorageElement
from gasp.storage.errors import ReplicaConflict, StorageError
from gasp.store import Database

CRASH_AFTER_COPY = "move-copied"  # in the worker: a copy verified and logged, not registered
CRASH_AFTER_REGISTER = "move-registered"  # per file, once its page's replicas are written
CRASH_AFTER_SOURCE = "move-source-removed"  # in the worker: a source file removed and logged


class MoveLog:
    """The operator's record of a move, one line per file outcome (``time url outcome``),
    appended and flushed as each is known, by whichever thread knows it."""

    def __init__(self, handle: TextIO, path: Path) -> None:
        self.handle = handle
        self.path = path
        self._lock = threading.Lock()

    def write(self, url: str, outcome: str, why: str | None = None) -> None:
        line = f"{utc_now()} {url} {outcome}"
        if why:
            line += f": {' '.join(why.split())}"
        with self._lock:
            self.handle.write(line + "\n")
            self.handle.flush()


@contextmanager
def move_log(path: Path) -> Iterator[MoveLog]:
    """Open (append to) the log at ``path``: a rerun adds to the first run's lines.

    ``gasp.ops.removal.check_log_path`` has vouched for it before the plan was read."""
    with path.open("a", encoding="utf-8") as handle:
        yield MoveLog(handle, path)


@dataclass
class MoveOutcome:
    """What a move did, and the files it could not finish (one line each)."""

    copied: int = 0
    present: int = 0  # already on the target and verified: not copied again
    bytes: int = 0  # copied this time
    registered: int = 0  # new replicas recorded
    removed: int = 0  # source replicas removed from storage
    missing: int = 0  # source replicas already gone
    dropped: int = 0  # source replicas dropped from the documents
    settled: int = 0  # files that needed nothing
    skipped: list[str] = field(default_factory=list)  # the plan's bad files (--skip-bad)
    failed: list[str] = field(default_factory=list)


def move_files(
    db: Database,
    plan: MovePlan,
    selection: Selection,
    *,
    streams: int,
    log: MoveLog,
    progress: Progress = silent,
) -> MoveOutcome:
    """Move the plan's passes' files to its target; the plan's bad files are left alone."""
    outcome = MoveOutcome()
    pool = ThreadPoolExecutor(max_workers=streams)
    try:
        with progress("moving files", plan.total().todo) as advance:
            _move_pages(db, plan, selection, pool, log, outcome, advance)
    finally:  # interrupted (Ctrl-C): the copies not started yet never start
        pool.shutdown(cancel_futures=True)
    return outcome


def _move_pages(
    db: Database,
    plan: MovePlan,
    selection: Selection,
    pool: Executor,
    log: MoveLog,
    outcome: MoveOutcome,
    advance: Advance,
) -> None:
    """Each page of passes through the four steps of the module docstring, in order."""
    for page in pages(plan.keys):
        chosen = movable(db, page, selection)
        docs = read_data_documents(db, chosen)
        work = _work(plan, [f for doc in docs for f in classify(doc, plan.target)], log, outcome)
        placed = _place_all(pool, work, plan.target, log, outcome, advance)
        on_target = [f for f in placed if f.registered]
        fresh = [f for f in placed if not f.registered]
        on_target += _register(db, fresh, plan.target.name, outcome)
        if not plan.keep_source:
            gone = _remove_sources(pool, on_target, log, outcome)
            dropped = drop_sources(db, gone, plan.target.name)
            outcome.dropped += sum(len(gone[file.key][1]) for file in dropped.done)
            outcome.failed += dropped.failed


def _work(
    plan: MovePlan, files: list[FileMove], log: MoveLog, outcome: MoveOutcome
) -> list[FileMove]:
    """The files of a page with something to do; the others counted or logged."""
    work = []
    for file in files:
        bad = plan.bad.get(file.key)
        if bad is not None:
            outcome.skipped.append(bad.why)
            log.write(file.target_url, "skipped", bad.why)
        elif file.problem is not None:  # came up after the plan
            outcome.failed.append(f"{file.lfn}: {file.problem}")
            log.write(file.target_url, "failed", file.problem)
        elif file.settled(plan.keep_source):
            outcome.settled += 1
        else:
            work.append(file)
    return work


def _place_all(
    pool: Executor,
    files: Sequence[FileMove],
    target: StorageElement,
    log: MoveLog,
    outcome: MoveOutcome,
    advance: Advance,
) -> list[FileMove]:
    """Each file copied to (or verified on) the target; returns those that are there."""
    futures = [pool.submit(_place, file, target, log) for file in files]
    placed = []
    for future in as_completed(futures):
        file, copied, error = future.result()
        if error is not None:
            outcome.failed.append(error)
        else:
            placed.append(file)
            if copied:
                outcome.copied += 1
                outcome.bytes += file.size
            else:
                outcome.present += 1
        advance(1)
    return placed


def _place(
    file: FileMove, target: StorageElement, log: MoveLog
) -> tuple[FileMove, bool, str | None]:
    """One file onto the target, logged; (file, copied this time, error line or None).

    Never raises for the file's own failure. The crash point follows the log line in the
    same thread: a kill there leaves exactly the logged copies published, unregistered."""
    try:
        if file.registered:
            target.verify(file.target_url, file.size, file.adler32)
            log.write(file.target_url, "present")
            return file, False, None
        target.discard_temporary(file.lfn)
        there = target.stat(file.target_url) is not None
        source = _copy(file, target)
    except Exception as exc:  # any failure is this file's, recorded, not fatal
        why = str(exc) or type(exc).__name__
        log.write(file.target_url, "failed", why)
        return file, False, why if file.target_url in why else f"{file.target_url}: {why}"
    log.write(file.target_url, "present" if there else f"copied from {source}")
    crashpoint(CRASH_AFTER_COPY)
    return file, not there, None


def _copy(file: FileMove, target: StorageElement) -> str:
    """Copy from the first source that works; returns its URL."""
    errors: list[StorageError] = []
    for source in file.sources:
        try:
            target.copy_in(source.url, file.lfn, file.size, file.adler32)
        except ReplicaConflict:
            raise  # another file under the name: no source will do
        except StorageError as exc:
            errors.append(exc)
            continue
        return source.url
    if len(errors) == 1:
        raise errors[0]
    raise StorageError(file.target_url, "no source could be copied: " + "; ".join(map(str, errors)))


def _register(
    db: Database, files: Sequence[FileMove], target: str, outcome: MoveOutcome
) -> list[FileMove]:
    """Record each copy in its data document; returns the files recorded."""
    written = record_copies(db, files, target)
    for _file in written.done:  # written: a kill now leaves the copy catalogued, sources intact
        outcome.registered += 1
        crashpoint(CRASH_AFTER_REGISTER)
    outcome.failed += written.failed
    return written.done


def _remove_sources(
    pool: Executor, files: Sequence[FileMove], log: MoveLog, outcome: MoveOutcome
) -> dict[FileKey, tuple[FileMove, set[str]]]:
    """Every source replica of these files removed from storage; returns, per file, the
    URLs now gone (removed or already missing)."""
    futures = {
        pool.submit(_remove_source, source.url, log): file
        for file in files
        for source in file.sources
    }
    gone: dict[FileKey, tuple[FileMove, set[str]]] = {}
    for future in as_completed(futures):
        file, removal = futures[future], future.result()
        if removal.gone:
            gone.setdefault(file.key, (file, set()))[1].add(removal.url)
            if removal.outcome == "deleted":
                outcome.removed += 1
            else:
                outcome.missing += 1
        else:
            outcome.failed.append(f"{removal.url}: not removed: {removal.why}")
    return gone


def _remove_source(url: str, log: MoveLog) -> Removal:
    """One source file removed and logged by the same thread, then the crash point."""
    removal = remove_one(url)
    log.write(url, removal.outcome, removal.why)
    crashpoint(CRASH_AFTER_SOURCE)
    return removal


__all__ = [
    "CRASH_AFTER_COPY",
    "CRASH_AFTER_REGISTER",
    "CRASH_AFTER_SOURCE",
    "MoveLog",
    "MoveOutcome",
    "move_files",
    "move_log",
]
