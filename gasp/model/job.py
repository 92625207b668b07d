"""Job documents and their passes, as docs/architecture.md draws them.

Fields that have no value yet (a subjob's backend id, start time, ...) are simply absent
until they happen: a 100,000-job campaign then costs half the bytes to write and to index.
Their shapes are ``gasp.model.documents``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Unpack

from gasp.model.documents import (
    HistoryEntry,
    JobDocument,
    Kind,
    NewSubjob,
    PassDocument,
    PassFields,
)
from gasp.model.ids import job_id
from gasp.model.states import PassState, PassStateName, pass_state_name

HISTORY_LIMIT = 20
"""History entries a document keeps: frequently rewritten documents stay small."""


def new_job_document(kind: Kind, module: str, run: int) -> JobDocument:
    return {
        "_id": job_id(module, run),
        "type": "job",
        "kind": kind,
        "module": module,
        "run": run,
        "labels": [],
        "passes": [],
    }


def next_pass_number(job: JobDocument) -> int:
    return max((p["pass"] for p in job.get("passes", [])), default=0) + 1


def new_pass(
    *,
    pass_number: int,
    rat_version: str,
    created: str,
    subjobs: Sequence[NewSubjob],
    status: PassState | PassStateName = PassState.WAITING,
    by: str,
    **fields: Unpack[PassFields],
) -> PassDocument:
    """A pass ready to be claimed (or ``new`` while prerequisites are pending)."""
    name = pass_state_name(status)
    first: HistoryEntry = {"at": created, "from": None, "to": name, "by": by}
    return {
        "pass": pass_number,
        "status": name,
        "rat_version": rat_version,
        "created": created,
        **fields,
        "attempt": 1,
        "lock": None,
        "subjobs": [{**subjob, "status": "waiting"} for subjob in subjobs],
        "history": [first],
    }


def add_labels(job: JobDocument, labels: Iterable[str]) -> None:
    """Job-level labels are the union of its passes' labels, in first-seen order."""
    current = job.setdefault("labels", [])
    for label in labels:
        if label not in current:
            current.append(label)


def append_history(pass_doc: PassDocument, entry: HistoryEntry) -> None:
    """Record a transition, keeping the list bounded: frequently rewritten state stays small."""
    history = pass_doc.setdefault("history", [])
    history.append(entry)
    del history[:-HISTORY_LIMIT]
