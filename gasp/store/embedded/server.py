"""A folder of embedded databases: one SQLite file per database name."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

from gasp.errors import NotFound, StoreUnavailable
from gasp.store.embedded.database import EmbeddedDatabase
from gasp.store.names import check_database_name
from gasp.store.protocol import Server

_SUFFIX = ".sqlite"


class EmbeddedServer(Server):
    """Databases kept as ``<folder>/<name>.sqlite``; the folder is made on first create."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._open: dict[str, EmbeddedDatabase] = {}

    def __repr__(self) -> str:
        return f"EmbeddedServer({str(self.folder)!r})"

    def _path(self, name: str) -> Path:
        return self.folder / (quote(check_database_name(name), safe="") + _SUFFIX)

    def database(self, name: str) -> EmbeddedDatabase:
        if name in self._open:
            return self._open[name]
        path = self._path(name)
        if not path.exists():
            raise NotFound(f"no database {name!r} in {self.folder} (run 'gasp db init')")
        db = self._open[name] = EmbeddedDatabase(name, path)
        return db

    def create_database(self, name: str, *, revs_limit: int | None = None) -> EmbeddedDatabase:
        """Create the database file; ``revs_limit`` is moot: only current revisions are kept."""
        path = self._path(name)
        if name in self._open:
            return self._open[name]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot create folder {self.folder}: {exc}") from exc
        db = self._open[name] = EmbeddedDatabase(name, path, create=True)
        return db

    def delete_database(self, name: str) -> None:
        path = self._path(name)
        if not path.exists():
            raise NotFound(f"no database {name!r} in {self.folder}")
        db = self._open.pop(name, None)
        if db is not None:
            db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def list_databases(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(unquote(p.name.removesuffix(_SUFFIX)) for p in self.folder.glob("*.sqlite"))

    def close(self) -> None:
        for db in self._open.values():
            db.close()
        self._open.clear()
