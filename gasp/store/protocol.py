"""The document-store protocol every part of gasp is written against.

The semantics are CouchDB's, because the production deployment is CouchDB and because its
model (whole-document writes guarded by a revision, views defined by map functions) is what
makes claims and locks safe without a central server process. Two backends implement it:
``gasp.store.embedded`` (SQLite) and ``gasp.store.couchdb`` (HTTP); one conformance suite
holds both to the same behaviour.

Documents are plain ``dict`` objects holding JSON values. Writes update ``_rev`` in the
caller's dict in place, so that a read-modify-write loop can simply write again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from gasp.errors import StoreRefused

Document = dict[str, Any]
Seq = int | str


class _Unset:
    """Marks a view option that was not given; ``None`` is a valid key (JSON null)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


class ViewRow(NamedTuple):
    """One row of a view: ``id`` is ``None`` for reduced rows.

    A named tuple rather than a dataclass: views stream millions of rows, and a tuple is
    the cheapest object Python can build.
    """

    id: str | None
    key: Any
    value: Any
    doc: Document | None = None


@dataclass(frozen=True)
class BulkResult:
    """The outcome of one document of a bulk write; a bulk write never fails as a whole."""

    id: str
    rev: str | None = None
    error: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Change:
    """One entry of the changes feed: the newest revision of a document."""

    id: str
    rev: str
    seq: Seq
    deleted: bool = False
    doc: Document | None = None


@dataclass(frozen=True)
class ChangesPage:
    """Changes since a sequence, and the sequence to continue from."""

    results: list[Change]
    last_seq: Seq


@dataclass(frozen=True)
class DatabaseInfo:
    """What ``gasp db info`` shows of one database."""

    name: str
    doc_count: int
    doc_del_count: int
    update_seq: Seq
    size_bytes: int
    design_docs: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ViewQuery:
    """A view request with CouchDB's options, checked once for both backends."""

    key: Any = UNSET
    keys: Sequence[Any] | None = None
    startkey: Any = UNSET
    endkey: Any = UNSET
    inclusive_end: bool = True
    descending: bool = False
    limit: int | None = None
    skip: int = 0
    include_docs: bool = False
    reduce: bool | None = None
    group: bool = False
    group_level: int | None = None

    def __post_init__(self) -> None:
        if self.key is not UNSET and self.keys is not None:
            raise StoreRefused("a view query takes 'key' or 'keys', not both")
        if self.keys is not None and (self.startkey is not UNSET or self.endkey is not UNSET):
            raise StoreRefused("a view query with 'keys' takes no startkey/endkey")
        if self.limit is not None and self.limit < 0:
            raise StoreRefused("view 'limit' must not be negative")
        if self.skip < 0:
            raise StoreRefused("view 'skip' must not be negative")
        if self.group_level is not None and self.group_level < 0:
            raise StoreRefused("view 'group_level' must not be negative")
        if self.include_docs and self.reduce:
            raise StoreRefused("'include_docs' is invalid for reduce")

    def reduces(self, has_reduce: bool) -> bool:
        """Whether this query returns reduced rows from a view that may define a reduce."""
        if self.reduce is None:
            return has_reduce and not self.include_docs
        if self.reduce and not has_reduce:
            raise StoreRefused("'reduce' was asked of a view that has no reduce function")
        return self.reduce

    @property
    def effective_group_level(self) -> int | None:
        """Exact grouping (``group=true``) is an unbounded group level; None means no groups."""
        if self.group_level is not None:
            return self.group_level
        return 10**9 if self.group else None


class Database(ABC):
    """One database: documents, views, changes and attachments."""

    name: str

    @abstractmethod
    def get(self, doc_id: str) -> Document:
        """The current revision of a document; raises ``NotFound`` (also when deleted)."""

    @abstractmethod
    def get_many(self, doc_ids: Sequence[str]) -> list[Document | None]:
        """Several documents in one round trip, in the order asked; ``None`` where missing."""

    @abstractmethod
    def put(self, doc: Document) -> str:
        """Create or update a document; sets ``doc['_rev']`` and returns it.

        A document that exists must carry its current ``_rev``, otherwise ``Conflict``.
        """

    @abstractmethod
    def delete(self, doc_id: str, rev: str) -> str:
        """Delete a document at revision ``rev``; returns the tombstone's revision."""

    @abstractmethod
    def bulk(self, docs: Sequence[Document]) -> list[BulkResult]:
        """Write many documents in one round trip, with one result per document.

        Each document succeeds or conflicts on its own; ``_rev`` is updated in place on
        the ones that succeed. A document with ``_deleted: true`` is deleted.
        """

    def view(
        self,
        ddoc: str,
        name: str,
        *,
        key: Any = UNSET,
        keys: Sequence[Any] | None = None,
        startkey: Any = UNSET,
        endkey: Any = UNSET,
        inclusive_end: bool = True,
        descending: bool = False,
        limit: int | None = None,
        skip: int = 0,
        include_docs: bool = False,
        reduce: bool | None = None,
        group: bool = False,
        group_level: int | None = None,
    ) -> Iterator[ViewRow]:
        """Stream the rows of ``_design/<ddoc>/_view/<name>``; the index is always current."""
        query = ViewQuery(
            key=key,
            keys=keys,
            startkey=startkey,
            endkey=endkey,
            inclusive_end=inclusive_end,
            descending=descending,
            limit=limit,
            skip=skip,
            include_docs=include_docs,
            reduce=reduce,
            group=group,
            group_level=group_level,
        )
        return self.query_view(ddoc, name, query)

    @abstractmethod
    def query_view(self, ddoc: str, name: str, query: ViewQuery) -> Iterator[ViewRow]:
        """Backend side of ``view``: rows for an already validated query."""

    @abstractmethod
    def all_docs(
        self, *, startkey: str | None = None, endkey: str | None = None, include_docs: bool = False
    ) -> Iterator[ViewRow]:
        """Stream every live document id in id order (key = id, value = {"rev": ...})."""

    @abstractmethod
    def changes(
        self, since: Seq = 0, *, limit: int | None = None, include_docs: bool = False
    ) -> ChangesPage:
        """Documents changed after ``since``, each once with its newest revision."""

    @abstractmethod
    def put_attachment(
        self, doc_id: str, rev: str, name: str, data: bytes, content_type: str
    ) -> str:
        """Attach ``data`` to a document at revision ``rev``; returns the new revision."""

    @abstractmethod
    def get_attachment(self, doc_id: str, name: str) -> bytes:
        """The bytes of an attachment; raises ``NotFound``."""

    @abstractmethod
    def info(self) -> DatabaseInfo:
        """Counts and sizes of the database, and its design documents' views."""


class Server(ABC):
    """Where databases live: a folder of SQLite files, or a CouchDB server."""

    @abstractmethod
    def database(self, name: str) -> Database:
        """An existing database; raises ``NotFound`` if it was never created."""

    @abstractmethod
    def create_database(self, name: str, *, revs_limit: int | None = None) -> Database:
        """Create a database if it does not exist yet (idempotent), and return it."""

    @abstractmethod
    def delete_database(self, name: str) -> None:
        """Delete a database and everything in it; raises ``NotFound`` if absent."""

    @abstractmethod
    def list_databases(self) -> list[str]:
        """Names of the databases on this server, sorted."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the server object is unusable afterwards."""

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
