"""One embedded database: a SQLite file holding documents, attachments and view indexes."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from gasp.errors import Conflict, NotFound, StoreError, StoreRefused
from gasp.store import jsontext
from gasp.store.design import DESIGN_PREFIX, view_sources
from gasp.store.embedded.connection import connect, write_transaction
from gasp.store.embedded.documents import DocumentWriter, store_attachment
from gasp.store.embedded.view_index import ViewIndex
from gasp.store.protocol import (
    BulkResult,
    Change,
    ChangesPage,
    Database,
    DatabaseInfo,
    Document,
    Seq,
    ViewQuery,
    ViewRow,
)
from gasp.store.revisions import next_revision, revision_number

_MAX_SQL_VARIABLES = 900
_INCLUDE_DOCS_BATCH = 500


class EmbeddedDatabase(Database):
    """A database in one SQLite file (WAL mode), safe for many processes at once."""

    def __init__(self, name: str, path: Path, *, create: bool = False) -> None:
        self.name = name
        self.path = path
        self._conn = connect(path, create=create)
        self._views = ViewIndex(self._conn, name)

    def __repr__(self) -> str:
        return f"EmbeddedDatabase({self.name!r}, {str(self.path)!r})"

    def close(self) -> None:
        self._conn.close()

    # -- documents -----------------------------------------------------------------------

    def get(self, doc_id: str) -> Document:
        row = self._conn.execute(
            "SELECT body, deleted FROM docs WHERE id = ?", (doc_id,)
        ).fetchone()
        if row is None or row[1]:
            state = "deleted" if row else "missing"
            raise NotFound(f"{self.name}: no document {doc_id!r} ({state})")
        doc: Document = jsontext.parse(row[0])
        return doc

    def get_many(self, doc_ids: Sequence[str]) -> list[Document | None]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(doc_ids))
        for start in range(0, len(unique), _MAX_SQL_VARIABLES):
            chunk = unique[start : start + _MAX_SQL_VARIABLES]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._conn.execute(
                    f"SELECT id, body FROM docs WHERE deleted = 0 AND id IN ({marks})", chunk
                )
            )
        # Parsed per position, so that callers may edit each document they read.
        return [jsontext.parse(found[i]) if i in found else None for i in doc_ids]

    def put(self, doc: Document) -> str:
        if "_id" not in doc:
            raise StoreRefused(f"{self.name}: put needs a document with an _id")
        result = self._write([doc])[0]
        return self._raise_for(result)

    def delete(self, doc_id: str, rev: str) -> str:
        result = self._write([{"_id": doc_id, "_rev": rev, "_deleted": True}])[0]
        return self._raise_for(result)

    def bulk(self, docs: Sequence[Document]) -> list[BulkResult]:
        return self._write(docs)

    def _write(self, docs: Sequence[Document]) -> list[BulkResult]:
        try:
            with write_transaction(self._conn) as conn:
                return DocumentWriter(conn).write_many(docs)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.name}: write failed: {exc}") from exc

    def _raise_for(self, result: BulkResult) -> str:
        if result.error == "conflict":
            raise Conflict(result.id)
        if result.error == "not_found":
            raise NotFound(f"{self.name}: no document {result.id!r}")
        if result.error is not None:
            raise StoreRefused(f"{self.name}: {result.id}: {result.reason}")
        assert result.rev is not None
        return result.rev

    def all_docs(
        self, *, startkey: str | None = None, endkey: str | None = None, include_docs: bool = False
    ) -> Iterator[ViewRow]:
        last = startkey
        inclusive = True
        while True:
            clauses, args = ["deleted = 0"], []
            if last is not None:
                clauses.append("id >= ?" if inclusive else "id > ?")
                args.append(last)
            if endkey is not None:
                clauses.append("id <= ?")
                args.append(endkey)
            page = self._conn.execute(
                f"SELECT id, rev, body FROM docs WHERE {' AND '.join(clauses)} "
                "ORDER BY id LIMIT 1000",
                args,
            ).fetchall()
            for doc_id, rev, body in page:
                doc = jsontext.parse(body) if include_docs else None
                yield ViewRow(doc_id, doc_id, {"rev": rev}, doc)
            if len(page) < 1000:
                return
            last, inclusive = page[-1][0], False

    # -- views ---------------------------------------------------------------------------

    def query_view(self, ddoc: str, name: str, query: ViewQuery) -> Iterator[ViewRow]:
        try:
            rows = self._views.query(ddoc, name, query)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.name}: view {ddoc}/{name} failed: {exc}") from exc
        if query.include_docs:
            return self._with_docs(rows)
        return rows

    def _with_docs(self, rows: Iterator[ViewRow]) -> Iterator[ViewRow]:
        while batch := list(itertools.islice(rows, _INCLUDE_DOCS_BATCH)):
            yield from self._views.include_docs(batch)

    # -- changes and attachments ---------------------------------------------------------

    def changes(
        self, since: Seq = 0, *, limit: int | None = None, include_docs: bool = False
    ) -> ChangesPage:
        try:
            since_number = int(since)
        except ValueError as exc:
            raise StoreRefused(f"{self.name}: not a sequence of this database: {since!r}") from exc
        rows = self._conn.execute(
            "SELECT id, rev, seq, deleted, body FROM docs WHERE seq > ? ORDER BY seq LIMIT ?",
            (since_number, -1 if limit is None else limit),
        ).fetchall()
        results = [
            Change(
                id=doc_id,
                rev=rev,
                seq=seq,
                deleted=bool(deleted),
                doc=jsontext.parse(body) if include_docs else None,
            )
            for doc_id, rev, seq, deleted, body in rows
        ]
        if results:
            return ChangesPage(results, results[-1].seq)
        (latest,) = self._conn.execute("SELECT coalesce(max(seq), 0) FROM docs").fetchone()
        return ChangesPage([], max(int(latest), since_number))

    def put_attachment(
        self, doc_id: str, rev: str, name: str, data: bytes, content_type: str
    ) -> str:
        with write_transaction(self._conn) as conn:
            row = conn.execute(
                "SELECT rev, deleted, body FROM docs WHERE id = ?", (doc_id,)
            ).fetchone()
            if row is None or row[1]:
                if rev:
                    raise Conflict(doc_id)
                body: dict[str, Any] = {"_id": doc_id}
                current = row[0] if row else None
            else:
                current, _deleted, text = row
                if rev != current:
                    raise Conflict(doc_id)
                body = jsontext.parse(text)
            stubs = dict(body.get("_attachments") or {})
            stubs[name] = store_attachment(
                conn, doc_id, name, data, content_type, revision_number(current) + 1
            )
            body["_attachments"] = stubs
            new_rev = next_revision(current, body)
            body["_rev"] = new_rev
            (seq,) = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM docs").fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO docs (id, rev, seq, deleted, body) VALUES (?, ?, ?, 0, ?)",
                (doc_id, new_rev, seq, json.dumps(body)),
            )
        return new_rev

    def get_attachment(self, doc_id: str, name: str) -> bytes:
        row = self._conn.execute(
            "SELECT a.data FROM attachments a JOIN docs d ON d.id = a.doc_id "
            "WHERE a.doc_id = ? AND a.name = ? AND d.deleted = 0",
            (doc_id, name),
        ).fetchone()
        if row is None:
            raise NotFound(f"{self.name}: no attachment {name!r} on document {doc_id!r}")
        return bytes(row[0])

    # -- information ---------------------------------------------------------------------

    def info(self) -> DatabaseInfo:
        conn = self._conn
        (live, dead, seq) = conn.execute(
            "SELECT coalesce(sum(deleted = 0), 0), coalesce(sum(deleted), 0), "
            "coalesce(max(seq), 0) FROM docs"
        ).fetchone()
        designs: dict[str, list[str]] = {}
        for doc_id, body in conn.execute(
            "SELECT id, body FROM docs WHERE deleted = 0 AND id >= ? AND id < ?",
            (DESIGN_PREFIX, "_design0"),
        ):
            try:
                designs[doc_id] = sorted(view_sources(jsontext.parse(body)))
            except StoreRefused:
                designs[doc_id] = []
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return DatabaseInfo(self.name, int(live), int(dead), int(seq), size, designs)
