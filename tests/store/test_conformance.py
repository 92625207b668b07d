"""One conformance suite, run unchanged against every store backend.

The embedded backend must behave as CouchDB does (here: pouchdb-server, a real
CouchDB-compatible server started by the fixtures), so every case below runs twice.
"""

from __future__ import annotations

from typing import Any

import pytest

from gasp.errors import Conflict, NotFound, StoreRefused
from gasp.store import Database, Server
from gasp.store.collation import sort_key


def _ddoc(views: dict[str, tuple[str, str | None]], name: str = "test") -> dict[str, Any]:
    return {
        "_id": f"_design/{name}",
        "language": "javascript",
        "views": {
            view: {"map": source, **({"reduce": reduce} if reduce else {})}
            for view, (source, reduce) in views.items()
        },
    }


BY_RUN = (
    "function (doc) { if (doc.type === 'job') emit([doc.module, doc.run], doc.events); }",
    "_sum",
)
BY_STATUS = (
    "function (doc) { if (doc.type === 'job') emit([doc.status, doc.module], 1); }",
    "_count",
)
STATS = ("function (doc) { if (doc.type === 'job') emit(doc.module, doc.events); }", "_stats")
ANY_KEY = ("function (doc) { if (doc.type === 'key') emit(doc.k, doc._id); }", None)


def _jobs(db: Database) -> list[dict[str, Any]]:
    docs = [
        {
            "_id": f"job:{module}:{run}",
            "type": "job",
            "module": module,
            "run": run,
            "status": status,
            "events": events,
        }
        for module, run, status, events in [
            ("Alpha", 1, "waiting", 10),
            ("Alpha", 2, "completed", 20),
            ("Alpha", 3, "failed", 30),
            ("Beta", 1, "waiting", 5),
            ("Beta", 2, "waiting", 7),
            ("Gamma", 7, "completed", 100),
        ]
    ]
    db.put(_ddoc({"by_run": BY_RUN, "by_status": BY_STATUS, "stats": STATS}))
    results = db.bulk(docs)
    assert all(r.ok for r in results)
    return docs


def _ids(rows: Any) -> list[str | None]:
    return [row.id for row in rows]


# -- documents and revisions ------------------------------------------------------------


def test_create_update_delete_with_revisions(db: Database) -> None:
    doc: dict[str, Any] = {"_id": "job:Alpha:1", "type": "job", "n": 1}
    rev1 = db.put(doc)
    assert rev1.startswith("1-") and doc["_rev"] == rev1
    fetched = db.get("job:Alpha:1")
    assert fetched == {"_id": "job:Alpha:1", "_rev": rev1, "type": "job", "n": 1}
    fetched["n"] = 2
    rev2 = db.put(fetched)
    assert rev2.startswith("2-") and rev2 != rev1
    assert db.get("job:Alpha:1")["n"] == 2
    rev3 = db.delete("job:Alpha:1", rev2)
    assert rev3.startswith("3-")
    with pytest.raises(NotFound):
        db.get("job:Alpha:1")
    assert db.get_many(["job:Alpha:1"]) == [None]


def test_recreating_a_deleted_document_continues_its_revisions(db: Database) -> None:
    rev = db.put({"_id": "d", "v": 1})
    db.delete("d", rev)
    again = db.put({"_id": "d", "v": 2})
    assert int(again.split("-")[0]) > 2
    assert db.get("d")["v"] == 2


def test_stale_revision_raises_conflict(db: Database) -> None:
    doc: dict[str, Any] = {"_id": "lock", "holder": None}
    first = db.put(doc)
    mine = db.get("lock")
    theirs = db.get("lock")
    theirs["holder"] = "siteB"
    db.put(theirs)
    mine["holder"] = "siteA"
    with pytest.raises(Conflict):
        db.put(mine)
    with pytest.raises(Conflict):
        db.put({"_id": "lock", "holder": "no rev"})
    with pytest.raises(Conflict):
        db.delete("lock", first)
    assert db.get("lock")["holder"] == "siteB"


def test_bulk_reports_each_document(db: Database) -> None:
    db.put({"_id": "a", "v": 0})
    stale_b = {"_id": "b", "v": 0}
    db.put(stale_b)
    current_b = db.get("b")
    current_b["v"] = 1
    db.put(current_b)
    docs = [
        {"_id": "a", "v": "no rev: conflict"},
        {"_id": "b", "_rev": stale_b["_rev"], "v": "stale: conflict"},
        {"_id": "c", "v": "new"},
        {"_id": "b", "_rev": current_b["_rev"], "v": 2},
    ]
    results = db.bulk(docs)
    assert [(r.id, r.ok) for r in results] == [("a", False), ("b", False), ("c", True), ("b", True)]
    assert results[0].error == "conflict" and results[1].error == "conflict"
    assert docs[2]["_rev"] == results[2].rev and docs[3]["_rev"] == results[3].rev
    assert [d["v"] if d else None for d in db.get_many(["a", "b", "c", "zz"])] == [
        0,
        2,
        "new",
        None,
    ]


