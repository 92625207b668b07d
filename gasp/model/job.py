"""Job documents and their passes, as docs/architecture.md draws them.

Fields that have no value yet (a subjob's backend id, start time, ...) are simply absent
until they happen: a 100,000-job campaign then costs half the bytes to write and to index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gasp.model.ids import job_id
from gasp.model.states import PassState, SubjobState

HISTORY_LIMIT = 20


def new_job_document(kind: str, module: str, run: int) -> dict[str, Any]:
    return {
        "_id": job_id(module, run),
        "type": "job",
        "kind": kind,
        "module": module,
        "run": run,
        "labels": [],
        "passes": [],
    }


def next_pass_number(job: Mapping[str, Any]) -> int:
    return max((int(p["pass"]) for p in job.get("passes", [])), default=0) + 1


def new_pass(
    *,
    pass_number: int,
    rat_version: str,
    created: str,
    subjobs: Sequence[Mapping[str, Any]],
    status: PassState = PassState.WAITING,
    by: str,
    **fields: Any,
) -> dict[str, Any]:
    """A pass ready to be claimed (or ``new`` while prerequisites are pending)."""
    return {
        "pass": pass_number,
        "status": str(status),
        "rat_version": rat_version,
        "created": created,
        **fields,
        "attempt": 1,
        "lock": None,
        "subjobs": [{**subjob, "status": str(SubjobState.WAITING)} for subjob in subjobs],
        "history": [{"at": created, "from": None, "to": str(status), "by": by}],
    }


def add_labels(job: dict[str, Any], labels: Iterable[str]) -> None:
    """Job-level labels are the union of its passes' labels, in first-seen order."""
    current = job.setdefault("labels", [])
    for label in labels:
        if label not in current:
            current.append(label)


def append_history(pass_doc: dict[str, Any], entry: dict[str, Any]) -> None:
    """Record a transition, keeping the list bounded: frequently rewritten state stays small."""
    history = pass_doc.setdefault("history", [])
    history.append(entry)
    del history[:-HISTORY_LIMIT]
