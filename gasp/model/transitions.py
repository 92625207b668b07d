"""State changes of passes and subjobs, checked against the tables and recorded.

Every change of a pass's status goes through ``move_pass``: the transition table is
enforced on every write, and each change leaves a (bounded) history entry. ``requeue``
and ``reset_subjob`` are how a pass goes back to the queue for another attempt, the same
whether a transient failure is retried, a dead site's pass released (or, to come, an
operator retries it).
"""

from __future__ import annotations

from typing import Literal, get_args

from gasp.model.documents import HistoryEntry, PassDocument, PreviousAttempt, SubjobDocument
from gasp.model.job import append_history
from gasp.model.states import (
    PassState,
    PassStateName,
    SubjobState,
    SubjobStateName,
    check_pass_transition,
    check_subjob_transition,
    pass_state_name,
    subjob_state_name,
)


def move_pass(
    pass_doc: PassDocument,
    target: PassState | PassStateName,
    *,
    at: str,
    by: str,
    operator: bool = False,
    why: str | None = None,
) -> None:
    """Set a pass's status after checking the transition; records who, when and why."""
    current = pass_doc["status"]
    if current == target:
        return
    check_pass_transition(current, target, operator=operator)
    goal = pass_state_name(target)
    pass_doc["status"] = goal
    entry: HistoryEntry = {"at": at, "from": current, "to": goal, "by": by}
    if why:
        entry["why"] = why
    append_history(pass_doc, entry)


def move_subjob(subjob: SubjobDocument, target: SubjobState | SubjobStateName) -> None:
    current = subjob["status"]
    if current == target:
        return
    check_subjob_transition(current, target)
    subjob["status"] = subjob_state_name(target)


def requeue(pass_doc: PassDocument, *, at: str, by: str, why: str, operator: bool = False) -> None:
    """Back to ``waiting`` for its next attempt: no claim, unfinished subjobs reset.

    Completed subjobs are kept, so only the rest run again; the claim's token is gone,
    so whatever the old attempt's jobs still try to record is refused (fencing). An
    operator (``gasp retry``, ``gasp unlock``) may requeue from states gasp itself may not
    (``canceled``, ``deleted``, a live claim).
    """
    move_pass(pass_doc, "waiting", at=at, by=by, why=why, operator=operator)
    pass_doc["attempt"] = pass_doc.get("attempt", 1) + 1
    pass_doc["lock"] = None
    for subjob in pass_doc["subjobs"]:
        if subjob["status"] != "completed":
            reset_subjob(subjob)


# What one attempt of a subjob leaves on it besides what ``previous`` keeps.
_Dropped = Literal[
    "backend",
    "workdir",
    "submitted",
    "started",
    "cpu_s",
    "wall_s",
    "files",
    "unknown_cycles",
    "retryable",
]
_DROPPED: tuple[_Dropped, ...] = get_args(_Dropped)


def reset_subjob(subjob: SubjobDocument) -> None:
    """Back to waiting for a new attempt; what the old attempt said stays in ``previous``."""
    if subjob["status"] == "waiting":
        return
    previous: PreviousAttempt = {}
    if "backend_id" in subjob:
        previous["backend_id"] = subjob.pop("backend_id")
    if "name" in subjob:
        previous["name"] = subjob.pop("name")
    if "error" in subjob:
        previous["error"] = subjob.pop("error")
    if "exit_code" in subjob:
        previous["exit_code"] = subjob.pop("exit_code")
    if "finished" in subjob:
        previous["finished"] = subjob.pop("finished")
    for key in _DROPPED:
        subjob.pop(key, None)
    subjob["previous"] = previous
    move_subjob(subjob, "waiting")
