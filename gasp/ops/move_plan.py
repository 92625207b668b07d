"""What ``gasp move`` would do: each catalogued file of a selection, judged against the
target storage element before anything is copied or removed.

A file's **sources** are its ``ok`` replicas on other elements, in document order: the
copy reads the first that works, and a move (not ``--keep-source``) removes them all once
the target's copy is registered. Replicas marked ``bad`` (``gasp validate --fix``) are
neither read nor removed: they are the record of a loss, which ``gasp validate`` owns.

A file is, as its data document says now (``classify``):

* **settled**: its ``ok`` replica on the target is registered and no source is left
  (with ``--keep-source``: registered at all). Nothing to do, nothing checked: rerunning
  a finished move costs one read of the documents;
* **to copy**: no replica on the target is registered. Every source must verify against
  the catalogue's size and adler32 (``check_file``), because the move would delete any
  that does not, and with it the evidence of what went wrong. A source that does not
  verify is no problem when the target already holds a verified copy under the file's
  final name (a copy published before a kill, not yet registered): it needs no source;
* **to clean**: registered on the target, sources left. The target's copy must verify
  before any source is removed;
* **bad**: any of the checks above failed, or the document rules the move out whatever
  storage holds (no source to copy from; a replica on the target marked ``bad``; a source
  at the very URL the copy would be written to, which the move would then delete).

The command refuses to start when any file is bad, unless ``--skip-bad``: then the plan's
bad files are left untouched and listed. The plan writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gasp.errors import InputError
from gasp.model.documents import DataDocument, FileEntry, PassStateName
from gasp.passes.outputs import last_pass, pages, read_data_documents, read_passes
from gasp.passes.selection import PassKey, Selection
from gasp.progress_protocol import Progress, silent
from gasp.storage.element import StorageElement
from gasp.storage.errors import StorageError
from gasp.storage.transfer import verify
from gasp.store import Database

MOVABLE: tuple[PassStateName, ...] = ("completed", "partFail")  # the passes with outputs
DEFAULT_STATUSES = MOVABLE

FileKey = tuple[str, int]  # (data document id, subrun): one catalogued file


def check_statuses(selection: Selection) -> None:
    """Only completed and partFail passes have catalogued outputs to move."""
    others = sorted(set(selection.statuses or ()) - set(MOVABLE))
    if others:
        raise InputError(
            f"--status: {', '.join(others)} passes have no outputs to move "
            "(only completed and partFail passes)"
        )


def target_element(elements: dict[str, str], name: str) -> StorageElement:
    """The element ``--to`` names among the configuration's ``[storage] elements``
    (name -> URL prefix), else ``InputError`` listing the known ones."""
    url = elements.get(name)
    if url is None:
        known = ", ".join(sorted(elements)) or "none"
        raise InputError(f"--to: no storage element {name!r} in [storage] elements ({known})")
    return StorageElement(name, url)


@dataclass(frozen=True)
class Source:
    """A replica a file can be copied from, and that a move removes."""

    se: str
    url: str


@dataclass(frozen=True)
class FileMove:
    """One catalogued file, and where it stands with the target, as its document says."""

    module: str
    doc_id: str
    subrun: int
    lfn: str
    size: int
    adler32: str
    target_url: str  # its registered replica on the target, else where the copy goes
    registered: bool  # an ``ok`` replica on the target is in the document
    sources: tuple[Source, ...]  # ``ok`` replicas on other elements, in document order
    problem: str | None = None  # why it cannot be moved, whatever storage holds

    @property
    def key(self) -> FileKey:
        return (self.doc_id, self.subrun)

    def settled(self, keep_source: bool) -> bool:
        """Whether the move has nothing left to do for this file."""
        return self.registered and (keep_source or not self.sources)

    def same_entry(self, entry: FileEntry) -> bool:
        """Whether ``entry`` (of a document read again) is still this file."""
        return (entry["subrun"], entry["lfn"], entry["size"], entry["adler32"]) == (
            self.subrun,
            self.lfn,
            self.size,
            self.adler32,
        )


def classify(doc: DataDocument, target: StorageElement) -> list[FileMove]:
    """Each file of a data document, with its sources and its replica on the target."""
    files = []
    for entry in doc["files"]:
        on_target = [r for r in entry["replicas"] if r["se"] == target.name]
        sources = tuple(
            Source(r["se"], r["url"])
            for r in entry["replicas"]
            if r["se"] != target.name and r["status"] == "ok"
        )
        url_problem = None
        try:
            url = target.url_for(entry["lfn"])
        except ValueError as exc:
            url, url_problem = entry["lfn"], str(exc)
        registered = any(r["status"] == "ok" for r in on_target)
        ok_there = [r["url"] for r in on_target if r["status"] == "ok"]
        target_url = (ok_there or [r["url"] for r in on_target] or [url])[0]
        problem = url_problem or _problem(
            target.name, bool(on_target), registered, sources, target_url
        )
        files.append(
            FileMove(
                module=doc["module"],
                doc_id=doc["_id"],
                subrun=entry["subrun"],
                lfn=entry["lfn"],
                size=entry["size"],
                adler32=entry["adler32"],
                target_url=target_url,
                registered=registered,
                sources=sources,
                problem=problem,
            )
        )
    return files


def _problem(
    target: str, on_target: bool, registered: bool, sources: tuple[Source, ...], target_url: str
) -> str | None:
    """Why the document alone rules the move of a file out, or None."""
    if on_target and not registered:
        return (
            f"its replica on {target} is marked bad "
            "(gasp validate --fix --remove takes it out of the catalogue)"
        )
    if not registered and not sources:
        return "no replica to copy from (none is ok)"
    for source in sources:
        if source.url == target_url:
            return f"its replica on {source.se} is the target's own file {source.url}"
    return None


def check_file(file: FileMove, target: StorageElement, *, keep_source: bool) -> str | None:
    """Why ``file`` cannot be moved as catalogued (one line naming it), or None.

    Reads storage: a registered target copy, or every source, is verified (the server's
    adler32 on XRootD, the bytes on ``file://``)."""
    if file.problem is not None:
        return f"{file.lfn}: {file.problem}"
    if file.settled(keep_source):
        return None
    if file.registered:
        failure = _failure(target.verify, file.target_url, file)
        return None if failure is None else f"{failure} (its registered replica on {target.name})"
    failures = [_failure(verify, source.url, file) for source in file.sources]
    if not any(failures):
        return None
    if _failure(target.verify, file.target_url, file) is None:
        return None  # copied before a kill, not registered yet: the copy needs no source
    return "; ".join(failure for failure in failures if failure)


def _failure(check: Callable[[str, int, str], object], url: str, file: FileMove) -> str | None:
    """Why the file at ``url`` is not ``file`` as catalogued (a line naming it), or None.

    Any error is the file's (a URL no driver reads, say), never the end of the plan."""
    try:
        check(url, file.size, file.adler32)
    except StorageError as exc:
        return str(exc)
    except Exception as exc:
        return f"{url}: {str(exc) or type(exc).__name__}"
    return None


@dataclass
class ModuleTotals:
    """What moving one module's selected passes involves."""

    passes: int = 0
    files: int = 0  # catalogued
    copy: int = 0  # files with no registered replica on the target yet
    copy_bytes: int = 0
    on_target: int = 0  # files registered on the target already
    sources: int = 0  # replicas to remove once the copies are registered
    todo: int = 0  # files with anything left to do
    bad: int = 0  # files that cannot be moved as catalogued


@dataclass(frozen=True)
class BadFile:
    """A file the move leaves alone, and why (a line that names it)."""

    module: str
    key: FileKey
    why: str


@dataclass
class MovePlan:
    """The passes to move, what that involves by module, and the files that cannot move."""

    target: StorageElement
    keep_source: bool
    keys: list[PassKey] = field(default_factory=list)
    modules: dict[str, ModuleTotals] = field(default_factory=dict)
    bad: dict[FileKey, BadFile] = field(default_factory=dict)

    def total(self) -> ModuleTotals:
        total = ModuleTotals()
        for part in self.modules.values():
            for name in total.__dataclass_fields__:
                setattr(total, name, getattr(total, name) + getattr(part, name))
        return total


def movable(db: Database, page: Sequence[PassKey], selection: Selection) -> list[PassKey]:
    """The passes of ``page`` that the selection means now and that have outputs."""
    return [
        key
        for key, (job, pass_doc) in read_passes(db, page).items()
        if selection.matches(key[0], key[1], pass_doc, last_pass(job))
        and pass_doc["status"] in MOVABLE
    ]


def plan_move(
    db: Database,
    keys: Sequence[PassKey],
    selection: Selection,
    target: StorageElement,
    *,
    keep_source: bool,
    streams: int,
    progress: Progress = silent,
) -> MovePlan:
    """What moving the selected passes among ``keys`` to ``target`` involves; checks the
    files on storage (``streams`` at once) but writes nothing."""
    plan = MovePlan(target, keep_source)

    def check(file: FileMove) -> str | None:
        return check_file(file, target, keep_source=keep_source)

    pool = ThreadPoolExecutor(max_workers=streams)
    try:
        with progress("checking files", len(keys)) as advance:
            for page in pages(keys):
                chosen = movable(db, page, selection)
                plan.keys.extend(chosen)
                for key in chosen:
                    plan.modules.setdefault(key[0], ModuleTotals()).passes += 1
                docs = read_data_documents(db, chosen)
                files = [f for doc in docs for f in classify(doc, target)]
                for file, why in zip(files, pool.map(check, files), strict=True):
                    _count(plan, file, why)
                advance(len(page))
    finally:  # interrupted (Ctrl-C): the checks not started yet never start
        pool.shutdown(cancel_futures=True)
    return plan


def _count(plan: MovePlan, file: FileMove, why: str | None) -> None:
    totals = plan.modules[file.module]
    totals.files += 1
    if why is not None:
        totals.bad += 1
        plan.bad[file.key] = BadFile(file.module, file.key, why)
        return
    if file.registered:
        totals.on_target += 1
    else:
        totals.copy += 1
        totals.copy_bytes += file.size
    if not plan.keep_source:
        totals.sources += len(file.sources)
    if not file.settled(plan.keep_source):
        totals.todo += 1


__all__ = [
    "DEFAULT_STATUSES",
    "MOVABLE",
    "BadFile",
    "FileKey",
    "FileMove",
    "ModuleTotals",
    "MovePlan",
    "Source",
    "check_file",
    "check_statuses",
    "classify",
    "movable",
    "plan_move",
    "target_element",
]
