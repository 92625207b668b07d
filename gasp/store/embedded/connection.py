"""The SQLite connection of one embedded database: schema, pragmas, transactions.

WAL mode lets readers go on while one process writes; every write takes the write lock up
front (``BEGIN IMMEDIATE``) so that a read-modify-write can never be upgraded into a lock
conflict half-way, and waits for the lock rather than failing (busy timeout).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gasp.errors import StoreError, StoreUnavailable

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id      TEXT PRIMARY KEY,
    rev     TEXT NOT NULL,
    seq     INTEGER NOT NULL UNIQUE,
    deleted INTEGER NOT NULL DEFAULT 0,
    body    TEXT NOT NULL          -- the whole document as JSON, _id and _rev included
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachments (
    doc_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    PRIMARY KEY (doc_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS views (
    view_id   INTEGER PRIMARY KEY,
    ddoc      TEXT NOT NULL,
    name      TEXT NOT NULL,
    UNIQUE (ddoc, name)
);
CREATE TABLE IF NOT EXISTS view_state (
    ddoc      TEXT PRIMARY KEY,
    signature TEXT NOT NULL,       -- hash of the map/reduce sources the rows were built from
    seq       INTEGER NOT NULL     -- every change up to this sequence is indexed
);
CREATE TABLE IF NOT EXISTS view_rows (
    view_id  INTEGER NOT NULL,
    sort_key BLOB NOT NULL,        -- gasp.store.collation.sort_key(key)
    doc_id   TEXT NOT NULL,
    n        INTEGER NOT NULL,     -- emit order within the document, for repeated keys
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (view_id, sort_key, doc_id, n)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS view_rows_by_doc ON view_rows (doc_id, view_id);
"""


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open (and with ``create``, initialise) the SQLite file of one database."""
    mode = "rwc" if create else "rw"
    try:
        conn = sqlite3.connect(
            f"file:{path}?mode={mode}",
            uri=True,
            isolation_level=None,  # transactions are explicit: see write_transaction()
            timeout=120.0,
            check_same_thread=False,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints
        conn.execute("PRAGMA foreign_keys=OFF")
        if create:
            with write_transaction(conn):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot open embedded database {path}: {exc}") from exc
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Hold the database's write lock for the block; commit on success, else roll back."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StoreError(f"embedded database is busy: {exc}") from exc
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"embedded database commit failed: {exc}") from exc
