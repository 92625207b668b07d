"""Submission benchmark: a number-mode request of 100,000 jobs (embedded) and 10,000 jobs
(CouchDB-compatible server), with the number of HTTP requests counted.

    .venv/bin/python bench/submit.py                 # 100k embedded, 10k CouchDB
    .venv/bin/python bench/submit.py --jobs 20000 --couch-jobs 2000

Peers measured in the same run: for the embedded store, the same job documents inserted
into a plain SQLite table in one transaction (the floor any store on SQLite could reach);
for CouchDB, the same jobs written the naive way, one request per document. Goals (issue
3): 100,000 jobs in under 10 s embedded; at least 50x fewer HTTP requests than one
request per document.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.store import Database, open_server
from gasp.store.couchdb import CouchServer
from gasp.store.design import push_design_documents
from gasp.submit.production import submit_production
from gasp.toyrat.release import release_dir
from gasp.views import design_documents


def request_file(folder: Path, jobs: int) -> Path:
    path = folder / f"number_{jobs}.json"
    entry = {
        "module": "WaterPmtBetagammas",
        "n_ev": jobs * 10,
        "ev_per_run": 10,
        "template": {"radius": 7250},
        "label": "BenchSubmit",
    }
    path.write_text(json.dumps({"rat_v": "1.0.0", "modules": [entry]}))
    return path


def prepare(db: Database) -> None:
    push_design_documents(db, design_documents())
    upload_catalogue(db, make_production_catalogue(release_dir()))


def bench_embedded(folder: Path, jobs: int) -> None:
    server = open_server(f"sqlite:{folder / 'gasp'}")
    db = server.create_database("production")
    prepare(db)
    path = request_file(folder, jobs)
    start = time.perf_counter()
    result = submit_production(db, path)
    ours = time.perf_counter() - start
    assert result.written == jobs
    bodies = [
        (row.id, json.dumps(row.doc))
        for row in db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
    ]
    plain = sqlite3.connect(folder / "plain.sqlite", isolation_level=None)
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("PRAGMA synchronous=NORMAL")
    plain.execute("CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT) WITHOUT ROWID")
    start = time.perf_counter()
    plain.execute("BEGIN")
    plain.executemany("INSERT INTO docs VALUES (?, ?)", bodies)
    plain.execute("COMMIT")
    theirs = time.perf_counter() - start
    print(
        f"embedded: {jobs} jobs submitted in {ours:.2f} s ({jobs / ours:,.0f} jobs/s; goal < 10 s "
        f"for 100,000)   plain SQLite insert of the same documents {theirs:.2f} s   "
        f"ratio {theirs / ours:.2f}",
        flush=True,
    )
    server.close()


def counting(server: CouchServer) -> list[int]:
    counter = [0]

    def count(_request: httpx.Request) -> None:
        counter[0] += 1

    server.http_client.event_hooks["request"].append(count)
    return counter


def bench_couchdb(url: str, folder: Path, jobs: int) -> None:
    server = open_server(url)
    assert isinstance(server, CouchServer)
    stamp = int(time.time())
    db = server.create_database(f"bench_submit_{stamp}")
    prepare(db)
    counter = counting(server)
    start = time.perf_counter()
    result = submit_production(db, request_file(folder, jobs))
    ours = time.perf_counter() - start
    ours_requests = counter[0]
    assert result.written == jobs
    docs: list[dict[str, Any]] = [
        {k: v for k, v in row.doc.items() if k != "_rev"}
        for row in db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
        if row.doc
    ]
    naive = server.create_database(f"bench_submit_naive_{stamp}")
    counter[0] = 0
    start = time.perf_counter()
    for doc in docs:
        naive.put(doc)
    theirs = time.perf_counter() - start
    naive_requests = counter[0]
    print(
        f"couchdb: {jobs} jobs submitted in {ours:.2f} s ({jobs / ours:,.0f} jobs/s) with "
        f"{ours_requests} HTTP requests   one request per document: {theirs:.2f} s with "
        f"{naive_requests} requests   {naive_requests / ours_requests:.0f}x fewer requests, "
        f"{theirs / ours:.1f}x faster (goal: at least 50x fewer)",
        flush=True,
    )
    server.delete_database(db.name)
    server.delete_database(naive.name)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--couch-jobs", type=int, default=10_000)
    parser.add_argument("--couch-url", help="use this CouchDB instead of starting pouchdb-server")
    parser.add_argument("--skip-couch", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gasp-bench-") as tmp:
        folder = Path(tmp)
        bench_embedded(folder, args.jobs)
        if args.skip_couch:
            return
        if args.couch_url:
            bench_couchdb(args.couch_url, folder, args.couch_jobs)
            return
        from tests.services.pouchdb_server import running_pouchdb_server

        with running_pouchdb_server(folder / "pouchdb") as url:
            bench_couchdb(url, folder, args.couch_jobs)


if __name__ == "__main__":
    main()
