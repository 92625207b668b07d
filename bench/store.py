"""Document-store benchmark: the embedded backend beside plain SQLite, and CouchDB bulk vs single.

Run from the repository root (after the README's test command has installed everything):

    .venv/bin/python bench/store.py            # 100k documents embedded, 10k on CouchDB
    .venv/bin/python bench/store.py --docs 20000 --couch-docs 2000

Each figure is one line. Embedded figures are printed beside the same operation on a plain
SQLite table holding the same rows (id primary key, JSON body written and parsed with the
same library as the store, orjson; an index on the columns the view sorts by), with their
ratio: what CouchDB semantics (revisions, conflict checks, views kept in collation order
by JavaScript map functions) cost over the bare database. The
CouchDB figures run against pouchdb-server on loopback and compare bulk endpoints with one
request per document.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gasp.store import Database, open_server
from gasp.store.design import push_design_documents
from gasp.views import design_documents

STATUSES = ["waiting", "waiting", "waiting", "submitted", "running", "completed", "failed"]
MODULES = [f"Module{i:02d}" for i in range(20)]


def job_docs(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Job documents shaped like production's: one pass each, realistic fields."""
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        module = MODULES[i % len(MODULES)]
        run = 100000 + i // len(MODULES)
        docs.append(
            {
                "_id": f"job:{module}:{run}",
                "type": "job",
                "kind": "production",
                "module": module,
                "run": run,
                "labels": ["Bench2026"],
                "passes": [
                    {
                        "pass": 1,
                        "status": rng.choice(STATUSES),
                        "rat_version": "1.0.0",
                        "priority": rng.randrange(0, 100),
                        "created": f"2026-11-22T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
                        "labels": ["Bench2026"],
                        "event_mode": "number",
                        "n_events": 1000,
                        "attempt": 1,
                        "lock": None,
                        "subjobs": [{"subrun": 0, "status": "waiting"}],
                        "history": [],
                    }
                ],
            }
        )
    return docs


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def line(
    name: str, count: int, seconds: float, unit: str, peer: tuple[str, int, float] | None
) -> None:
    ours = rate(count, seconds)
    text = f"{name:<44} {count:>7} {unit:<5} {ours:>11,.0f} {unit}/s"
    if peer is not None:
        peer_name, peer_count, peer_seconds = peer
        theirs = rate(peer_count, peer_seconds)
        text += f"   {peer_name} {theirs:>11,.0f} {unit}/s   ratio {ours / theirs:5.2f}"
    print(text, flush=True)


