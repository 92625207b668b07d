"""Acting on operators' cancel requests for the passes this site holds.

``gasp cancel`` cannot reach a site's batch system, so for a held pass it only records
``cancel_requested``; this site's client acts on it, every cycle, right after the monitor
(so a job that completed meanwhile is known as completed, not cancelled) and before
finalize (so a cancelled pass is not concluded as well):

1. the pass's live jobs are cancelled in the batch system, and so are jobs of subjobs that
   are still ``waiting`` in the document but may have reached it under their name (a
   client killed between its submit and recording the ids: the same reconciliation by
   name as a launch);
2. then, under the claim's token, the pass ends ``canceled`` with a history entry naming
   the operator who asked (``gasp.passes.cancel.cancel_pass``): a client whose claim was
   released or unlocked meanwhile writes nothing (``stale``), and a request is acted on
   once.

Killed between 1 and 2, nothing is recorded and the request is still there: the next
cycle finds the jobs ended (their subjobs failed, as the batch system says) and cancels
the pass then. Stopping the jobs before writing is the safe order: written first, a kill
would leave jobs running that no client follows any more.

A pass whose subjobs have all completed is not cancelled: its work is done, finalize
concludes it as usual and the request is dropped. Neither is a request acted on that
arrived after the monitor read the passes; if finalize concludes such a pass in the same
cycle, ``settle_concluded`` decides: a pass that ended (completed, partFail, failed) ends
as it ended and the request is dropped; one that finalize put back for a retry is
cancelled instead, since running it again is what the operator asked to stop.
"""

from __future__ import annotations

from collections.abc import Sequence

from gasp.client.context import ClientContext
from gasp.client.job_spec import job_name
from gasp.client.monitor import LIVE_SUBJOB
from gasp.crashpoints import crashpoint
from gasp.model.documents import JobDocument, PassDocument, PassStateName
from gasp.model.ids import job_id
from gasp.passes.cancel import cancel_pass
from gasp.passes.update import PassEdit, PassKey, find_pass, holds, read_jobs, update_passes

ENDED: tuple[PassStateName, ...] = ("completed", "partFail", "failed")


def _work_done(pass_doc: PassDocument) -> bool:
    """Every subjob completed: nothing is left to stop, finalize concludes the pass."""
    return all(s["status"] == "completed" for s in pass_doc["subjobs"])


def _stoppable(key: PassKey, pass_doc: PassDocument) -> tuple[list[str], list[str]]:
    """The backend ids of the pass's live jobs, and the names of its waiting subjobs."""
    ids: list[str] = []
    names: list[str] = []
    attempt = pass_doc.get("attempt", 1)
    for subjob in pass_doc["subjobs"]:
        if subjob["status"] in LIVE_SUBJOB and subjob.get("backend_id"):
            ids.append(subjob["backend_id"])
        elif subjob["status"] == "waiting":
            names.append(job_name(key[0], key[1], subjob["subrun"], key[2], attempt))
    return ids, names


def _cancel(ctx: ClientContext, now: str) -> PassEdit:
    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        request = pass_doc.get("cancel_requested")
        if request is None or _work_done(pass_doc):
            return False
        why = f"cancel requested at {request['at']}; jobs stopped by {ctx.by}"
        cancel_pass(pass_doc, at=now, by=request["by"], why=why)
        return True

    return edit


def act_on_cancel_requests(
    ctx: ClientContext, requested: Sequence[PassKey], tokens: dict[PassKey, str]
) -> list[PassKey]:
    """Stop the jobs of these held passes and cancel them; returns the passes cancelled.

    ``requested``: the passes the monitor saw with ``cancel_requested``; ``tokens``: the
    claims they are held under.
    """
    if not requested:
        return []
    ids = list(dict.fromkeys(job_id(key[0], key[1]) for key in requested))
    known = {doc["_id"]: doc for doc in read_jobs(ctx.db, ids) if doc is not None}
    chosen: dict[PassKey, str] = {}
    live_ids: list[str] = []
    waiting_names: list[str] = []
    for key in requested:
        job = known.get(job_id(key[0], key[1]))
        pass_doc = find_pass(job, key[2]) if job is not None else None
        token = tokens[key]
        if pass_doc is None or not holds(pass_doc, token) or _work_done(pass_doc):
            continue
        if "cancel_requested" not in pass_doc:
            continue
        chosen[key] = token
        found_ids, names = _stoppable(key, pass_doc)
        live_ids += found_ids
        waiting_names += names
    if not chosen:
        return []
    if waiting_names:
        live_ids += ctx.backend.find(waiting_names).values()
    if live_ids:
        ctx.backend.cancel(live_ids)
    crashpoint("client-after-cancel")  # jobs stopped, nothing recorded yet
    edit = _cancel(ctx, ctx.now_iso())
    outcome = update_passes(
        ctx.db, {key: (token, edit) for key, token in chosen.items()}, known=known
    )
    return outcome.written


def settle_concluded(ctx: ClientContext, concluded: Sequence[PassKey]) -> list[PassKey]:
    """Requests on passes finalize has just concluded; returns the passes cancelled.

    An ended pass keeps its outcome and loses the request (it ended before the request was
    acted on); one put back in the queue for a retry is cancelled, unless another site has
    claimed it meanwhile (that site acts on the request then).
    """
    if not concluded:
        return []
    now = ctx.now_iso()
    canceled: set[PassKey] = set()

    def edit(job: JobDocument, pass_doc: PassDocument) -> bool:
        request = pass_doc.get("cancel_requested")
        if request is None or pass_doc.get("lock") is not None:
            return False
        key = (job["module"], job["run"], pass_doc["pass"])
        if pass_doc["status"] == "waiting":
            why = f"cancel requested at {request['at']}; not retried, by {ctx.by}"
            cancel_pass(pass_doc, at=now, by=request["by"], why=why)
            canceled.add(key)
            return True
        if pass_doc["status"] in ENDED:
            del pass_doc["cancel_requested"]  # it ended as it ended
            canceled.discard(key)
            return True
        return False

    outcome = update_passes(ctx.db, {key: (None, edit) for key in dict.fromkeys(concluded)})
    return [key for key in outcome.written if key in canceled]


__all__ = ["act_on_cancel_requests", "settle_concluded"]
