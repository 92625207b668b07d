"""What one client process works with: its site, store, backend, storage and clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from gasp.backends.base import Backend
from gasp.catalog.model import Catalogue
from gasp.catalog.stored import load_catalogue
from gasp.config import Config
from gasp.errors import InputError
from gasp.model.clock import format_time
from gasp.model.documents import Kind
from gasp.runner.spec import StorageElementSpec
from gasp.store import Database

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class ClientContext:
    """One client process: everything a cycle needs, with the clock injectable for tests."""

    config: Config
    db: Database
    backend: Backend
    kind: Kind = "production"
    clock: Clock = system_clock
    client_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    conflicts: int = 0  # claims lost to another writer since the process started
    _catalogues: dict[str, Catalogue | None] = field(default_factory=dict)

    @property
    def site(self) -> str:
        return self.config.site.name

    @property
    def by(self) -> str:
        """How this client signs history entries."""
        return f"{self.site}:{self.client_id[:8]}"

    def now(self) -> datetime:
        return self.clock()

    def now_iso(self) -> str:
        return format_time(self.clock())

    @cached_property
    def workdir(self) -> Path:
        return Path(self.config.backend.workdir) / self.kind

    def storage_element(self, name: str) -> StorageElementSpec:
        return StorageElementSpec(name=name, url=self.config.storage.elements[name].url)

    @property
    def primary(self) -> StorageElementSpec:
        return self.storage_element(self.config.storage.primary)

    @property
    def failover(self) -> StorageElementSpec | None:
        name = self.config.storage.failover
        return self.storage_element(name) if name else None

    def catalogue(self, rat_version: str) -> Catalogue | None:
        """The catalogue (of this client's kind) of a version this site can run, or None."""
        if rat_version not in self._catalogues:
            found: Catalogue | None = None
            if rat_version in self.config.software:
                try:
                    found = load_catalogue(self.db, self.kind, rat_version)
                except InputError:  # no catalogue for that version: not runnable here
                    found = None
            self._catalogues[rat_version] = found
        return self._catalogues[rat_version]