class PlainSqlite:
    """The peer: the same rows in one table with an index, no revisions, no views."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE docs (id TEXT PRIMARY KEY, status TEXT, module TEXT, "
            "version TEXT, body TEXT) WITHOUT ROWID"
        )
        self.conn.execute("CREATE INDEX docs_status ON docs (status, module, version)")

    @staticmethod
    def row(doc: dict[str, Any]) -> tuple[str, str, str, str, str]:
        p = doc["passes"][0]
        return (
            doc["_id"],
            p["status"],
            doc["module"],
            p["rat_version"],
            orjson.dumps(doc).decode(),
        )

    def insert_one(self, doc: dict[str, Any]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", self.row(doc))
        self.conn.execute("COMMIT")

    def insert_many(self, docs: list[dict[str, Any]]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", map(self.row, docs))
        self.conn.execute("COMMIT")

    def get(self, doc_id: str) -> dict[str, Any]:
        (body,) = self.conn.execute("SELECT body FROM docs WHERE id = ?", (doc_id,)).fetchone()
        result: dict[str, Any] = orjson.loads(body)
        return result

    def rows_with_status(self, status: str) -> Iterator[tuple[Any, ...]]:
        return iter(
            self.conn.execute(
                "SELECT status, module, version, id FROM docs WHERE status = ? "
                "ORDER BY status, module, version, id",
                (status,),
            )
        )

    def counts(self) -> list[tuple[Any, ...]]:
        return self.conn.execute(
            "SELECT status, module, count(*) FROM docs GROUP BY status, module"
        ).fetchall()


def batches(docs: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(docs), size):
        yield docs[start : start + size]


def bench_embedded(count: int, singles: int, reads: int, folder: Path) -> None:
    print(f"# embedded backend vs plain SQLite, {count} documents", flush=True)
    server = open_server(f"sqlite:{folder / 'gasp'}")
    db = server.create_database("production")
    push_design_documents(db, design_documents())
    plain = PlainSqlite(folder / "plain.sqlite")
    docs = job_docs(count)
    single_docs, bulk_docs = docs[:singles], docs[singles:]

    ours = timed(lambda: [db.put(dict(d)) for d in single_docs])
    theirs = timed(lambda: [plain.insert_one(d) for d in single_docs])
    line("insert, one document per transaction", singles, ours, "docs", ("plain", singles, theirs))

    ours = timed(lambda: [db.bulk([dict(d) for d in b]) for b in batches(bulk_docs, 1000)])
    theirs = timed(lambda: [plain.insert_many(b) for b in batches(bulk_docs, 1000)])
    n = len(bulk_docs)
    line("bulk insert, 1000 per transaction", n, ours, "docs", ("plain", n, theirs))

    rng = random.Random(7)
    ids = [docs[rng.randrange(count)]["_id"] for _ in range(reads)]
    ours = timed(lambda: [db.get(i) for i in ids])
    theirs = timed(lambda: [plain.get(i) for i in ids])
    line("point read (get)", reads, ours, "reads", ("plain", reads, theirs))

    many = [ids[i : i + 100] for i in range(0, len(ids), 100)]
    ours = timed(lambda: [db.get_many(chunk) for chunk in many])
    line("point read (get_many, 100 per call)", reads, ours, "reads", ("plain", reads, theirs))

    # First read of the views: QuickJS maps every document into every view of 'passes'.
    build = timed(lambda: list(db.view("passes", "by_status", limit=1, reduce=False)))
    index_peer = timed(lambda: plain.conn.execute("CREATE INDEX docs_module ON docs (module)"))
    line(
        "view index build (the views of 'passes')",
        count,
        build,
        "docs",
        ("plain 1 index", count, index_peer),
    )

    waiting = sum(1 for d in docs if d["passes"][0]["status"] == "waiting")
    ours = timed(
        lambda: sum(
            1
            for _ in db.view(
                "passes", "by_status", startkey=["waiting"], endkey=["waiting", {}], reduce=False
            )
        )
    )
    theirs = timed(lambda: sum(1 for _ in plain.rows_with_status("waiting")))
    line(
        "view read, streamed range (status=waiting)",
        waiting,
        ours,
        "rows",
        ("plain", waiting, theirs),
    )

    build = timed(lambda: list(db.view("queue", "priority", limit=1)))
    line("view index build (the 4 views of 'queue')", count, build, "docs", None)
    ours = timed(lambda: list(db.view("queue", "priority", limit=500)))
    line("view read, queue head (queue/priority 500)", 500, ours, "rows", None)

    ours = timed(lambda: list(db.view("passes", "by_status", group_level=2)))
    theirs = timed(plain.counts)
    line("reduce, _count grouped by status+module", count, ours, "rows", ("plain", count, theirs))

    updates = [db.get(i) for i in ids[:singles]]
    for doc in updates:
        doc["passes"][0]["status"] = "completed"
    unique = list({d["_id"]: d for d in updates}.values())
    timed(lambda: db.bulk(unique))
    ours = timed(lambda: list(db.view("passes", "by_status", group_level=1)))
    line(f"incremental view update ({len(unique)} changed) + read", len(unique), ours, "docs", None)
    server.close()


def bench_couchdb(url: str, count: int, reads: int) -> None:
    print(f"# couchdb backend (pouchdb-server at {url}), {count} documents", flush=True)
    server = open_server(url)
    name = f"bench_{int(time.time())}"
    db: Database = server.create_database(name)
    push_design_documents(db, design_documents())
    docs = job_docs(count * 2, seed=3)
    single_docs, bulk_docs = docs[:count], docs[count:]
    single = timed(lambda: [db.put(dict(d)) for d in single_docs])
    bulk = timed(lambda: [db.bulk([dict(d) for d in b]) for b in batches(bulk_docs, 1000)])
    line("insert, one request per document", count, single, "docs", None)
    line(
        "bulk insert (_bulk_docs, 1000 per request)", count, bulk, "docs", ("single", count, single)
    )
    rng = random.Random(5)
    ids = [docs[rng.randrange(2 * count)]["_id"] for _ in range(reads)]
    one_by_one = timed(lambda: [db.get(i) for i in ids])
    chunked = timed(lambda: [db.get_many(ids[i : i + 100]) for i in range(0, len(ids), 100)])
    line("point read (get)", reads, one_by_one, "reads", None)
    line(
        "point read (_all_docs keys, 100 per request)",
        reads,
        chunked,
        "reads",
        ("get", reads, one_by_one),
    )
    build = timed(lambda: list(db.view("passes", "by_status", limit=1, reduce=False)))
    line("view index build (the views of 'passes')", 2 * count, build, "docs", None)
    streamed = timed(lambda: sum(1 for _ in db.view("passes", "by_status", reduce=False)))
    line("view read, streamed (all passes)", 2 * count, streamed, "rows", None)
    server.delete_database(name)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument("--reads", type=int, default=10_000)
    parser.add_argument("--couch-docs", type=int, default=10_000)
    parser.add_argument("--couch-url", help="use this CouchDB instead of starting pouchdb-server")
    parser.add_argument("--skip-couch", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gasp-bench-") as tmp:
        bench_embedded(args.docs, args.singles, args.reads, Path(tmp))
        if args.skip_couch:
            return
        if args.couch_url:
            bench_couchdb(args.couch_url, args.couch_docs, args.reads // 5)
            return
        from tests.services.pouchdb_server import running_pouchdb_server

        with running_pouchdb_server(Path(tmp) / "pouchdb") as url:
            bench_couchdb(url, args.couch_docs, args.reads // 5)


if __name__ == "__main__":
    main()
