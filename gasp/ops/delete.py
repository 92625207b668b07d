"""``gasp delete``: selected passes' outputs off storage, their catalogue gone, passes ``deleted``.

For each page of passes (``gasp.passes.outputs``), in this order:

1. every replica of every file their data documents list is removed from its storage
   element, concurrently (``gasp.ops.removal``); a file already missing counts as removed;
2. the data documents whose every replica is gone are deleted, in one bulk write;
3. the passes whose every data document is gone become ``deleted``: an operator
   transition of the table (``completed`` or ``partFail`` only), with a history entry
   naming the operator, through the shared bulk edit (``gasp.ops.apply``); their
   ``new`` dependants become ``unsatisfied`` (``gasp.passes.prerequisites``).

**Crash safety.** Each step starts only once the one before has finished for that page, and
each reads what it acts on afresh. A process killed anywhere leaves data documents that
still name whatever may remain on storage, and passes not yet ``deleted``: run again, it
selects the same passes, finds the files removed before the kill missing (removed), and
finishes. A pass already ``deleted`` is skipped, not an error.

**Failures.** A file that could not be removed keeps its data document, and that document
keeps its pass out of ``deleted``: nothing claims to be gone that is not, and a rerun
retries exactly what is left. A data document changed by someone else meanwhile (its
revision conflicts) is read again and its new replica list removed too before it is
deleted, so no replica added after the plan is orphaned.

The plan (``plan_delete``) reads the same pages without touching anything: passes, data
documents, files, replicas and bytes per module, for the operator to confirm.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gasp.crashpoints import crashpoint
from gasp.errors import InputError
from gasp.model.documents import DataDocument, JobDocument, PassDocument, PassStateName
from gasp.model.transitions import move_pass
from gasp.ops.apply import Applied, OperatorEdit, edit_passes
from gasp.ops.removal import Removal, RemovalLog, remove_files
from gasp.passes.outputs import data_key, last_pass, pages, read_data_documents, read_passes
from gasp.passes.prerequisites import promote_dependants
from gasp.passes.selection import PassKey, Selection
from gasp.progress_protocol import Progress, silent
from gasp.store import Database, Document

DELETABLE: tuple[PassStateName, ...] = ("completed", "partFail")
DEFAULT_STATUSES = DELETABLE
CRASH_AFTER_DOCUMENTS = "delete-documents-deleted"  # before the page's passes are marked
MAX_ROUNDS = 20  # re-reads of a data document that keeps conflicting


def check_statuses(selection: Selection) -> None:
    """Only completed and partFail passes have outputs an operator may delete."""
    allowed = {*DELETABLE, "deleted"}
    others = sorted(set(selection.statuses or ()) - allowed)
    if others:
        raise InputError(
            f"--status: {', '.join(others)} passes cannot be deleted "
            "(only completed and partFail passes; deleted ones are skipped)"
        )


def delete_edit(*, at: str, by: str) -> OperatorEdit:
    """The edit of one pass whose outputs are gone: ``deleted``, as an operator."""

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        if pass_doc["status"] not in DELETABLE:
            return False
        move_pass(
            pass_doc, "deleted", at=at, by=by, operator=True, why="outputs deleted by an operator"
        )
        return True

    return edit


@dataclass
class ModuleTotals:
    """What deleting one module's selected passes removes."""

    passes: int = 0
    documents: int = 0
    files: int = 0
    replicas: int = 0
    bytes: int = 0  # of every replica: what the storage elements get back


@dataclass
class DeletePlan:
    """The passes to delete, and what that removes, by module."""

    keys: list[PassKey] = field(default_factory=list)
    modules: dict[str, ModuleTotals] = field(default_factory=dict)
    already_deleted: int = 0

    def total(self) -> ModuleTotals:
        total = ModuleTotals()
        for part in self.modules.values():
            total.passes += part.passes
            total.documents += part.documents
            total.files += part.files
            total.replicas += part.replicas
            total.bytes += part.bytes
        return total


def _deletable(
    db: Database, page: Sequence[PassKey], selection: Selection
) -> tuple[list[PassKey], int]:
    """The passes of ``page`` to delete now, and how many are already ``deleted``."""
    chosen: list[PassKey] = []
    already = 0
    for key, (job, pass_doc) in read_passes(db, page).items():
        if not selection.matches(key[0], key[1], pass_doc, last_pass(job)):
            continue
        if pass_doc["status"] == "deleted":
            already += 1
        elif pass_doc["status"] in DELETABLE:
            chosen.append(key)
    return chosen, already


