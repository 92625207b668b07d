"""Documents with CouchDB semantics, behind one protocol and two backends.

This layer knows nothing of jobs, passes or sites: it stores JSON documents, guards writes
with revisions, and runs the map functions of whatever design documents it is given.
Backends: ``embedded`` (SQLite, zero set-up) and ``couchdb`` (HTTP, shared by sites);
``open_server`` picks one by URL.
"""

from gasp.store.factory import open_server
from gasp.store.protocol import (
    UNSET,
    BulkResult,
    Change,
    ChangesPage,
    Database,
    DatabaseInfo,
    Document,
    Server,
    ViewQuery,
    ViewRow,
)

__all__ = [
    "UNSET",
    "BulkResult",
    "Change",
    "ChangesPage",
    "Database",
    "DatabaseInfo",
    "Document",
    "Server",
    "ViewQuery",
    "ViewRow",
    "open_server",
]
