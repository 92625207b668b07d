"""Writing one document inside an open write transaction: revisions, conflicts, attachments.

Single writes and bulk writes share this code, so a bulk write is exactly a sequence of
single writes that happen to share one transaction (and one fsync), with the look-ups and
inserts batched.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gasp.store import jsontext
from gasp.store.protocol import BulkResult, Document
from gasp.store.revisions import revision_for_content, revision_number

_SPECIAL_FIELDS = frozenset({"_id", "_rev", "_attachments", "_deleted"})
_RESERVED_PREFIXES = ("_design/", "_local/")


class DocumentRejected(Exception):
    """A document the store refuses on its own (not a conflict): CouchDB's 400 family."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


def check_document(doc: Document) -> str:
    """The document's id, after the checks CouchDB makes on every written document."""
    doc_id = doc.get("_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise DocumentRejected("bad_request", "a document needs a non-empty string _id")
    if doc_id.startswith("_") and not doc_id.startswith(_RESERVED_PREFIXES):
        raise DocumentRejected(
            "illegal_docid", "Only reserved document ids may start with underscore."
        )
    for name in doc:
        if name.startswith("_") and name not in _SPECIAL_FIELDS:
            raise DocumentRejected("doc_validation", f"Bad special document member: {name}")
    return doc_id


def next_seq(conn: sqlite3.Connection) -> int:
    """The sequence number of the next change (the write lock is held by the caller)."""
    (current,) = conn.execute("SELECT coalesce(max(seq), 0) FROM docs").fetchone()
    return int(current) + 1


_to_json = jsontext.compact


class SequenceCounter:
    """Sequence numbers handed out within one write transaction (read once, then counted)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._next = next_seq(conn)

    def take(self) -> int:
        value = self._next
        self._next += 1
        return value


_MAX_SQL_VARIABLES = 900
_UPSERT = (
    "INSERT INTO docs (id, rev, seq, deleted, body) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, seq = excluded.seq, "
    "deleted = excluded.deleted, body = excluded.body"
)


@dataclass
class _Stored:
    """What a write must know of the stored document: its revision, not its body."""

    rev: str
    deleted: bool
    has_attachments: bool


class DocumentWriter:
    """Writes documents under the caller's open write transaction, many at a time.

    A bulk write of N documents costs one look-up query per 900 ids and one
    ``executemany``, not two statements per document: the revision checks need only each
    stored document's revision (the bodies are read only for the rare document that has
    attachments). Rows are held until :meth:`flush`; a document written twice in one batch
    sees its first write, because the known revisions are updated as each write is taken.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._sequence = SequenceCounter(conn)
        self._stored: dict[str, _Stored | None] = {}
        self._rows: list[tuple[str, str, int, int, str]] = []

    def write_many(self, docs: Sequence[Document]) -> list[BulkResult]:
        """Write each document (or its deletion); per-document results, like _bulk_docs."""
        self._look_up([d["_id"] for d in docs if isinstance(d.get("_id"), str)])
        results = [self.write(doc) for doc in docs]
        self.flush()
        return results

    def flush(self) -> None:
        if self._rows:
            self._conn.executemany(_UPSERT, self._rows)
            self._rows.clear()

    def _look_up(self, ids: list[str]) -> None:
        unique = [i for i in dict.fromkeys(ids) if i not in self._stored]
        for start in range(0, len(unique), _MAX_SQL_VARIABLES):
            chunk = unique[start : start + _MAX_SQL_VARIABLES]
            self._stored.update(dict.fromkeys(chunk))
            marks = ",".join("?" * len(chunk))
            query = (
                "SELECT id, rev, deleted, EXISTS (SELECT 1 FROM attachments WHERE doc_id = id) "
                f"FROM docs WHERE id IN ({marks})"
            )
            for doc_id, rev, deleted, attached in self._conn.execute(query, chunk):
                self._stored[doc_id] = _Stored(rev, bool(deleted), bool(attached))

    def write(self, doc: Document) -> BulkResult:
        """Write one document; on success ``doc['_rev']`` is updated in place.

        A missing or stale revision gives a ``conflict`` result rather than an exception,
        because bulk writes report per document.
        """
        if "_id" not in doc:
            doc["_id"] = uuid.uuid4().hex
        try:
            doc_id = check_document(doc)
        except DocumentRejected as exc:
            return BulkResult(id=str(doc.get("_id")), error=exc.error, reason=exc.reason)
        if doc_id not in self._stored:
            self._look_up([doc_id])
        stored = self._stored[doc_id]
        given_rev = doc.get("_rev")
        old_body: dict[str, Any] = {}
        if stored is None:
            if given_rev:
                return BulkResult(id=doc_id, error="conflict", reason="Document update conflict.")
            current_rev = None
        else:
            current_rev = stored.rev
            if stored.deleted and given_rev in (None, current_rev):
                pass  # recreating a deleted document continues its revision line, as CouchDB does
            elif given_rev != current_rev:
                return BulkResult(id=doc_id, error="conflict", reason="Document update conflict.")
            if stored.has_attachments and not stored.deleted:
                old_body = self._stored_body(doc_id)
        deleting = bool(doc.get("_deleted"))
        if deleting and stored is None:
            return BulkResult(id=doc_id, error="not_found", reason="missing")
        body = {k: v for k, v in doc.items() if k not in ("_id", "_rev", "_deleted")}
        stubs: dict[str, Any] = {}
        if not deleting and (old_body or body.get("_attachments")):
            try:
                stubs = _store_attachments(self._conn, doc_id, body, old_body, current_rev)
            except DocumentRejected as exc:
                return BulkResult(id=doc_id, error=exc.error, reason=exc.reason)
        if stubs:
            body["_attachments"] = stubs
        else:
            body.pop("_attachments", None)
        # One serialisation serves both the revision hash and the stored text.
        content = _to_json({"_deleted": True} if deleting else body)
        rev = revision_for_content(current_rev, content)
        head = '{"_id":' + _to_json(doc_id) + ',"_rev":' + _to_json(rev)
        text = head + ("," + content[1:] if len(content) > 2 else "}")
        if deleting:
            self._conn.execute("DELETE FROM attachments WHERE doc_id = ?", (doc_id,))
        self._rows.append((doc_id, rev, self._sequence.take(), int(deleting), text))
        self._stored[doc_id] = _Stored(rev, deleting, bool(stubs))
        doc["_rev"] = rev
        if stubs:
            doc["_attachments"] = stubs
        return BulkResult(id=doc_id, rev=rev)

    def _stored_body(self, doc_id: str) -> dict[str, Any]:
        """The stored body (attachments only): pending rows first, so it is the latest."""
        self.flush()
        row = self._conn.execute("SELECT body FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return jsontext.parse(row[0]) if row else {}


def _store_attachments(
    conn: sqlite3.Connection,
    doc_id: str,
    body: dict[str, Any],
    old_body: dict[str, Any],
    current_rev: str | None,
) -> dict[str, Any]:
    """Keep stubs, store inline data, drop attachments the new body no longer names."""
    wanted = body.get("_attachments") or {}
    if not isinstance(wanted, dict):
        raise DocumentRejected("bad_request", "_attachments must be an object")
    old_stubs = old_body.get("_attachments") or {}
    revpos = revision_number(current_rev) + 1
    stubs: dict[str, Any] = {}
    for name, meta in wanted.items():
        if not isinstance(meta, dict):
            raise DocumentRejected("bad_request", f"attachment {name!r} must be an object")
        if meta.get("stub"):
            if name not in old_stubs:
                raise DocumentRejected("missing_stub", f"no attachment {name!r} to keep")
            stubs[name] = old_stubs[name]
        elif "data" in meta:
            data = base64.b64decode(meta["data"])
            content_type = str(meta.get("content_type", "application/octet-stream"))
            stubs[name] = store_attachment(conn, doc_id, name, data, content_type, revpos)
        else:
            raise DocumentRejected("bad_request", f"attachment {name!r} has no data or stub")
    for name in set(old_stubs) - set(stubs):
        conn.execute("DELETE FROM attachments WHERE doc_id = ? AND name = ?", (doc_id, name))
    return stubs


def store_attachment(
    conn: sqlite3.Connection, doc_id: str, name: str, data: bytes, content_type: str, revpos: int
) -> dict[str, Any]:
    """Store attachment bytes and return the stub the document carries for them."""
    conn.execute(
        "INSERT OR REPLACE INTO attachments (doc_id, name, content_type, data) VALUES (?, ?, ?, ?)",
        (doc_id, name, content_type, data),
    )
    digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
    return {
        "content_type": content_type,
        "digest": f"md5-{digest}",
        "length": len(data),
        "revpos": revpos,
        "stub": True,
    }
