"""The data documents' side of ``gasp move``: a copy's replica recorded, a removed source's
replica dropped, a page of documents in one bulk write each.

Each change is made on the document as it is when written, and only to a file entry that
still catalogues the same file (subrun, lfn, size, adler32): a file catalogued anew since
the plan is left alone. A write that conflicts (an operator relabelling, a validation
fixing replicas) is read again and changed again, so nobody's change is lost, for at
most ``MAX_ROUNDS`` rounds. Both changes are idempotent: a replica already recorded is not
added twice, a replica already dropped is not missed.

A replica is dropped only while the file's replica on the target is still recorded, so
a file never ends up catalogued nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gasp.model.documents import DataDocument, FileEntry, Replica, data_document, stored
from gasp.ops.move_plan import FileKey, FileMove
from gasp.store import Database

MAX_ROUNDS = 20  # re-reads of a data document that keeps conflicting

Change = Callable[[DataDocument, list[FileMove]], tuple[list[FileMove], bool]]


@dataclass
class Written:
    """The files whose documents now say what was wanted, and a line for each other."""

    done: list[FileMove] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def record_copies(db: Database, files: Sequence[FileMove], target: str) -> Written:
    """Add ``{se: target, url: target_url, status: ok}`` after each file's replicas."""

    def add(doc: DataDocument, wanted: list[FileMove]) -> tuple[list[FileMove], bool]:
        recorded, changed = [], False
        for file in wanted:
            entry = _entry(doc, file)
            if entry is None or any(_bad_on(target, r) for r in entry["replicas"]):
                continue
            if not _on_target(entry, target, file.target_url):
                entry["replicas"].append({"se": target, "url": file.target_url, "status": "ok"})
                changed = True
            recorded.append(file)
        return recorded, changed

    return _update(db, files, add, "copied but not registered")


def drop_sources(
    db: Database, gone: dict[FileKey, tuple[FileMove, set[str]]], target: str
) -> Written:
    """Take the replicas whose URLs are ``gone`` (removed from storage) out of each file's
    entry, where its replica on ``target`` is still recorded."""

    def drop(doc: DataDocument, wanted: list[FileMove]) -> tuple[list[FileMove], bool]:
        dropped, changed = [], False
        for file in wanted:
            entry = _entry(doc, file)
            if entry is None or not _on_target(entry, target, file.target_url):
                continue
            urls = gone[file.key][1]
            kept = [r for r in entry["replicas"] if r["se"] == target or r["url"] not in urls]
            if len(kept) < len(entry["replicas"]):
                entry["replicas"] = kept
                changed = True
            dropped.append(file)
        return dropped, changed

    files = [file for file, _ in gone.values()]
    return _update(db, files, drop, "removed from storage but still catalogued")


def _update(db: Database, files: Sequence[FileMove], change: Change, unfinished: str) -> Written:
    """Apply ``change`` to the documents of ``files`` as they are now, in bulk.

    ``change(doc, its files)`` edits the document in memory and returns the files that
    are then as wanted, and whether it changed anything."""
    wanted: dict[str, list[FileMove]] = {}
    for file in files:
        wanted.setdefault(file.doc_id, []).append(file)
    written = Written()
    failed: dict[str, str] = {}
    todo = list(wanted)
    for _ in range(MAX_ROUNDS):
        if not todo:
            break
        writes: list[tuple[DataDocument, list[FileMove]]] = []
        for doc_id, found in zip(todo, db.get_many(todo), strict=True):
            if found is None:
                failed[doc_id] = "its data document is gone"
                continue
            doc = data_document(found)
            as_wanted, changed = change(doc, wanted[doc_id])
            if changed:
                writes.append((doc, as_wanted))
            else:
                written.done.extend(as_wanted)
        results = db.bulk([stored(doc) for doc, _ in writes])
        todo = []
        for (doc, as_wanted), result in zip(writes, results, strict=True):
            if result.ok:
                written.done.extend(as_wanted)
            elif result.error == "conflict":
                todo.append(doc["_id"])  # read again: changed on what it is now
            else:
                failed[doc["_id"]] = f"{result.error}: {result.reason}"
    for doc_id in todo:
        failed[doc_id] = "its data document kept changing under other writers"
    finished = {file.key for file in written.done}
    written.failed = [
        f"{file.lfn}: {unfinished}: "
        f"{failed.get(file.doc_id, 'its catalogue entry changed meanwhile')}"
        for file in files
        if file.key not in finished
    ]
    return written


def _entry(doc: DataDocument, file: FileMove) -> FileEntry | None:
    """The document's entry for ``file``, if it still catalogues the same file."""
    return next((e for e in doc.get("files", []) if file.same_entry(e)), None)


def _on_target(entry: FileEntry, target: str, url: str) -> bool:
    return any((r["se"], r["url"], r["status"]) == (target, url, "ok") for r in entry["replicas"])


def _bad_on(target: str, replica: Replica) -> bool:
    return replica["se"] == target and replica["status"] != "ok"


__all__ = ["MAX_ROUNDS", "Written", "drop_sources", "record_copies"]