def plan_delete(
    db: Database, keys: Sequence[PassKey], selection: Selection, *, progress: Progress = silent
) -> DeletePlan:
    """What deleting the selected passes among ``keys`` would remove (reads only)."""
    plan = DeletePlan()
    with progress("reading passes", len(keys)) as advance:
        for page in pages(keys):
            chosen, already = _deletable(db, page, selection)
            plan.keys.extend(chosen)
            plan.already_deleted += already
            for key in chosen:
                plan.modules.setdefault(key[0], ModuleTotals()).passes += 1
            for doc in read_data_documents(db, chosen):
                totals = plan.modules[doc["module"]]
                totals.documents += 1
                for entry in doc["files"]:
                    totals.files += 1
                    totals.replicas += len(entry["replicas"])
                    totals.bytes += entry["size"] * len(entry["replicas"])
            advance(len(page))
    return plan


@dataclass
class DeleteOutcome:
    """What a deletion did."""

    removed: int = 0  # replicas removed
    missing: int = 0  # replicas already gone
    bytes: int = 0  # of the replicas removed or gone
    failed: list[Removal] = field(default_factory=list)
    documents: int = 0  # data documents deleted
    kept: list[tuple[PassKey, str]] = field(default_factory=list)  # passes not marked, why
    passes: Applied = field(default_factory=Applied)  # marked deleted
    already_deleted: int = 0


def delete_outputs(
    db: Database,
    keys: Sequence[PassKey],
    selection: Selection,
    *,
    at: str,
    by: str,
    streams: int,
    log: RemovalLog,
    progress: Progress = silent,
) -> DeleteOutcome:
    """Delete the selected passes among ``keys``: files, then documents, then passes."""
    outcome = DeleteOutcome()
    edit = delete_edit(at=at, by=by)
    with (
        ThreadPoolExecutor(max_workers=streams) as pool,
        progress("deleting", len(keys)) as advance,
    ):
        for page in pages(keys):
            chosen, already = _deletable(db, page, selection)
            outcome.already_deleted += already
            gone = _delete_documents(db, chosen, pool, log, outcome)
            crashpoint(CRASH_AFTER_DOCUMENTS)
            applied = edit_passes(db, [k for k in chosen if k in gone], selection, edit)
            outcome.passes.changed.extend(applied.changed)
            outcome.passes.failed.extend(applied.failed)
            outcome.passes.untouched += applied.untouched
            promote_dependants(db, [change.key for change in applied.changed], by=by)
            advance(len(page))
    return outcome


def _delete_documents(
    db: Database,
    chosen: list[PassKey],
    pool: ThreadPoolExecutor,
    log: RemovalLog,
    outcome: DeleteOutcome,
) -> set[PassKey]:
    """Remove the files of these passes' data documents, then the documents whose files
    are all gone; returns the passes left with no data document."""
    kept: dict[PassKey, str] = {}
    results: dict[str, Removal] = {}
    sizes: dict[str, int] = {}
    pending = read_data_documents(db, chosen)
    for _ in range(MAX_ROUNDS):
        if not pending:
            break
        urls = [url for url in _replica_urls(pending, sizes) if url not in results]
        results.update(remove_files(pool, urls, log))
        deletable: list[DataDocument] = []
        for doc in pending:
            failed = [results[u] for u in _replica_urls([doc], sizes) if not results[u].gone]
            if failed:
                kept[data_key(doc)] = f"{len(failed)} of its files could not be removed"
            else:
                deletable.append(doc)
        written = db.bulk([_tombstone(doc) for doc in deletable])
        outcome.documents += sum(1 for r in written if r.ok)
        conflicted = {r.id for r in written if not r.ok}
        keys = [data_key(doc) for doc in deletable if doc["_id"] in conflicted]
        pending = [d for d in read_data_documents(db, keys) if d["_id"] in conflicted]
    for doc in pending:  # still conflicting after MAX_ROUNDS
        kept[data_key(doc)] = f"{doc['_id']} kept changing"
    for result in results.values():
        if result.gone:
            outcome.bytes += sizes[result.url]
            if result.outcome == "deleted":
                outcome.removed += 1
            else:
                outcome.missing += 1
        else:
            outcome.failed.append(result)
    outcome.kept.extend(kept.items())
    return {key for key in chosen if key not in kept}


def _replica_urls(docs: Sequence[DataDocument], sizes: dict[str, int]) -> list[str]:
    urls = []
    for doc in docs:
        for entry in doc["files"]:
            for replica in entry["replicas"]:
                sizes[replica["url"]] = entry["size"]
                urls.append(replica["url"])
    return urls


def _tombstone(doc: DataDocument) -> Document:
    """What the store's bulk write takes to delete a document at the revision read."""
    return {"_id": doc["_id"], "_rev": doc.get("_rev"), "_deleted": True}


__all__ = [
    "CRASH_AFTER_DOCUMENTS",
    "DEFAULT_STATUSES",
    "DELETABLE",
    "DeleteOutcome",
    "DeletePlan",
    "ModuleTotals",
    "check_statuses",
    "delete_edit",
    "delete_outputs",
    "plan_delete",
]
