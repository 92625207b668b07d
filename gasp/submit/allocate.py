"""Generic run numbers: handed out per module after the highest run already used.

A small allocator document per module holds the next free run; a reservation is one
revision-guarded write, so two operators submitting the same module at once get disjoint
blocks instead of colliding on the same job documents.
"""

from __future__ import annotations

from gasp.errors import Conflict
from gasp.model.ids import allocator_id
from gasp.store import Database


def highest_run(db: Database, module: str) -> int:
    """The largest run number any job of ``module`` has, or 0."""
    rows = db.view(
        "jobs", "by_module", startkey=[module, {}], endkey=[module], descending=True, limit=1
    )
    for row in rows:
        return int(row.key[1])
    return 0


def next_free_run(db: Database, kind: str, module: str) -> int:
    """The first run a reservation would get now (for dry runs; reserves nothing)."""
    doc = db.get_many([allocator_id(kind, module)])[0]
    stored = int(doc["next_run"]) if doc else 1
    return max(stored, highest_run(db, module) + 1)


def reserve_runs(db: Database, kind: str, module: str, count: int) -> int:
    """Reserve ``count`` consecutive run numbers of ``module``; returns the first."""
    doc_id = allocator_id(kind, module)
    while True:
        doc = db.get_many([doc_id])[0]
        if doc is None:
            doc = {"_id": doc_id, "type": "run_allocator", "kind": kind, "module": module}
        first = max(int(doc.get("next_run", 1)), highest_run(db, module) + 1)
        doc["next_run"] = first + count
        try:
            db.put(doc)
        except Conflict:
            continue
        return first
