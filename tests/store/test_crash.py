"""kill -9 a process in the middle of bulk writes and view indexing: nothing half-done.

A writer process commits batches of documents and reads a view between batches, so that
when it is killed it may be inside a bulk write or inside an index update. Afterwards every
batch is either wholly present or wholly absent, and the incrementally maintained view
gives exactly what a view built from scratch over the surviving documents gives.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gasp.store import open_server

BATCH = 400

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from gasp.store import open_server

    server = open_server(sys.argv[1])
    db = server.database("crash")
    batch = 0
    while True:
        docs = [
            {"_id": f"b{batch:05d}:{i:04d}", "batch": batch, "k": [i % 7, batch]}
            for i in range(BATCH)
        ]
        results = db.bulk(docs)
        assert all(r.ok for r in results)
        print(batch, flush=True)
        if batch % 2:
            sum(1 for _ in db.view("crash", "by_k", limit=10))
        batch += 1
    """
).replace("BATCH", str(BATCH))

DESIGN = {"map": "function (doc) { if (doc.k) emit(doc.k, doc.batch); }"}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_during_bulk_writes_and_indexing(tmp_path: Path, seed: int) -> None:
    url = f"sqlite:{tmp_path / 'data'}"
    server = open_server(url)
    db = server.create_database("crash")
    db.put({"_id": "_design/crash", "views": {"by_k": DESIGN}})
    server.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert writer.stdout is not None
    for _ in range(3):  # let it commit a few batches first
        writer.stdout.readline()
    time.sleep(random.Random(seed).uniform(0.05, 0.6))
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert writer.returncode == -signal.SIGKILL

    server = open_server(url)
    db = server.database("crash")
    per_batch: dict[int, int] = {}
    for row in db.all_docs():
        if not row.id or row.id.startswith("_design/"):
            continue
        batch = int(row.id[1:6])
        per_batch[batch] = per_batch.get(batch, 0) + 1
    assert per_batch, "the writer committed nothing"
    assert set(per_batch.values()) == {BATCH}, "a bulk write was half applied"
    assert sorted(per_batch) == list(range(len(per_batch))), "a batch is missing"

    incremental = [(r.id, r.key, r.value) for r in db.view("crash", "by_k")]
    db.put({"_id": "_design/fresh", "views": {"by_k": DESIGN}})
    from_scratch = [(r.id, r.key, r.value) for r in db.view("fresh", "by_k")]
    assert incremental == from_scratch
    assert len(incremental) == BATCH * len(per_batch)
    server.close()
