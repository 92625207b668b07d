"""Changing many passes at once: pages of job documents, one bulk read and one bulk write
each, whatever the command.

An operator's command may touch a hundred thousand passes; one request per pass would
take hours against a remote CouchDB and hammer it meanwhile. ``edit_passes`` groups the
selected passes by job document, reads ``PAGE_JOBS`` documents in one request, applies the
command's edit to each selected pass, and writes the page back in one request
(``gasp.passes.update.update_passes``, which re-reads and re-applies on a conflict, so no
edit is ever made on a stale read). The same code with ``dry_run`` reads the pages and
applies the edit in memory only: the plan an operator confirms is what the edit would do
to the documents as they are, not a guess from a view.

An edit sees the pass as its document holds it at that moment and first re-checks the
selection (``Selection.matches``): a pass that finished or was retried by someone else
since the plan was shown is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gasp.model.documents import JobDocument, PassDocument, PassStateName
from gasp.ops.pages import PAGE_JOBS, SelectedJob, by_job, job_pages
from gasp.passes.selection import PassKey, Selection
from gasp.passes.update import PassEdit, find_pass, update_passes
from gasp.progress_protocol import Progress, silent
from gasp.store import Database

# Edits one selected pass; returns whether it changed anything. Must be idempotent on a
# fresh read: a conflict makes it run again on the document as it is now.
OperatorEdit = Callable[[JobDocument, PassDocument], bool]


@dataclass(frozen=True)
class PassChange:
    """One pass an edit changed (or, in a dry run, would change)."""

    key: PassKey
    before: PassStateName
    after: PassStateName


@dataclass
class Applied:
    """What an operator's edit did to the selection."""

    changed: list[PassChange] = field(default_factory=list)
    untouched: int = 0  # selected by the views, but the edit had nothing to do
    failed: list[tuple[PassKey, str]] = field(default_factory=list)
    documents: dict[str, JobDocument] = field(default_factory=dict)  # changed, as written

    def count_by(self) -> dict[tuple[str, str, str], int]:
        """Changes counted by (module, from, to): the lines of a plan or a summary."""
        counts: dict[tuple[str, str, str], int] = {}
        for change in self.changed:
            group = (change.key[0], change.before, change.after)
            counts[group] = counts.get(group, 0) + 1
        return counts


def _last_pass(job: JobDocument) -> int:
    return max((p["pass"] for p in job.get("passes", [])), default=0)


def edit_passes(
    db: Database,
    keys: Sequence[PassKey],
    selection: Selection,
    edit: OperatorEdit,
    *,
    dry_run: bool = False,
    progress: Progress = silent,
    description: str = "passes",
) -> Applied:
    """Apply ``edit`` to every selected pass among ``keys``, a page of jobs at a time.

    With ``dry_run`` the pages are read and edited in memory only, nothing is written.
    """
    applied = Applied()
    if dry_run:
        for page in job_pages(db, keys, progress=progress, description=description):
            _plan_page(page, selection, edit, applied)
        return applied
    grouped = by_job(keys)
    ids = list(grouped)
    with progress(description, len(keys)) as advance:
        for start in range(0, len(ids), PAGE_JOBS):
            page_keys = [
                key for doc_id in ids[start : start + PAGE_JOBS] for key in grouped[doc_id]
            ]
            _write_page(db, page_keys, selection, edit, applied)
            advance(len(page_keys))
    return applied


def _plan_page(
    page: list[SelectedJob], selection: Selection, edit: OperatorEdit, applied: Applied
) -> None:
    changes: dict[PassKey, PassChange] = {}
    guarded = _guarded(selection, edit, changes)
    for job, keys in page:
        for key in keys:
            pass_doc = find_pass(job, key[2]) if job is not None else None
            if job is None or pass_doc is None:
                applied.failed.append((key, "no such pass"))
            elif guarded(job, pass_doc):
                applied.changed.append(changes[key])
            else:
                applied.untouched += 1


def _write_page(
    db: Database,
    page_keys: list[PassKey],
    selection: Selection,
    edit: OperatorEdit,
    applied: Applied,
) -> None:
    changes: dict[PassKey, PassChange] = {}
    guarded = _guarded(selection, edit, changes)
    outcome = update_passes(db, {key: (None, guarded) for key in page_keys})
    applied.changed.extend(changes[key] for key in outcome.written)
    applied.untouched += len(outcome.unchanged)
    applied.failed.extend((key, "no such pass, or it kept changing") for key in outcome.missing)
    applied.documents.update(outcome.documents)


def _guarded(
    selection: Selection, edit: OperatorEdit, changes: dict[PassKey, PassChange]
) -> PassEdit:
    """The edit, guarded by the selection, noting the change it makes (a re-application
    after a conflict notes it again, over the first)."""

    def guarded(job: JobDocument, pass_doc: PassDocument) -> bool:
        module, run = job["module"], job["run"]
        if not selection.matches(module, run, pass_doc, _last_pass(job)):
            return False
        before = pass_doc["status"]
        if not edit(job, pass_doc):
            return False
        key = (module, run, pass_doc["pass"])
        changes[key] = PassChange(key, before, pass_doc["status"])
        return True

    return guarded


__all__ = ["PAGE_JOBS", "Applied", "OperatorEdit", "PassChange", "edit_passes"]
