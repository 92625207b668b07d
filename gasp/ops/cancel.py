"""``gasp cancel``: selected passes stop, at once or at their site's next cycle.

What an operator's machine can do depends on whether a site holds the pass:

* a pass no site holds (``new``, ``waiting``, ``unsatisfied``, and ``failed`` or
  ``partFail`` when ``--status`` asks for them) is cancelled by the command itself
  (``gasp.passes.cancel.cancel_pass``): it stops being claimable the moment the write
  lands;
* a pass a site holds (``submitted``, ``running``) has jobs in that site's batch system,
  which only that site's client can reach. The command records ``cancel_requested``
  (when and who) and changes no state; the client stops the jobs at its next cycle and
  cancels the pass under its claim's token (``gasp/client/cancel.py``). A request is a
  field of the document, so it survives a restart of the client, and a second ``gasp
  cancel`` leaves the first request as it is.

The default statuses are every unfinished one (``DEFAULT_STATUSES``): "cancel this
campaign" means stop whatever has not ended yet. Ended passes are cancelled only when
``--status`` names them (a ``failed`` one, so that nobody retries it by accident);
``completed`` ones never are (their outputs are catalogued: that is ``gasp delete``).
"""

from __future__ import annotations

from collections import Counter

from gasp.model.documents import JobDocument, PassDocument, PassStateName
from gasp.ops.apply import Applied, OperatorEdit
from gasp.passes.cancel import can_cancel, cancel_pass
from gasp.passes.selection import PassKey

DEFAULT_STATUSES: tuple[PassStateName, ...] = (
    "new",
    "waiting",
    "unsatisfied",
    "submitted",
    "running",
)
HELD: tuple[PassStateName, ...] = ("submitted", "running")  # a site's claim is live
REQUESTED = "cancel requested"  # how plans show a pass whose site will cancel it


def is_held(pass_doc: PassDocument) -> bool:
    """Whether a site holds the pass, so only that site can stop its jobs."""
    return pass_doc["status"] in HELD and pass_doc.get("lock") is not None


def cancel_edit(*, at: str, by: str) -> OperatorEdit:
    """The edit of one selected pass: cancel it, or ask its site to."""

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        if is_held(pass_doc):
            if "cancel_requested" in pass_doc:
                return False  # already asked: the first request stands
            pass_doc["cancel_requested"] = {"at": at, "by": by}
            return True
        if not can_cancel(pass_doc):
            return False  # completed, canceled or deleted
        cancel_pass(pass_doc, at=at, by=by, why="canceled by an operator")
        return True

    return edit


def canceled_now(applied: Applied) -> list[PassKey]:
    """The passes the command cancelled itself (their dependants must be settled)."""
    return [change.key for change in applied.changed if change.after == "canceled"]


def requested_by_site(applied: Applied) -> dict[str, int]:
    """How many cancel requests each holding site has to act on, from the written documents."""
    counts: Counter[str] = Counter()
    held = {change.key for change in applied.changed if change.after != "canceled"}
    for job in applied.documents.values():
        for pass_doc in job["passes"]:
            lock = pass_doc.get("lock")
            key = (job["module"], job["run"], pass_doc["pass"])
            if key in held and lock is not None and "cancel_requested" in pass_doc:
                counts[lock["site"]] += 1
    return dict(sorted(counts.items()))


__all__ = [
    "DEFAULT_STATUSES",
    "HELD",
    "REQUESTED",
    "cancel_edit",
    "canceled_now",
    "is_held",
    "requested_by_site",
]
