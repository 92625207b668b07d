"""Property: any sequence of operations leaves both backends in the same state.

Hypothesis draws random sequences of writes (with current, missing or stale revisions),
deletions and bulk writes, applies each to a fresh embedded database and a fresh database
on the CouchDB-compatible server, and requires the same outcome of every operation, the
same documents, the same revision generations, and the same view and reduce results.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gasp.errors import Conflict, NotFound
from gasp.store import Database, open_server

IDS = ["a", "b", "c", "ü/1", "job:X:1"]
DESIGN = {
    "_id": "_design/prop",
    "views": {
        "by_k": {"map": "function (doc) { if ('k' in doc) emit(doc.k, doc.n); }"},
        "sum_k": {
            "map": "function (doc) { if ('k' in doc) emit(doc.k, doc.n); }",
            "reduce": "_sum",
        },
        "count_tag": {
            "map": "function (doc) { if (doc.tags) doc.tags.forEach(function (t) { emit([t, doc.n], 1); }); }",
            "reduce": "_count",
        },
    },
}

# Code points below the surrogate range compare the same in JavaScript (UTF-16 units) and
# in the embedded collation (code points).
text = st.text(st.characters(max_codepoint=0xD7FF, exclude_categories=("Cs",)), max_size=4)
# Non-negative numbers only: pouchdb-server returns some negative view keys with a rounding
# error (-13 as -13.000000000000007), a defect of that server, not of either backend.
scalar = st.none() | st.booleans() | st.integers(0, 1000) | text
keys = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
bodies = st.fixed_dictionaries(
    {"k": keys, "n": st.integers(-50, 50)},
    optional={"tags": st.lists(st.sampled_from(["x", "y", "z"]), max_size=3)},
)
rev_modes = st.sampled_from(["current", "none", "stale"])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(IDS), bodies, rev_modes),
        st.tuples(st.just("delete"), st.sampled_from(IDS), rev_modes),
        st.tuples(
            st.just("bulk"),
            st.lists(st.tuples(st.sampled_from(IDS), bodies, rev_modes), min_size=1, max_size=4),
        ),
    ),
    min_size=1,
    max_size=12,
)


class Applier:
    """Applies operations to one database, remembering the first revision of each id."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.first_rev: dict[str, str] = {}

    def rev_for(self, doc_id: str, mode: str) -> str | None:
        if mode == "none":
            return None
        if mode == "stale":
            return self.first_rev.get(doc_id)
        current = self.db.get_many([doc_id])[0]
        return None if current is None else str(current["_rev"])

    def remember(self, doc_id: str, rev: str | None) -> None:
        if rev:
            self.first_rev.setdefault(doc_id, rev)

    def apply(self, op: tuple[Any, ...]) -> Any:
        kind = op[0]
        try:
            if kind == "put":
                _, doc_id, body, mode = op
                doc = {"_id": doc_id, **body}
                rev = self.rev_for(doc_id, mode)
                if rev:
                    doc["_rev"] = rev
                self.remember(doc_id, self.db.put(doc))
                return "ok"
            if kind == "delete":
                _, doc_id, mode = op
                rev = self.rev_for(doc_id, mode)
                if rev is None:
                    return "skipped"
                self.db.delete(doc_id, rev)
                return "ok"
            docs = []
            for doc_id, body, mode in op[1]:
                doc = {"_id": doc_id, **body}
                rev = self.rev_for(doc_id, mode)
                if rev:
                    doc["_rev"] = rev
                docs.append(doc)
            results = self.db.bulk(docs)
            for result in results:
                self.remember(result.id, result.rev)
            return [(r.id, r.error) for r in results]
        except Conflict:
            return "conflict"
        except NotFound:
            return "not_found"

    def state(self) -> dict[str, Any]:
        docs = {
            row.id: (
                int(str(row.value["rev"]).split("-")[0]),
                {k: v for k, v in (row.doc or {}).items() if k not in ("_rev",)},
            )
            for row in self.db.all_docs(include_docs=True)
            if row.id and not row.id.startswith("_design/")
        }
        return {
            "docs": docs,
            "by_k": [(r.id, r.key, r.value) for r in self.db.view("prop", "by_k")],
            "by_k_desc": [(r.id, r.key) for r in self.db.view("prop", "by_k", descending=True)],
            "sum_k": [
                (json.dumps(r.key), r.value) for r in self.db.view("prop", "sum_k", group=True)
            ],
            "total": [r.value for r in self.db.view("prop", "sum_k")],
            "tags": [(r.key, r.value) for r in self.db.view("prop", "count_tag", group_level=1)],
        }


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_backends_agree(ops: list[tuple[Any, ...]], couchdb_url: str, tmp_path: Path) -> None:
    name = f"prop_{uuid.uuid4().hex[:10]}"
    embedded_server = open_server(f"sqlite:{tmp_path / name}")
    couch_server = open_server(couchdb_url)
    try:
        appliers = [
            Applier(embedded_server.create_database(name)),
            Applier(couch_server.create_database(name)),
        ]
        for applier in appliers:
            applier.db.put(json.loads(json.dumps(DESIGN)))
        for op in ops:
            outcomes = [applier.apply(op) for applier in appliers]
            assert outcomes[0] == outcomes[1], f"operation {op!r} differs"
        embedded_state, couch_state = (applier.state() for applier in appliers)
        assert embedded_state == couch_state
    finally:
        couch_server.delete_database(name)
        couch_server.close()
        embedded_server.close()
