"""Operators' tools benchmark: the real commands, beside one request per document.

    .venv/bin/python bench/ops.py                       # 100,000 passes summed, 10,000 edited
    .venv/bin/python bench/ops.py --summary-passes 20000 --passes 2000

Two parts, each printing one line per command with its peer measured in the same run:

* ``gasp summary --label`` over ``--summary-passes`` passes on the embedded store: the
  command as a user runs it (in this process, through ``gasp.cli.main``), reading the
  reduced ``ops/label_status`` view, beside the peer that reads every job document of the
  label and counts (what a summary script over the documents does). The view is built
  once before timing: building it belongs to writing the passes, not to reading them.
* ``gasp retry``, ``gasp labels add`` and ``gasp delete`` of ``--passes`` passes on the
  CouchDB-compatible server (pouchdb-server, started here on loopback): every HTTP request
  the command makes is counted (an httpx event hook on every client this process opens),
  beside the peer that makes the same change one document at a time (GET and PUT of each
  job document; for labels and delete, of each data document too). Goal (issue 12): at
  least 50 times fewer requests per 1,000 passes.

The passes are written by ``submit_production`` and then put in the state each command
needs by bulk writes (failed for retry; completed, with one catalogued file each on a
``file://`` storage element, for labels and delete).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.campaign import prepare_production
from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.cli import main as gasp_main
from gasp.model.clock import utc_now
from gasp.model.data import file_entry, new_data_document
from gasp.model.ids import data_id
from gasp.model.naming import file_name, logical_path
from gasp.store import Database, open_server
from gasp.store.design import push_design_documents
from gasp.submit.production import submit_production
from gasp.toyrat.release import release_dir
from gasp.views import design_documents

LABEL = "Bench"
NOW = "2026-11-29T00:00:00.000000Z"
PAGE = 1000


def entry(passes: int) -> dict[str, Any]:
    return {
        "module": "WaterGunElectron",
        "n_ev": passes,
        "ev_per_run": 1,
        "template": {"energy": 2},
        "label": LABEL,
    }


@contextlib.contextmanager
def counted_requests() -> Iterator[list[int]]:
    """Count every HTTP request any httpx client of this process sends meanwhile."""
    counter = [0]
    original = httpx.Client.send

    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        counter[0] += 1
        return original(self, request, **kwargs)

    httpx.Client.send = send  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        httpx.Client.send = original  # type: ignore[method-assign]


def run_gasp(config: Path, *args: str) -> float:
    """``gasp -c CONFIG ARGS...`` in this process; returns the seconds it took."""
    start = time.perf_counter()
    try:
        gasp_main(["-c", str(config), *args])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise SystemExit(f"gasp {' '.join(args)} exited {exc.code}") from None
    return time.perf_counter() - start


def line(name: str, ours: float, theirs: float, unit: str) -> None:
    ratio = theirs / ours if ours else float("inf")
    print(f"{name:<58} {ours:>10,.2f} {unit:<14} peer {theirs:>10,.2f}   ratio {ratio:,.1f}x")


# -- summary on the embedded store -------------------------------------------------------


def bench_summary(folder: Path, passes: int) -> None:
    print(f"# gasp summary --label over {passes:,} passes, embedded store", flush=True)
    url = prepare_production(folder / "summary", entry(passes))
    config = folder / "summary.toml"
    config.write_text(f'[database]\nurl = "{url}"\n')
    server = open_server(url)
    db = server.database("production")
    start = time.perf_counter()
    list(db.view("ops", "label_status", limit=1, reduce=False))
    print(
        f"view ops/label_status built over {passes:,} passes in {time.perf_counter() - start:.1f} s"
    )
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        ours = min(run_gasp(config, "summary", "--label", LABEL) for _ in range(3))
    theirs = min(_count_documents(db) for _ in range(3))
    line("summary (reduced view) vs reading every document", ours, theirs, "s")
    server.close()


def _count_documents(db: Database) -> float:
    start = time.perf_counter()
    counts: dict[tuple[str, str], int] = {}
    for row in db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True):
        assert row.doc is not None
        for pass_doc in row.doc["passes"]:
            if LABEL in pass_doc.get("labels", []):
                key = (row.doc["module"], pass_doc["status"])
                counts[key] = counts.get(key, 0) + 1
    assert sum(counts.values()) > 0
    return time.perf_counter() - start


# -- retry, labels, delete on the CouchDB-compatible server ------------------------------


def couch_campaign(url: str, folder: Path, passes: int, name: str) -> tuple[Database, Path]:
    """A database of ``passes`` passes of label Bench and a site config naming it."""
    server = open_server(url)
    db = server.create_database(name)
    push_design_documents(db, design_documents())
    upload_catalogue(db, make_production_catalogue(release_dir()))
    request = folder / f"{name}.json"
    request.write_text(json.dumps({"rat_v": "1.0.0", "modules": [entry(passes)]}))
    submit_production(db, request)
    config = folder / f"{name}.toml"
    se = folder / f"{name}-se"
    se.mkdir()
    config.write_text(
        f'[database]\nurl = "{url}"\nproduction = "{name}"\n'
        f'[storage]\nprimary = "se"\n[storage.elements.se]\nurl = "{se}"\n'
    )
    return db, config


def rewrite_all(db: Database, change: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> None:
    """Apply ``change`` to every job document (it may return extra documents to write)."""
    ids = [r.id for r in db.all_docs(startkey="job:", endkey="job:\ufff0") if r.id]
    for start in range(0, len(ids), PAGE):
        docs = [d for d in db.get_many(ids[start : start + PAGE]) if d is not None]
        extra: list[dict[str, Any]] = []
        for doc in docs:
            extra += change(doc)
        db.bulk(docs + extra)


def fail(doc: dict[str, Any]) -> list[dict[str, Any]]:
    for pass_doc in doc["passes"]:
        pass_doc["status"] = "failed"
        pass_doc["site"] = "bench"
        for subjob in pass_doc["subjobs"]:
            subjob.update(status="failed", exit_code=1, error="toyrat exited with status 1")
    return []


def complete_with_a_file(se: Path) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    def change(doc: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for pass_doc in doc["passes"]:
            module, run, number = doc["module"], doc["run"], pass_doc["pass"]
            name = file_name(module, run, 0, number, "ntuple")
            lfn = logical_path("production", module, run, name)
            path = se / lfn
            path.parent.mkdir(parents=True, exist_ok=True)
            data = f"{module} {run} {number}\n".encode()
            path.write_bytes(data)
            data_doc = new_data_document(
                kind="production",
                module=module,
                run=run,
                pass_number=number,
                data_type="ntuple",
                rat_version="1.0.0",
                labels=[LABEL],
            )
            data_doc["files"].append(
                file_entry(
                    subrun=0,
                    name=name,
                    lfn=lfn,
                    size=len(data),
                    adler32=f"{zlib.adler32(data) & 0xFFFFFFFF:08x}",
                    events=1,
                    se="se",
                    url=path.as_uri(),
                    at=utc_now(),
                )
            )
            out.append(dict(data_doc))
            pass_doc["status"] = "completed"
            for subjob in pass_doc["subjobs"]:
                subjob.update(status="completed", outputs=[data_id(module, run, number, "ntuple")])
        return out

    return change


def one_by_one(url: str, name: str, change: Callable[[Database, dict[str, Any]], None]) -> int:
    """The peer: GET and PUT each job document (``change`` may touch others the same way)."""
    server = open_server(url)
    db = server.database(name)
    ids = [r.id for r in db.all_docs(startkey="job:", endkey="job:\ufff0") if r.id]
    with counted_requests() as counter:
        for doc_id in ids:
            doc = db.get(doc_id)
            change(db, doc)
            db.put(doc)
    server.close()
    return counter[0]


def peer_retry(_db: Database, doc: dict[str, Any]) -> None:
    for pass_doc in doc["passes"]:
        pass_doc["status"] = "waiting"
        pass_doc["attempt"] = pass_doc.get("attempt", 1) + 1


def peer_label(db: Database, doc: dict[str, Any]) -> None:
    for pass_doc in doc["passes"]:
        pass_doc.setdefault("labels", []).append("Extra")
        data = db.get(data_id(doc["module"], doc["run"], pass_doc["pass"], "ntuple"))
        data["labels"].append("Extra")
        db.put(data)


def peer_delete(db: Database, doc: dict[str, Any]) -> None:
    for pass_doc in doc["passes"]:
        data = db.get(data_id(doc["module"], doc["run"], pass_doc["pass"], "ntuple"))
        db.delete(data["_id"], data["_rev"])
        pass_doc["status"] = "deleted"


def requests_of(config: Path, *args: str) -> tuple[int, float]:
    with counted_requests() as counter, contextlib.redirect_stdout(open(os.devnull, "w")):
        seconds = run_gasp(config, *args)
    return counter[0], seconds


def bench_couch(url: str, folder: Path, passes: int) -> None:
    print(f"# retry, labels add, delete of {passes:,} passes, pouchdb-server at {url}", flush=True)
    per = 1000 / passes
    stamp = int(time.time())

    db, config = couch_campaign(url, folder, passes, f"bench_retry_{stamp}")
    rewrite_all(db, fail)
    ours, seconds = requests_of(config, "retry", "--label", LABEL, "--yes")
    assert all(p == "waiting" for p in _statuses(db)), "retry left a pass behind"
    rewrite_all(db, fail)
    theirs = one_by_one(url, db.name, peer_retry)
    line(
        f"retry: HTTP requests per 1,000 passes ({seconds:.1f} s)",
        ours * per,
        theirs * per,
        "requests",
    )

    db, config = couch_campaign(url, folder, passes, f"bench_delete_{stamp}")
    rewrite_all(db, complete_with_a_file(folder / f"{db.name}-se"))
    ours, seconds = requests_of(config, "labels", "add", "Extra", "--label", LABEL, "--yes")
    assert all("Extra" in d["labels"] for d in _data(db)), "a data document was not labelled"
    theirs = one_by_one(url, db.name, peer_label)
    line(
        f"labels add: HTTP requests per 1,000 passes ({seconds:.1f} s)",
        ours * per,
        theirs * per,
        "requests",
    )

    ours, seconds = requests_of(
        config, "delete", "--label", LABEL, "--yes", "--log", str(folder / "delete.log")
    )
    assert all(p == "deleted" for p in _statuses(db)) and not _data(db), "delete left something"
    assert not any((folder / f"{db.name}-se").rglob("*.root")), "a file is left on storage"
    db2, _config2 = couch_campaign(url, folder, passes, f"bench_peer_delete_{stamp}")
    rewrite_all(db2, complete_with_a_file(folder / f"{db2.name}-se"))
    theirs = one_by_one(url, db2.name, peer_delete)
    line(
        f"delete: HTTP requests per 1,000 passes ({seconds:.1f} s)",
        ours * per,
        theirs * per,
        "requests",
    )


def _statuses(db: Database) -> list[str]:
    return [
        p["status"]
        for row in db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
        if row.doc
        for p in row.doc["passes"]
    ]


def _data(db: Database) -> list[dict[str, Any]]:
    return [
        row.doc
        for row in db.all_docs(startkey="data:", endkey="data:\ufff0", include_docs=True)
        if row.doc
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--summary-passes", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=10_000)
    parser.add_argument("--couch-url", help="use this CouchDB instead of starting pouchdb-server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gasp-bench-ops-") as tmp:
        folder = Path(tmp)
        bench_summary(folder, args.summary_passes)
        if args.couch_url:
            bench_couch(args.couch_url, folder, args.passes)
            return
        from tests.services.pouchdb_server import running_pouchdb_server

        with running_pouchdb_server(folder / "pouchdb") as url:
            bench_couch(url, folder, args.passes)


if __name__ == "__main__":
    main()
