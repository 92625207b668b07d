"""Generic run numbers: handed out per module after the highest run already used.

A small allocator document per module holds the next free run; a reservation is one
revision-guarded write, so two operators submitting the same module at once get disjoint
blocks instead of colliding on the same job documents.

Run numbers stay within ``1..MAX_RUN`` like every other run: a block that would pass it
is refused before the allocator moves (checked again at the reservation itself, which a
concurrent submission may have moved meanwhile).
"""

from __future__ import annotations

from gasp.errors import Conflict, InputError
from gasp.model.documents import AllocatorDocument, Kind, allocator_document, stored
from gasp.model.ids import allocator_id
from gasp.store import Database
from gasp.values import MAX_RUN


def highest_run(db: Database, module: str) -> int:
    """The largest run number any job of ``module`` has, or 0."""
    rows = db.view(
        "jobs", "by_module", startkey=[module, {}], endkey=[module], descending=True, limit=1
    )
    for row in rows:
        return int(row.key[1])
    return 0


def _read(db: Database, kind: Kind, module: str) -> AllocatorDocument | None:
    """The allocator document of ``module``, if a reservation made it."""
    found = db.get_many([allocator_id(kind, module)])[0]
    return allocator_document(found) if found is not None else None


def next_free_run(db: Database, kind: Kind, module: str) -> int:
    """The first run a reservation would get now (for checks and dry runs; reserves nothing)."""
    doc = _read(db, kind, module)
    next_run = doc["next_run"] if doc else 1
    return max(next_run, highest_run(db, module) + 1)


def room_problem(module: str, first: int, count: int) -> str | None:
    """Why ``count`` runs of ``module`` from ``first`` cannot be handed out, if they cannot."""
    last = first + count - 1
    if last <= MAX_RUN:
        return None
    return (
        f"{module}: {count} new runs from run {first} would go past the largest run "
        f"number, {MAX_RUN}"
    )


def reserve_runs(db: Database, kind: Kind, module: str, count: int) -> int:
    """Reserve ``count`` consecutive run numbers of ``module``; returns the first."""
    while True:
        doc: AllocatorDocument = _read(db, kind, module) or {
            "_id": allocator_id(kind, module),
            "type": "run_allocator",
            "kind": kind,
            "module": module,
        }
        first = max(doc.get("next_run", 1), highest_run(db, module) + 1)
        problem = room_problem(module, first, count)
        if problem is not None:
            raise InputError(problem)
        doc["next_run"] = first + count
        try:
            db.put(stored(doc))
        except Conflict:
            continue
        return first
