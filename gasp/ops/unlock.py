"""``gasp unlock SITE``: take back every pass a site holds, when that site cannot.

A site whose client is gone for good (a retired cluster, a lost machine) holds its passes
until the other sites' clients notice its heartbeat is stale, and not at all when no other
client runs. ``unlock`` does what release does, by hand: each unfinished pass held by
SITE goes back to ``waiting`` with ``attempt + 1`` and no claim (``requeue``, an operator
transition naming the operator), so the next claim gets a new token. Whatever the site
still tries to record under its old tokens (a launch, a report, a conclusion) is refused
as stale: fencing, not trust, keeps the pass from being finished twice.

A pass with a pending ``cancel_requested`` is cancelled instead of requeued: the request
was waiting for that site, which will never act on it, and requeueing it would run
again what an operator asked to stop. Its history names the operator who asked.

The site's batch jobs are not touched (they cannot be reached from here): they run on
unobserved until the site's batch system ends them.
"""

from __future__ import annotations

from gasp.errors import InputError
from gasp.model.documents import JobDocument, PassDocument
from gasp.model.transitions import requeue
from gasp.ops.apply import OperatorEdit
from gasp.ops.cancel import HELD
from gasp.passes.cancel import cancel_pass
from gasp.passes.selection import PassKey, Selection, candidates
from gasp.store import Database
from gasp.values import check_name


def check_site(text: str) -> str:
    """A site name by the rule of ``[site] name``; ``InputError`` (exit 2) saying why not."""
    try:
        return check_name(text)
    except ValueError as exc:
        raise InputError(f"SITE: {exc}") from None


def held_by(db: Database, site: str, selection: Selection) -> list[PassKey]:
    """The passes SITE holds that the selection allows, from views only.

    The ``passes/by_site`` view finds a site's passes directly; a selection that names a
    label, a request or a list narrows them to that campaign's. Version, request and
    ``--lastpass`` are judged on the document when it is edited (``Selection.matches``).
    """
    statuses = [s for s in HELD if selection.statuses is None or s in selection.statuses]
    keys: list[PassKey] = []
    for status in statuses:
        for row in db.view("passes", "by_site", startkey=[site, status], endkey=[site, status, {}]):
            _site, _status, module, run, number = row.key
            key = (str(module), int(str(run)), int(str(number)))
            if (
                selection.module_matches(key[0])
                and selection.run_matches(key[1])
                and selection.pass_number in (None, key[2])
            ):
                keys.append(key)
    if selection.label or selection.request or selection.exactly is not None:
        allowed = {row.key for row in candidates(db, selection)}
        keys = [key for key in keys if key in allowed]
    return keys


def unlock_edit(*, site: str, at: str, by: str) -> OperatorEdit:
    """The edit of one pass: back to the queue (or cancelled, if that was asked)."""

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        lock = pass_doc.get("lock")
        if pass_doc["status"] not in HELD or lock is None or lock["site"] != site:
            return False  # concluded, released or claimed elsewhere meanwhile
        request = pass_doc.get("cancel_requested")
        if request is not None:
            why = f"site {site} unlocked by {by}; cancel requested at {request['at']}"
            cancel_pass(pass_doc, at=at, by=request["by"], why=why)
            return True
        requeue(pass_doc, at=at, by=by, why=f"unlocked from site {site}", operator=True)
        pass_doc.pop("not_before", None)
        return True

    return edit


__all__ = ["check_site", "held_by", "unlock_edit"]
