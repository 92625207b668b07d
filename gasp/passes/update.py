"""Read-modify-write of many passes at once, guarded by revisions and fencing tokens."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from gasp.model.documents import JobDocument, PassDocument, job_document, stored
from gasp.model.ids import job_id
from gasp.store import BulkResult, Database, ViewRow

PassKey = tuple[str, int, int]  # (module, run, pass)
# Edits one pass (in its job document) and says whether it changed anything.
PassEdit = Callable[[JobDocument, PassDocument], bool]

MAX_ROUNDS = 20


@dataclass
class UpdateOutcome:
    """Which passes were written, which were refused as stale, which kept conflicting."""

    written: list[PassKey] = field(default_factory=list)
    stale: list[PassKey] = field(default_factory=list)
    missing: list[PassKey] = field(default_factory=list)
    unchanged: list[PassKey] = field(default_factory=list)
    conflicts: int = 0
    documents: dict[str, JobDocument] = field(default_factory=dict)  # as written, new _rev


def read_jobs(db: Database, ids: Sequence[str]) -> list[JobDocument | None]:
    """Job documents by id, in one bulk read (None where there is none)."""
    return [job_document(doc) if doc is not None else None for doc in db.get_many(ids)]


def write_jobs(db: Database, docs: Sequence[JobDocument]) -> list[BulkResult]:
    """Job documents in one bulk write, each on the revision it carries."""
    return db.bulk([stored(doc) for doc in docs])


def row_job(row: ViewRow) -> JobDocument | None:
    """The job document of a view row read with ``include_docs``."""
    return job_document(row.doc) if row.doc is not None else None


def find_pass(job: JobDocument, pass_number: int) -> PassDocument | None:
    for candidate in job.get("passes", []):
        if candidate["pass"] == pass_number:
            return candidate
    return None


def holds(pass_doc: PassDocument, token: str | None) -> bool:
    """Whether an edit made under ``token`` may still be applied (None: no claim needed)."""
    if token is None:
        return True
    lock = pass_doc.get("lock")
    return isinstance(lock, dict) and lock.get("token") == token


def _read(
    db: Database, ids: list[str], known: Mapping[str, JobDocument] | None
) -> list[JobDocument | None]:
    """Documents by id: those the caller already holds, the rest in one bulk read."""
    if not known:
        return read_jobs(db, ids)
    missing = [i for i in ids if i not in known]
    fetched = dict(zip(missing, read_jobs(db, missing), strict=True)) if missing else {}
    return [known[i] if i in known else fetched[i] for i in ids]


def update_passes(
    db: Database,
    edits: Mapping[PassKey, tuple[str | None, PassEdit]],
    *,
    known: Mapping[str, JobDocument] | None = None,
) -> UpdateOutcome:
    """Apply each edit to its pass while the pass's lock still carries ``token``, in bulk.

    ``known`` holds job documents the caller has just read (a claim's page, a claim's own
    result): the first round writes on those revisions without reading them again. A
    conflict means someone else wrote the job document meanwhile: it is read again and
    the edit re-applied to what is there now, so no edit is ever made on a stale read.
    """
    outcome = UpdateOutcome()
    pending = dict(edits)
    for round_number in range(MAX_ROUNDS):
        if not pending:
            break
        by_job: dict[str, list[PassKey]] = {}
        for key in pending:
            by_job.setdefault(job_id(key[0], key[1]), []).append(key)
        ids = list(by_job)
        to_write: list[JobDocument] = []
        keys_of_doc: list[list[PassKey]] = []
        docs = _read(db, ids, known if round_number == 0 else None)
        for doc_id, doc in zip(ids, docs, strict=True):
            applied: list[PassKey] = []
            for key in by_job[doc_id]:
                token, edit = pending[key]
                pass_doc = find_pass(doc, key[2]) if doc else None
                if doc is None or pass_doc is None:
                    outcome.missing.append(key)
                elif not holds(pass_doc, token):
                    outcome.stale.append(key)
                elif edit(doc, pass_doc):
                    applied.append(key)
                    continue
                else:
                    outcome.unchanged.append(key)
                del pending[key]
            if applied and doc is not None:
                to_write.append(doc)
                keys_of_doc.append(applied)
        for result, keys, doc in zip(write_jobs(db, to_write), keys_of_doc, to_write, strict=True):
            if result.ok:
                outcome.documents[result.id] = doc
                outcome.written.extend(keys)
                for key in keys:
                    del pending[key]
            else:
                outcome.conflicts += 1
    outcome.missing.extend(pending)  # gave up after MAX_ROUNDS of conflicts
    return outcome


__all__ = [
    "MAX_ROUNDS",
    "PassEdit",
    "PassKey",
    "UpdateOutcome",
    "find_pass",
    "holds",
    "read_jobs",
    "row_job",
    "update_passes",
    "write_jobs",
]
