"""Eight processes doing read-modify-write on one document: no update may be lost.

Every increment that a process believes succeeded must be in the final count, on both
backends. The number of conflicts is printed, as the measure of contention.
"""

from __future__ import annotations

import multiprocessing
import uuid

import pytest

from gasp.errors import Conflict
from gasp.store import Server, open_server

PROCESSES = 8
INCREMENTS = 200


def _increment(url: str, db_name: str, times: int) -> int:
    """Add one to the counter ``times`` times, retrying on Conflict; returns the conflicts."""
    server = open_server(url)
    db = server.database(db_name)
    conflicts = 0
    for _ in range(times):
        while True:
            doc = db.get("counter")
            doc["n"] += 1
            try:
                db.put(doc)
                break
            except Conflict:
                conflicts += 1
    server.close()
    return conflicts


@pytest.mark.slow
def test_read_modify_write_from_eight_processes(store_url: str, server: Server) -> None:
    name = f"conc_{uuid.uuid4().hex[:10]}"
    db = server.create_database(name)
    db.put({"_id": "counter", "n": 0})
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        conflicts = pool.starmap(_increment, [(store_url, name, INCREMENTS)] * PROCESSES)
    final = db.get("counter")
    print(
        f"\n{store_url.split(':', maxsplit=1)[0]}: {sum(conflicts)} conflicts for {PROCESSES * INCREMENTS} increments"
    )
    assert final["n"] == PROCESSES * INCREMENTS
    assert final["_rev"].startswith(f"{PROCESSES * INCREMENTS + 1}-")
    server.delete_database(name)