def test_bulk_deletes(db: Database) -> None:
    docs = [{"_id": f"d{i}", "v": i} for i in range(4)]
    db.bulk(docs)
    results = db.bulk([{**docs[1], "_deleted": True}, {**docs[2], "_deleted": True}])
    assert all(r.ok for r in results)
    assert [row.id for row in db.all_docs()] == ["d0", "d3"]


def test_special_fields_are_refused(db: Database) -> None:
    with pytest.raises(StoreRefused):
        db.put({"_id": "x", "_secret": 1})
    with pytest.raises(StoreRefused):
        db.put({"_id": "_underscore", "v": 1})
    with pytest.raises(NotFound):
        db.get("x")


@pytest.mark.parametrize(
    "doc_id",
    ["job:Wässer:1", "日本語:ラン:2", "with space", "with/slash", "quote\"and'", "émoji-🚀"],
)
def test_unicode_and_odd_ids(db: Database, doc_id: str) -> None:
    db.put({"_id": doc_id, "type": "key", "k": doc_id})
    assert db.get(doc_id)["k"] == doc_id
    assert db.get_many([doc_id]) == [db.get(doc_id)]
    db.put(_ddoc({"any": ANY_KEY}))
    assert [row.id for row in db.view("test", "any", key=doc_id)] == [doc_id]


def test_get_many_keeps_order_and_marks_missing(db: Database) -> None:
    db.bulk([{"_id": f"k{i}", "i": i} for i in range(5)])
    got = db.get_many(["k3", "nope", "k0", "k3"])
    assert [d["i"] if d else None for d in got] == [3, None, 0, 3]


def test_all_docs_streams_in_id_order(db: Database) -> None:
    ids = [f"doc{i:04d}" for i in range(2500)]
    db.bulk([{"_id": i} for i in reversed(ids)])
    rows = list(db.all_docs())
    assert [r.id for r in rows] == ids
    some = list(db.all_docs(startkey="doc0100", endkey="doc0102", include_docs=True))
    assert [r.doc["_id"] for r in some if r.doc] == ["doc0100", "doc0101", "doc0102"]


# -- views -----------------------------------------------------------------------------


def test_view_key_and_keys(db: Database) -> None:
    _jobs(db)
    assert _ids(db.view("test", "by_run", key=["Alpha", 2], reduce=False)) == ["job:Alpha:2"]
    rows = list(
        db.view("test", "by_run", keys=[["Beta", 2], ["Nope", 1], ["Alpha", 1]], reduce=False)
    )
    assert [(r.id, r.key, r.value) for r in rows] == [
        ("job:Beta:2", ["Beta", 2], 7),
        ("job:Alpha:1", ["Alpha", 1], 10),
    ]


def test_view_ranges_descending_limit_skip(db: Database) -> None:
    _jobs(db)
    alpha = _ids(db.view("test", "by_run", startkey=["Alpha"], endkey=["Alpha", {}], reduce=False))
    assert alpha == ["job:Alpha:1", "job:Alpha:2", "job:Alpha:3"]
    exclusive = db.view(
        "test",
        "by_run",
        startkey=["Alpha", 2],
        endkey=["Beta", 2],
        inclusive_end=False,
        reduce=False,
    )
    assert _ids(exclusive) == ["job:Alpha:2", "job:Alpha:3", "job:Beta:1"]
    down = db.view(
        "test", "by_run", startkey=["Beta", {}], endkey=["Beta"], descending=True, reduce=False
    )
    assert _ids(down) == ["job:Beta:2", "job:Beta:1"]
    everything = _ids(db.view("test", "by_run", reduce=False))
    assert everything == sorted(everything, key=lambda i: (i.split(":")[1], int(i.split(":")[2])))
    assert _ids(db.view("test", "by_run", reduce=False, descending=True)) == everything[::-1]
    assert _ids(db.view("test", "by_run", reduce=False, limit=2, skip=1)) == everything[1:3]
    assert _ids(db.view("test", "by_run", reduce=False, limit=0)) == []


