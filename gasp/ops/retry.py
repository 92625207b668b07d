"""``gasp retry``: selected passes back to ``waiting``, same pass, next attempt.

What a retry keeps and what it drops follows what the shift needs afterwards: the pass
number (so ``.exactly`` lists and data documents still name it), its history (with one
more entry naming the operator), its completed subjobs and their catalogued outputs (only
what did not complete runs again). It drops the claim (the next claim gets a fresh token,
so anything the old attempt's jobs still try to record is refused) and, with
``delete_attachments``, the old attempt's logs.

A retried pass may be the prerequisite of others that were made ``unsatisfied`` by its
failure: ``bring_back_dependants`` returns them to ``new`` (and on to ``waiting`` when
their prerequisites complete) through the same promotion the client uses.
"""

from __future__ import annotations

from collections.abc import Iterable

from gasp.model.documents import JobDocument, PassDocument, PassStateName
from gasp.model.naming import pass_of_log
from gasp.model.transitions import requeue
from gasp.ops.apply import OperatorEdit
from gasp.passes.prerequisites import promote_dependants
from gasp.passes.selection import PassKey
from gasp.store import Database

DEFAULT_STATUSES: tuple[PassStateName, ...] = ("failed",)


def retry_edit(*, at: str, by: str, delete_attachments: bool = False) -> OperatorEdit:
    """The edit of one selected pass: requeue it as an operator transition."""

    def edit(job: JobDocument, pass_doc: PassDocument) -> bool:
        if pass_doc["status"] == "waiting":
            return False
        requeue(pass_doc, at=at, by=by, why="retried by an operator", operator=True)
        pass_doc.pop("not_before", None)
        pass_doc.pop("error", None)
        pass_doc.pop("cancel_requested", None)  # a retry is the newer decision
        if delete_attachments:
            _drop_logs(job, pass_doc["pass"])
        return True

    return edit


def _drop_logs(job: JobDocument, pass_number: int) -> None:
    attachments = job.get("_attachments")
    if not attachments:
        return
    kept = {name: stub for name, stub in attachments.items() if pass_of_log(name) != pass_number}
    if kept:
        job["_attachments"] = kept
    else:
        job.pop("_attachments", None)


def bring_back_dependants(db: Database, retried: Iterable[PassKey], *, by: str) -> int:
    """Dependants made ``unsatisfied`` by these passes go back to ``new``; returns how many
    passes changed (the promotion cascades down the prerequisite chain)."""
    return promote_dependants(db, retried, by=by)


__all__ = ["DEFAULT_STATUSES", "bring_back_dependants", "retry_edit"]
