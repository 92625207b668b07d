"""A clock and commands of the tests' own making, implementing the loop's real interfaces.

Several ``Enqueue`` objects share one ``World``: one true time that the test advances,
which each site's clock reads with its own wall-clock offset (skew). Nothing is patched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from gasp.errors import StoreError, StoreUnavailable
from gasp.store import Database
from gasp.store.protocol import BulkResult, ChangesPage, DatabaseInfo, Document, ViewQuery, ViewRow
from gasp.turn.documents import TurnDocuments
from gasp.turn.loop import Enqueue
from gasp.turn.timing import Timing

TIMING = Timing(delay_s=1.0, stale_s=3.0, conflict_delay_s=0.5)
EPOCH = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@dataclass
class World:
    now: float = 100.0


@dataclass
class FakeClock:
    world: World
    offset_s: float = 0.0

    def elapsed(self) -> float:
        return self.world.now

    def wall(self) -> datetime:
        return EPOCH + timedelta(seconds=self.world.now + self.offset_s)

    def sleep(self, seconds: float) -> None:
        self.world.now += max(0.0, seconds)


@dataclass
class FakeRunning:
    world: World
    env: dict[str, str]
    ends_at: float
    pid: int = 4242
    terminated_at: float | None = None

    def poll(self) -> int | None:
        if self.terminated_at is not None:
            return 143
        return 0 if self.world.now >= self.ends_at else None

    def terminate(self, grace_s: float) -> int:
        if self.poll() is None:
            self.terminated_at = self.world.now
        return self.poll() or 0


@dataclass
class FakeLauncher:
    """Commands that take ``duration`` seconds of world time."""

    world: World
    duration: float = 1.5
    started: list[FakeRunning] = field(default_factory=list)

    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> FakeRunning:
        running = FakeRunning(self.world, dict(env), self.world.now + self.duration)
        self.started.append(running)
        return running


@dataclass
class Fleet:
    """Sites in one process, on one store, in one world: the test calls their ticks."""

    db: Database
    world: World = field(default_factory=World)
    sites: dict[str, Enqueue] = field(default_factory=dict)
    launchers: dict[str, FakeLauncher] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def add(
        self, name: str, *, offset_s: float = 0.0, duration: float = 1.5, db: Database | None = None
    ) -> Enqueue:
        launcher = self.launchers[name] = FakeLauncher(self.world, duration)
        site = self.sites[name] = Enqueue(
            db=db or self.db,
            site=name,
            command=["cmd"],
            timing=TIMING,
            names=TurnDocuments(),
            repeat=True,
            clock=FakeClock(self.world, offset_s),
            launcher=launcher,
            log=self.lines.append,
        )
        site.join()
        return site

    def step(self, names: Sequence[str] | None = None, seconds: float = 1.0) -> None:
        """Each named site notices a finished command and ticks; then time moves on."""
        for name in names if names is not None else list(self.sites):
            site = self.sites[name]
            site.reap()
            with contextlib.suppress(StoreError):  # as in Enqueue.run: try again next beat
                site.tick()
        self.world.now += seconds

    def running(self) -> list[str]:
        return [
            name
            for name, site in self.sites.items()
            if site.running is not None and site.running.poll() is None
        ]


class Cuttable(Database):
    """A database whose connection the test can cut: every call then fails as unreachable."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.name = inner.name
        self.cut = False
        self.calls = 0

    def _reach(self) -> Database:
        self.calls += 1
        if self.cut:
            raise StoreUnavailable(f"database {self.name!r} is unreachable (cut by the test)")
        return self.inner

    def get(self, doc_id: str) -> Document:
        return self._reach().get(doc_id)

    def get_many(self, doc_ids: Sequence[str]) -> list[Document | None]:
        return self._reach().get_many(doc_ids)

    def put(self, doc: Document) -> str:
        return self._reach().put(doc)

    def delete(self, doc_id: str, rev: str) -> str:
        return self._reach().delete(doc_id, rev)

    def bulk(self, docs: Sequence[Document]) -> list[BulkResult]:
        return self._reach().bulk(docs)

    def query_view(self, ddoc: str, name: str, query: ViewQuery) -> Iterator[ViewRow]:
        return self._reach().query_view(ddoc, name, query)

    def all_docs(
        self, *, startkey: str | None = None, endkey: str | None = None, include_docs: bool = False
    ) -> Iterator[ViewRow]:
        return self._reach().all_docs(startkey=startkey, endkey=endkey, include_docs=include_docs)

    def changes(
        self, since: int | str = 0, *, limit: int | None = None, include_docs: bool = False
    ) -> ChangesPage:
        return self._reach().changes(since, limit=limit, include_docs=include_docs)

    def put_attachment(
        self, doc_id: str, rev: str, name: str, data: bytes, content_type: str
    ) -> str:
        return self._reach().put_attachment(doc_id, rev, name, data, content_type)

    def get_attachment(self, doc_id: str, name: str) -> bytes:
        return self._reach().get_attachment(doc_id, name)

    def info(self) -> DatabaseInfo:
        return self._reach().info()