def test_view_include_docs(db: Database) -> None:
    _jobs(db)
    rows = list(db.view("test", "by_run", key=["Gamma", 7], reduce=False, include_docs=True))
    assert len(rows) == 1 and rows[0].doc is not None
    assert rows[0].doc["events"] == 100 and rows[0].doc["_id"] == "job:Gamma:7"


def test_reduce_count_sum_stats_and_group_levels(db: Database) -> None:
    _jobs(db)
    assert [(r.key, r.value) for r in db.view("test", "by_status")] == [(None, 6)]
    by_status = [(r.key, r.value) for r in db.view("test", "by_status", group_level=1)]
    assert by_status == [(["completed"], 2), (["failed"], 1), (["waiting"], 3)]
    by_both = [(r.key, r.value) for r in db.view("test", "by_status", group=True)]
    assert by_both == [
        (["completed", "Alpha"], 1),
        (["completed", "Gamma"], 1),
        (["failed", "Alpha"], 1),
        (["waiting", "Alpha"], 1),
        (["waiting", "Beta"], 2),
    ]
    waiting = db.view("test", "by_status", startkey=["waiting"], endkey=["waiting", {}])
    assert [r.value for r in waiting] == [3]
    sums = [(r.key, r.value) for r in db.view("test", "by_run", group_level=1)]
    assert sums == [(["Alpha"], 60), (["Beta"], 12), (["Gamma"], 100)]
    stats = {r.key: r.value for r in db.view("test", "stats", group=True)}
    assert stats["Alpha"] == {"sum": 60, "count": 3, "min": 10, "max": 30, "sumsqr": 1400}
    assert stats["Gamma"]["count"] == 1
    descending = [r.key for r in db.view("test", "by_status", group_level=1, descending=True)]
    assert descending == [["waiting"], ["failed"], ["completed"]]


def test_reduce_over_nothing_gives_no_rows(db: Database) -> None:
    _jobs(db)
    assert list(db.view("test", "by_status", key=["nothing", "here"])) == []


def test_collation_across_mixed_key_types(db: Database) -> None:
    ordered: list[Any] = [
        None,
        False,
        True,
        -5,
        0,
        1,
        2.5,
        10,
        100151,
        "",
        "A",
        "B",
        "a",
        "aa",
        "b",
        "ba",
        [],
        [None],
        [1],
        [1, 2],
        [1, "a"],
        ["a"],
        ["a", []],
        [[]],
        {},
        {"a": 1},
        {"a": 2},
        {"b": 1},
    ]
    # Case order differs between ICU (CouchDB) and code points (PouchDB, embedded): the
    # uppercase-only run ["A", "B"] and lowercase run stay each sorted under both.
    expected = [v for v in ordered if v not in ("A", "B")]
    docs = [{"_id": f"k{i:02d}", "type": "key", "k": value} for i, value in enumerate(ordered)]
    db.bulk(list(reversed(docs)))
    db.put(_ddoc({"any": ANY_KEY}))
    keys = [r.key for r in db.view("test", "any") if r.key not in ("A", "B")]
    assert keys == expected
    assert [sort_key(v) for v in expected] == sorted(sort_key(v) for v in expected)
    middle = [r.key for r in db.view("test", "any", startkey=True, endkey="")]
    assert middle == [True, -5, 0, 1, 2.5, 10, 100151, ""]


def test_deleted_documents_vanish_from_views(db: Database) -> None:
    docs = _jobs(db)
    current = db.get(docs[0]["_id"])
    db.delete(current["_id"], current["_rev"])
    assert docs[0]["_id"] not in _ids(db.view("test", "by_run", reduce=False))
    assert [r.value for r in db.view("test", "by_status")] == [5]


def test_updated_documents_move_in_views(db: Database) -> None:
    _jobs(db)
    list(db.view("test", "by_status", group=True))  # the index is built before the update
    doc = db.get("job:Beta:1")
    doc["status"] = "completed"
    db.put(doc)
    counts = {tuple(r.key): r.value for r in db.view("test", "by_status", group=True)}
    assert counts[("completed", "Beta")] == 1 and counts[("waiting", "Beta")] == 1


def test_changed_design_document_rebuilds_its_view(db: Database) -> None:
    _jobs(db)
    assert len(list(db.view("test", "by_run", reduce=False))) == 6
    ddoc = db.get("_design/test")
    ddoc["views"]["by_run"]["map"] = (
        "function (doc) { if (doc.type === 'job' && doc.module === 'Beta') emit(doc.run, 1); }"
    )
    db.put(ddoc)
    assert [r.key for r in db.view("test", "by_run", reduce=False)] == [1, 2]


