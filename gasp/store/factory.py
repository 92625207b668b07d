"""The one place that picks a store backend: by the URL's scheme."""

from __future__ import annotations

from pathlib import Path

from gasp.errors import ConfigError
from gasp.store.protocol import Server


def open_server(url: str, *, username: str | None = None, password: str | None = None) -> Server:
    """A server for ``sqlite:FOLDER`` (embedded) or ``http(s)://host:port`` (CouchDB)."""
    if url.startswith("sqlite:"):
        from gasp.store.embedded import EmbeddedServer

        return EmbeddedServer(Path(url.removeprefix("sqlite:")))
    if url.startswith(("http://", "https://")):
        from gasp.store.couchdb import CouchServer

        return CouchServer(url, username=username, password=password)
    raise ConfigError(f"database url {url!r}: expected 'sqlite:FOLDER' or 'http(s)://HOST:PORT'")
