"""View indexes of the embedded backend, brought up to date before every read.

Each design document's rows live in ``view_rows``, ordered by the collation bytes of their
keys. Before a read, the changes made since the index's sequence are mapped (in batches,
one QuickJS call and one short write transaction per batch, so writers are never held up
for long) and the old rows of those documents are replaced. A read therefore always sees
every write that committed before it began, as CouchDB's default ``update=true`` does.

Rows are streamed a page at a time with keyset pagination, so a view of a million rows
costs one page of memory, and no read transaction stays open while the caller works.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gasp.errors import NotFound, StoreRefused
from gasp.store import jsontext
from gasp.store.collation import sort_key
from gasp.store.design import DESIGN_PREFIX, view_sources
from gasp.store.embedded.connection import write_transaction
from gasp.store.jsmap import MapEngine
from gasp.store.protocol import UNSET, ViewQuery, ViewRow
from gasp.store.reduce import group_partials, reduce_values

_to_json = jsontext.compact

PAGE_ROWS = 1000
INDEX_BATCH_DOCS = 2000
_MAX_SQL_VARIABLES = 900


@dataclass(frozen=True)
class IndexedView:
    view_id: int
    reduce: str | None


@dataclass(frozen=True)
class _Bounds:
    """A row range: inclusive/exclusive lower and upper sort keys (None = open)."""

    lower: bytes | None = None
    lower_inclusive: bool = True
    upper: bytes | None = None
    upper_inclusive: bool = True


class ViewIndex:
    """The view indexes of one embedded database (one instance per connection)."""

    def __init__(self, conn: sqlite3.Connection, db_name: str) -> None:
        self._conn = conn
        self._db_name = db_name
        self._engines: dict[str, MapEngine] = {}

    def query(self, ddoc: str, name: str, query: ViewQuery) -> Iterator[ViewRow]:
        """Bring the design document's index up to date, then stream the asked rows."""
        views = self.refresh(ddoc)
        view = views.get(name)
        if view is None:
            raise NotFound(f"{self._db_name}: no view {name!r} in {DESIGN_PREFIX}{ddoc}")
        if query.reduces(view.reduce is not None):
            assert view.reduce is not None
            return self._reduced(view.view_id, view.reduce, query)
        return self._mapped(view.view_id, query)

    # -- index maintenance -------------------------------------------------------------

    def refresh(self, ddoc: str) -> dict[str, IndexedView]:
        """Index every change not yet indexed; returns the design document's views."""
        ddoc_id = DESIGN_PREFIX + ddoc
        row = self._conn.execute(
            "SELECT body FROM docs WHERE id = ? AND deleted = 0", (ddoc_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"{self._db_name}: no design document {ddoc_id}")
        sources = view_sources(jsontext.parse(row[0]))
        signature = hashlib.sha256(
            json.dumps({n: [s.map, s.reduce] for n, s in sources.items()}, sort_keys=True).encode()
        ).hexdigest()
        reduces = {name: source.reduce for name, source in sources.items()}
        while True:
            state = self._state(ddoc_id)
            (latest,) = self._conn.execute("SELECT coalesce(max(seq), 0) FROM docs").fetchone()
            if state is not None and state[0] == signature and state[1] >= latest:
                return self._views(ddoc_id, reduces)
            engine = self._engine(ddoc_id, signature, {n: s.map for n, s in sources.items()})
            self._index_batch(ddoc_id, signature, list(sources), engine)

    def _state(self, ddoc_id: str) -> tuple[str, int] | None:
        row = self._conn.execute(
            "SELECT signature, seq FROM view_state WHERE ddoc = ?", (ddoc_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def _views(self, ddoc_id: str, reduces: dict[str, str | None]) -> dict[str, IndexedView]:
        rows = self._conn.execute("SELECT name, view_id FROM views WHERE ddoc = ?", (ddoc_id,))
        return {name: IndexedView(view_id, reduces.get(name)) for name, view_id in rows}

    def _engine(self, ddoc_id: str, signature: str, maps: dict[str, str]) -> MapEngine:
        engine = self._engines.get(signature)
        if engine is None:
            engine = self._engines[signature] = MapEngine(ddoc_id, maps)
        return engine

    def _index_batch(
        self, ddoc_id: str, signature: str, names: list[str], engine: MapEngine
    ) -> None:
        """Index the next batch of changes in one short write transaction."""
        conn = self._conn
        with write_transaction(conn):
            state = self._state(ddoc_id)
            if state is None or state[0] != signature:
                self._reset(ddoc_id, signature, names)
                state = (signature, 0)
            view_ids = {
                name: view_id
                for name, view_id in conn.execute(
                    "SELECT name, view_id FROM views WHERE ddoc = ?", (ddoc_id,)
                )
            }
            changed = conn.execute(
                "SELECT id, seq, deleted, body FROM docs WHERE seq > ? ORDER BY seq LIMIT ?",
                (state[1], INDEX_BATCH_DOCS),
            ).fetchall()
            if not changed:
                return
            if state[1] > 0:
                _forget_rows(conn, [doc_id for doc_id, *_ in changed], list(view_ids.values()))
            mapped = [
                (doc_id, body)
                for doc_id, _seq, deleted, body in changed
                if not deleted and not doc_id.startswith(("_design/", "_local/"))
            ]
            emitted = engine.map_json([body for _id, body in mapped])
            conn.executemany(
                "INSERT OR REPLACE INTO view_rows (view_id, sort_key, doc_id, n, key, value) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        view_ids[view],
                        sort_key(key),
                        doc_id,
                        n,
                        _to_json(key),
                        _to_json(value),
                    )
                    for (doc_id, _body), rows in zip(mapped, emitted, strict=True)
                    for n, (view, key, value) in enumerate(rows)
                ],
            )
            conn.execute("UPDATE view_state SET seq = ? WHERE ddoc = ?", (changed[-1][1], ddoc_id))

    def _reset(self, ddoc_id: str, signature: str, names: list[str]) -> None:
        """Forget the rows of an outdated definition and register the current views."""
        conn = self._conn
        old = [v for (v,) in conn.execute("SELECT view_id FROM views WHERE ddoc = ?", (ddoc_id,))]
        for view_id in old:
            conn.execute("DELETE FROM view_rows WHERE view_id = ?", (view_id,))
        conn.execute("DELETE FROM views WHERE ddoc = ?", (ddoc_id,))
        conn.executemany(
            "INSERT INTO views (ddoc, name) VALUES (?, ?)", [(ddoc_id, n) for n in names]
        )
        conn.execute(
            "INSERT OR REPLACE INTO view_state (ddoc, signature, seq) VALUES (?, ?, 0)",
            (ddoc_id, signature),
        )

    # -- reads ---------------------------------------------------------------------------

    def _mapped(self, view_id: int, query: ViewQuery) -> Iterator[ViewRow]:
        if query.limit == 0:
            return
        rows = (
            ViewRow(doc_id, key, value)
            for bounds in _bounds_list(query)
            for page in self._pages(view_id, bounds, query.descending)
            for (_k, _s, doc_id, _v, _n), (key, value) in zip(page, _parse_page(page), strict=True)
        )
        yield from _window(rows, query.skip, query.limit)

    def _pages(
        self, view_id: int, bounds: _Bounds, descending: bool
    ) -> Iterator[list[tuple[str, bytes, str, str, int]]]:
        """Rows in order within ``bounds``, a page per query, each resuming after the last."""
        where, params = _where(view_id, bounds)
        order = "DESC" if descending else "ASC"
        after = "<" if descending else ">"
        last: tuple[bytes, str, int] | None = None
        while True:
            clauses, args = list(where), list(params)
            if last is not None:
                clauses.append(f"(sort_key, doc_id, n) {after} (?, ?, ?)")
                args.extend(last)
            page = self._conn.execute(
                f"SELECT key, sort_key, doc_id, value, n FROM view_rows "
                f"WHERE {' AND '.join(clauses)} "
                f"ORDER BY sort_key {order}, doc_id {order}, n {order} LIMIT ?",
                [*args, PAGE_ROWS],
            ).fetchall()
            if page:
                yield page
            if len(page) < PAGE_ROWS:
                return
            last = (page[-1][1], page[-1][2], page[-1][4])

    def _reduced(self, view_id: int, reduce: str, query: ViewQuery) -> Iterator[ViewRow]:
        level = query.effective_group_level
        if query.keys is not None and level is None:
            raise StoreRefused("multi-key fetches for reduce views must use group=true")
        if query.limit == 0:
            return
        rows = (
            ViewRow(None, key, value)
            for bounds in _bounds_list(query)
            for key, value in group_partials(
                self._partials(view_id, reduce, bounds, query.descending), reduce, level, sort_key
            )
        )
        yield from _window(rows, query.skip, query.limit)

    def _partials(
        self, view_id: int, reduce: str, bounds: _Bounds, descending: bool
    ) -> Iterator[tuple[Any, bytes, Any]]:
        """One ``(key, sort bytes, reduced value)`` per distinct key, in view order.

        ``_count`` is counted by SQLite per distinct key; the others reduce runs of rows
        that share a key as the rows stream past.
        """
        if reduce == "_count":
            yield from self._counts(view_id, bounds, descending)
            return
        run_key: Any = None
        run_sort: bytes | None = None
        run_values: list[Any] = []
        for page in self._pages(view_id, bounds, descending):
            parsed = _parse_page(page)
            for (_k, key_sort, _d, _v, _n), (key, value) in zip(page, parsed, strict=True):
                if key_sort != run_sort:
                    if run_sort is not None:
                        yield run_key, run_sort, reduce_values(reduce, run_values)
                    run_key, run_sort, run_values = key, key_sort, []
                run_values.append(value)
        if run_sort is not None:
            yield run_key, run_sort, reduce_values(reduce, run_values)

    def _counts(
        self, view_id: int, bounds: _Bounds, descending: bool
    ) -> Iterator[tuple[Any, bytes, int]]:
        where, params = _where(view_id, bounds)
        order = "DESC" if descending else "ASC"
        after = "<" if descending else ">"
        last: bytes | None = None
        while True:
            clauses, args = list(where), list(params)
            if last is not None:
                clauses.append(f"sort_key {after} ?")
                args.append(last)
            page = self._conn.execute(
                f"SELECT min(key), sort_key, count(*) FROM view_rows "
                f"WHERE {' AND '.join(clauses)} GROUP BY sort_key ORDER BY sort_key {order} "
                "LIMIT ?",
                [*args, PAGE_ROWS],
            ).fetchall()
            keys = jsontext.parse("[" + ",".join(key for key, _s, _c in page) + "]")
            for key, (_k, key_sort, count) in zip(keys, page, strict=True):
                yield key, key_sort, int(count)
            if len(page) < PAGE_ROWS:
                return
            last = page[-1][1]

    def include_docs(self, rows: Sequence[ViewRow]) -> list[ViewRow]:
        """The rows with their documents (or the documents their values link to by _id)."""
        wanted = [_linked_id(row) for row in rows]
        docs: dict[str, Any] = {}
        unique = sorted({doc_id for doc_id in wanted if doc_id is not None})
        for start in range(0, len(unique), _MAX_SQL_VARIABLES):
            chunk = unique[start : start + _MAX_SQL_VARIABLES]
            marks = ",".join("?" * len(chunk))
            for doc_id, body in self._conn.execute(
                f"SELECT id, body FROM docs WHERE deleted = 0 AND id IN ({marks})", chunk
            ):
                docs[doc_id] = jsontext.parse(body)
        return [
            ViewRow(row.id, row.key, row.value, docs.get(doc_id) if doc_id else None)
            for row, doc_id in zip(rows, wanted, strict=True)
        ]


def _linked_id(row: ViewRow) -> str | None:
    """CouchDB's linked documents: a value ``{"_id": X}`` makes include_docs fetch X."""
    if isinstance(row.value, dict) and isinstance(row.value.get("_id"), str):
        return str(row.value["_id"])
    return row.id


def _where(view_id: int, bounds: _Bounds) -> tuple[list[str], list[Any]]:
    """SQL conditions selecting a view's rows within ``bounds``."""
    where: list[str] = ["view_id = ?"]
    params: list[Any] = [view_id]
    if bounds.lower is not None:
        where.append("sort_key >= ?" if bounds.lower_inclusive else "sort_key > ?")
        params.append(bounds.lower)
    if bounds.upper is not None:
        where.append("sort_key <= ?" if bounds.upper_inclusive else "sort_key < ?")
        params.append(bounds.upper)
    return where, params


def _bounds_list(query: ViewQuery) -> list[_Bounds]:
    """The row ranges a query reads, in output order: one per key, or one range."""
    if query.keys is not None:
        return [_Bounds(sort_key(k), True, sort_key(k), True) for k in query.keys]
    if query.key is not UNSET:
        exact = sort_key(query.key)
        return [_Bounds(exact, True, exact, True)]
    start = None if query.startkey is UNSET else sort_key(query.startkey)
    end = None if query.endkey is UNSET else sort_key(query.endkey)
    if query.descending:
        return [_Bounds(end, query.inclusive_end, start, True)]
    return [_Bounds(start, True, end, query.inclusive_end)]


def _forget_rows(conn: sqlite3.Connection, doc_ids: list[str], view_ids: list[int]) -> None:
    """Drop the rows these documents emitted in these views: one statement per 500 ids,
    not one per (document, view), through the (doc_id, view_id) index."""
    views = ",".join(str(int(v)) for v in view_ids)
    for start in range(0, len(doc_ids), 500):
        chunk = doc_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        conn.execute(
            f"DELETE FROM view_rows WHERE doc_id IN ({marks}) AND view_id IN ({views})", chunk
        )


def _parse_page(page: Sequence[tuple[str, bytes, str, str, int]]) -> list[list[Any]]:
    """The ``[key, value]`` of every row of a page: one JSON parse, not two per row."""
    text = ",".join(f"[{k},{v}]" for k, _s, _d, v, _n in page)
    parsed: list[list[Any]] = jsontext.parse(f"[{text}]")
    return parsed


def _window(rows: Iterator[ViewRow], skip: int, limit: int | None) -> Iterator[ViewRow]:
    """CouchDB's ``skip`` then ``limit`` over rows that stream from every key range."""
    return itertools.islice(rows, skip, None if limit is None else skip + limit)