def test_missing_view_or_design_document(db: Database) -> None:
    _jobs(db)
    with pytest.raises(NotFound):
        list(db.view("nope", "by_run"))
    with pytest.raises(NotFound):
        list(db.view("test", "nope"))


def test_view_with_many_rows_streams_every_row(db: Database) -> None:
    db.put(_ddoc({"any": ANY_KEY}))
    db.bulk([{"_id": f"k{i:05d}", "type": "key", "k": i % 997} for i in range(3000)])
    rows = list(db.view("test", "any"))
    assert len(rows) == 3000
    assert [r.key for r in rows] == sorted(i % 997 for i in range(3000))
    ties = [r.id for r in rows if r.key == 5]
    assert ties == sorted(ties) and len(ties) == 4


# -- changes, attachments, info ---------------------------------------------------------


def test_changes_since_a_sequence(db: Database) -> None:
    db.bulk([{"_id": f"c{i}"} for i in range(3)])
    start = db.changes().last_seq
    db.put({"_id": "c3"})
    c1 = db.get("c1")
    c1["x"] = 1
    db.put(c1)
    c2 = db.get("c2")
    db.delete("c2", c2["_rev"])
    page = db.changes(since=start)
    assert [(c.id, c.deleted) for c in page.results] == [("c3", False), ("c1", False), ("c2", True)]
    assert page.results[1].rev == c1["_rev"]
    assert db.changes(since=page.last_seq).results == []
    first = db.changes(limit=2, include_docs=True)
    assert len(first.results) == 2 and all(c.doc is not None for c in first.results)
    rest = db.changes(since=first.last_seq)
    assert {c.id for c in first.results + rest.results} == {"c0", "c1", "c2", "c3"}


def test_attachments(db: Database) -> None:
    rev = db.put({"_id": "job:Alpha:1", "type": "job"})
    log = "line 1\nerreur: ünïcode\n".encode()
    rev2 = db.put_attachment("job:Alpha:1", rev, "stdout.txt", log, "text/plain")
    assert rev2.startswith("2-")
    assert db.get_attachment("job:Alpha:1", "stdout.txt") == log
    doc = db.get("job:Alpha:1")
    stub = doc["_attachments"]["stdout.txt"]
    assert stub["stub"] is True and stub["length"] == len(log)
    doc["status"] = "failed"
    db.put(doc)  # keeps the stub, so keeps the attachment
    assert db.get_attachment("job:Alpha:1", "stdout.txt") == log
    with pytest.raises(Conflict):
        db.put_attachment("job:Alpha:1", rev, "stderr.txt", b"x", "text/plain")
    with pytest.raises(NotFound):
        db.get_attachment("job:Alpha:1", "nope.txt")
    plain = db.get("job:Alpha:1")
    del plain["_attachments"]
    db.put(plain)  # a write without the stubs drops the attachments, as in CouchDB
    with pytest.raises(NotFound):
        db.get_attachment("job:Alpha:1", "stdout.txt")


def test_bulk_rewrite_keeps_or_drops_attachments_per_document(db: Database) -> None:
    """A bulk write among documents with attachments: stubs kept, missing stubs dropped."""
    for name in ("x", "y"):
        rev = db.put({"_id": name, "v": 0})
        db.put_attachment(name, rev, "log.txt", f"log of {name}".encode(), "text/plain")
    x, y = db.get("x"), db.get("y")
    x["v"], y["v"] = 1, 1
    del y["_attachments"]
    results = db.bulk([x, {"_id": "z", "v": 0}, y])
    assert all(r.ok for r in results), results
    assert db.get_attachment("x", "log.txt") == b"log of x"
    assert "_attachments" in db.get("x") and "_attachments" not in db.get("y")
    with pytest.raises(NotFound):
        db.get_attachment("y", "log.txt")


def test_info_counts(db: Database) -> None:
    _jobs(db)
    doc = db.get("job:Alpha:1")
    db.delete(doc["_id"], doc["_rev"])
    info = db.info()
    assert info.name == db.name
    assert info.doc_count == 6  # five jobs and the design document
    assert info.doc_del_count == 1
    assert info.design_docs == {"_design/test": ["by_run", "by_status", "stats"]}


def test_server_databases(server: Server) -> None:
    name = "test_srv_lifecycle"
    server.create_database(name)
    server.create_database(name)  # idempotent
    assert name in server.list_databases()
    server.delete_database(name)
    assert name not in server.list_databases()
    with pytest.raises(NotFound):
        server.database(name)
    with pytest.raises(StoreRefused):
        server.create_database("Bad Name!")
