"""Writing one document inside an open write transaction: revisions, conflicts, attachments.

Single writes and bulk writes share this code, so a bulk write is exactly a sequence of
single writes that happen to share one transaction (and one fsync).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import uuid
from typing import Any

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


_to_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class SequenceCounter:
    """Sequence numbers handed out within one write transaction (read once, then counted)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._next = next_seq(conn)

    def take(self) -> int:
        value = self._next
        self._next += 1
        return value


def write_document(
    conn: sqlite3.Connection, doc: Document, sequence: SequenceCounter
) -> BulkResult:
    """Write one document (or its deletion) under the caller's transaction.

    On success ``doc['_rev']`` is updated in place. A missing or stale revision gives a
    ``conflict`` result rather than an exception, because bulk writes report per document.
    """
    if "_id" not in doc:
        doc["_id"] = uuid.uuid4().hex
    try:
        doc_id = check_document(doc)
    except DocumentRejected as exc:
        return BulkResult(id=str(doc.get("_id")), error=exc.error, reason=exc.reason)
    row = conn.execute("SELECT rev, deleted, body FROM docs WHERE id = ?", (doc_id,)).fetchone()
    given_rev = doc.get("_rev")
    if row is None:
        if given_rev:
            return BulkResult(id=doc_id, error="conflict", reason="Document update conflict.")
        current_rev = None
        old_body: dict[str, Any] = {}
    else:
        current_rev, was_deleted, old_text = row
        # Only attachments need the old body: most writes skip parsing it.
        has_attachments = not was_deleted and '"_attachments"' in old_text
        old_body = json.loads(old_text) if has_attachments else {}
        if was_deleted and given_rev in (None, current_rev):
            pass  # recreating a deleted document continues its revision line, as CouchDB does
        elif given_rev != current_rev:
            return BulkResult(id=doc_id, error="conflict", reason="Document update conflict.")
    deleting = bool(doc.get("_deleted"))
    if deleting and row is None:
        return BulkResult(id=doc_id, error="not_found", reason="missing")
    body = {k: v for k, v in doc.items() if k not in ("_id", "_rev", "_deleted")}
    stubs: dict[str, Any] = {}
    if not deleting and (old_body or body.get("_attachments")):
        try:
            stubs = _store_attachments(conn, doc_id, body, old_body, current_rev)
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
        conn.execute("DELETE FROM attachments WHERE doc_id = ?", (doc_id,))
    conn.execute(
        "INSERT INTO docs (id, rev, seq, deleted, body) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, seq = excluded.seq, "
        "deleted = excluded.deleted, body = excluded.body",
        (doc_id, rev, sequence.take(), int(deleting), text),
    )
    doc["_rev"] = rev
    if stubs:
        doc["_attachments"] = stubs
    return BulkResult(id=doc_id, rev=rev)


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
