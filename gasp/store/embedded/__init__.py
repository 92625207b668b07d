"""The embedded backend: CouchDB semantics in SQLite files, for zero set-up.

It must not know anything about jobs or passes: it stores documents and runs whatever
map functions the design documents hold.
"""

from gasp.store.embedded.database import EmbeddedDatabase
from gasp.store.embedded.server import EmbeddedServer

__all__ = ["EmbeddedDatabase", "EmbeddedServer"]
