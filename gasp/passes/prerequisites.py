"""Releasing passes whose prerequisites have ended (docs/architecture.md, "States").

A pass whose prerequisite pass is not completed is created ``new``. It becomes

* ``waiting`` when every prerequisite pass is ``completed``;
* ``unsatisfied`` when a prerequisite ended ``failed``, ``canceled`` or ``deleted``;
* ``new`` again (from ``unsatisfied``) when that prerequisite is retried.

Nothing scans for such passes: whoever changes a prerequisite's state (the client that
finalizes it, an operator command, a submission that creates a dependant) calls
``promote_dependants`` with the passes it changed. The ``prerequisites/dependants`` view,
keyed by the prerequisite pass, finds their ``new`` and ``unsatisfied`` dependants in one
query; their prerequisites are read in one bulk read; the changes are one bulk write.
A change cascades (a pass made ``unsatisfied`` makes its own dependants unsatisfied).
Claims check prerequisites again (``gasp/client/claims.py``), so a promotion missed by a
crash delays a pass but never runs one early.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gasp.model.clock import utc_now
from gasp.model.documents import JobDocument, PassDocument
from gasp.model.ids import job_id
from gasp.model.states import PassState
from gasp.model.transitions import move_pass
from gasp.passes.update import PassEdit, PassKey, find_pass, read_jobs, update_passes
from gasp.store import Database

DESIGN, VIEW = "prerequisites", "dependants"
# An unsatisfied prerequisite cannot run either: its dependants are unsatisfied too.
ENDED_BADLY = (PassState.FAILED, PassState.CANCELED, PassState.DELETED, PassState.UNSATISFIED)
SETTLING = (PassState.NEW, PassState.UNSATISFIED)
MAX_DEPTH = 10  # prerequisite chains are a few modules long


def target_state(prerequisite_states: Sequence[str | None]) -> PassState:
    """What a dependant should be, given the states of its prerequisite passes."""
    if any(state in ENDED_BADLY for state in prerequisite_states):
        return PassState.UNSATISFIED
    if prerequisite_states and all(s == PassState.COMPLETED for s in prerequisite_states):
        return PassState.WAITING
    return PassState.NEW


def dependants_of(db: Database, keys: Iterable[PassKey]) -> list[PassKey]:
    """The ``new``/``unsatisfied`` passes that read any of these passes (one view query)."""
    wanted = [[module, run, number] for module, run, number in dict.fromkeys(keys)]
    if not wanted:
        return []
    rows = db.view(DESIGN, VIEW, keys=wanted)
    return list(dict.fromkeys((str(r.value[0]), int(r.key[1]), int(r.value[1])) for r in rows))


def _settle_to(target: PassState, *, at: str, by: str) -> PassEdit:
    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        if pass_doc["status"] not in SETTLING or pass_doc["status"] == target:
            return False
        move_pass(pass_doc, target, at=at, by=by, why="prerequisites")
        return True

    return edit


def settle_new_passes(db: Database, keys: Sequence[PassKey], *, by: str) -> list[PassKey]:
    """Move these passes to what their prerequisites say; returns the passes changed."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    job_ids = list(dict.fromkeys(job_id(k[0], k[1]) for k in keys))
    jobs = dict(zip(job_ids, read_jobs(db, job_ids), strict=True))
    needed: dict[PassKey, list[PassKey]] = {}
    for key in keys:
        job = jobs[job_id(key[0], key[1])]
        pass_doc = find_pass(job, key[2]) if job else None
        if pass_doc is None or pass_doc["status"] not in SETTLING:
            continue
        needed[key] = [(p["module"], key[1], p["pass"]) for p in pass_doc.get("prerequisites", [])]
    prerequisite_ids = list(dict.fromkeys(job_id(p[0], p[1]) for ps in needed.values() for p in ps))
    found = dict(zip(prerequisite_ids, read_jobs(db, prerequisite_ids), strict=True))

    def state_of(prerequisite: PassKey) -> str:
        job = found.get(job_id(prerequisite[0], prerequisite[1]))
        pass_doc = find_pass(job, prerequisite[2]) if job else None
        return pass_doc["status"] if pass_doc else PassState.DELETED

    now = utc_now()
    edits = {
        key: (None, _settle_to(target_state([state_of(p) for p in prerequisites]), at=now, by=by))
        for key, prerequisites in needed.items()
    }
    known = {i: d for i, d in jobs.items() if d is not None}
    return update_passes(db, edits, known=known).written


def promote_dependants(db: Database, changed: Iterable[PassKey], *, by: str) -> int:
    """Settle the dependants of passes whose state just changed, and theirs in turn."""
    total = 0
    frontier = list(changed)
    for _depth in range(MAX_DEPTH):
        dependants = dependants_of(db, frontier)
        if not dependants:
            break
        frontier = settle_new_passes(db, dependants, by=by)
        total += len(frontier)
    return total


__all__ = ["dependants_of", "promote_dependants", "settle_new_passes", "target_state"]
