"""The CouchDB backend: the store protocol over CouchDB 3's HTTP API.

This is the shared, multi-site deployment. Several documents always travel in one request
(``_bulk_docs``, ``_all_docs`` with ``keys``, views with ``keys``) because sites are often
far from the database and round trips, not bytes, are what they pay for. Rows of views
are parsed as they arrive, so a client can walk a view of any size. HTTP details and the
translation of errors live in ``gasp.store.couchdb_http``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import httpx

from gasp.errors import Conflict, NotFound, StoreError, StoreRefused
from gasp.store.couchdb_http import (
    CouchHTTP,
    encode_json,
    quote_attachment,
    quote_db,
    quote_doc_id,
)
from gasp.store.names import check_database_name
from gasp.store.protocol import (
    UNSET,
    BulkResult,
    Change,
    ChangesPage,
    Database,
    DatabaseInfo,
    Document,
    Seq,
    Server,
    ViewQuery,
    ViewRow,
)

log = logging.getLogger(__name__)

_DESIGN_PREFIX = "_design/"
# Answers by which a server says it has no _revs_limit endpoint (pouchdb-server takes
# "_revs_limit" for a document id and answers 400); the value itself was checked before
# sending, so these cannot mean that the number was wrong.
_REVS_LIMIT_UNSUPPORTED = (400, 404, 405, 501)


class CouchServer(Server):
    """A CouchDB server; all its databases share one pooled HTTP client."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = CouchHTTP(url, username=username, password=password, timeout=timeout)
        self.url = self._http.url

    def __repr__(self) -> str:
        return f"CouchServer({self.url!r})"

    @property
    def http_client(self) -> httpx.Client:
        """The pooled ``httpx.Client``, for instrumentation such as event hooks."""
        return self._http.client

    def database(self, name: str) -> CouchDatabase:
        check_database_name(name)
        # GET rather than HEAD: an error answer then carries CouchDB's reason.
        self._http.request("GET", quote_db(name), what=f"database {name!r}")
        return CouchDatabase(self._http, name)

    def create_database(self, name: str, *, revs_limit: int | None = None) -> CouchDatabase:
        check_database_name(name)
        if revs_limit is not None and revs_limit < 1:
            raise StoreRefused(f"revs_limit of database {name!r} must be at least 1")
        what = f"database {name!r}"
        # 412: it exists already, which is what was asked for.
        self._http.request("PUT", quote_db(name), what=what, allow=(412,))
        if revs_limit is not None:
            self._set_revs_limit(name, revs_limit)
        return CouchDatabase(self._http, name)

    def _set_revs_limit(self, name: str, revs_limit: int) -> None:
        """Cap kept revisions; a server without the endpoint is noted in the log, not refused.

        The cap only saves disk space, and the CouchDB-compatible test server has no such
        endpoint; refusing to create the database there would gain nothing.
        """
        response = self._http.request(
            "PUT",
            f"{quote_db(name)}/_revs_limit",
            what=f"_revs_limit of database {name!r}",
            content=str(revs_limit).encode(),
            headers={"Content-Type": "application/json"},
            allow=_REVS_LIMIT_UNSUPPORTED,
        )
        if response.status_code in _REVS_LIMIT_UNSUPPORTED:
            # Not a warning: nothing failed, and commands print warnings on the terminal.
            log.info(
                "CouchDB at %s does not support _revs_limit (HTTP %d); database %r keeps "
                "the server's default revision limit",
                self.url,
                response.status_code,
                name,
            )

    def delete_database(self, name: str) -> None:
        check_database_name(name)
        what = f"database {name!r}"
        # pouchdb-server answers 200 to deleting a database that does not exist; asking
        # first costs a round trip on a rare operation and keeps NotFound on every server.
        self._http.request("GET", quote_db(name), what=what)
        self._http.request("DELETE", quote_db(name), what=what)

    def list_databases(self) -> list[str]:
        names = self._http.json("GET", "_all_dbs", what="the list of databases")
        # System databases (_users, _replicator) are the server's, not gasp's: no name
        # gasp may create starts with an underscore.
        return sorted(str(n) for n in names if not str(n).startswith("_"))

    def close(self) -> None:
        self._http.close()


class CouchDatabase(Database):
    """One CouchDB database, reached through its server's pooled client."""

    def __init__(self, http: CouchHTTP, name: str) -> None:
        self._http = http
        self.name = name
        self._path = quote_db(name)

    def __repr__(self) -> str:
        return f"CouchDatabase({self._http.url!r}, {self.name!r})"

    def _doc_path(self, doc_id: str) -> str:
        return f"{self._path}/{quote_doc_id(doc_id)}"

    def _what(self, doc_id: str) -> str:
        return f"document {doc_id!r} in database {self.name!r}"

    # -- documents -----------------------------------------------------------------------

    def get(self, doc_id: str) -> Document:
        doc: Document = self._http.json(
            "GET", self._doc_path(doc_id), what=self._what(doc_id), doc_id=doc_id
        )
        return doc

    def get_many(self, doc_ids: Sequence[str]) -> list[Document | None]:
        if not doc_ids:
            return []
        answer = self._http.json(
            "POST",
            f"{self._path}/_all_docs",
            what=f"documents of database {self.name!r}",
            params={"include_docs": "true"},
            json_body={"keys": list(doc_ids)},
        )
        # One row per key, in the order of the keys; missing ones carry "error", deleted
        # ones a null doc.
        return [row.get("doc") or None for row in answer["rows"]]

    def put(self, doc: Document) -> str:
        if "_id" not in doc:
            raise StoreRefused(f"{self.name}: put needs a document with an _id")
        doc_id = str(doc["_id"])
        answer = self._http.json(
            "PUT", self._doc_path(doc_id), what=self._what(doc_id), doc_id=doc_id, json_body=doc
        )
        rev: str = answer["rev"]
        doc["_rev"] = rev
        return rev

    def delete(self, doc_id: str, rev: str) -> str:
        # Through _bulk_docs rather than DELETE ?rev=: pouchdb-server answers a DELETE with
        # a revision the document never had by 404 instead of 409. In CouchDB both requests
        # are the same update; through _bulk_docs a stale revision is a conflict everywhere.
        (result,) = self.bulk([{"_id": doc_id, "_rev": rev, "_deleted": True}])
        if result.error == "conflict":
            raise Conflict(doc_id)
        if result.error == "not_found":
            raise NotFound(f"{self._what(doc_id)} not found ({result.reason})")
        if result.error is not None:
            raise StoreRefused(f"CouchDB refused deleting {self._what(doc_id)}: {result.reason}")
        assert result.rev is not None
        return result.rev

    def bulk(self, docs: Sequence[Document]) -> list[BulkResult]:
        results: list[BulkResult] = []
        for batch in _batches_of_distinct_ids(docs):
            results.extend(self._bulk_request(batch))
        return results

    def _bulk_request(self, docs: Sequence[Document]) -> list[BulkResult]:
        answer = self._http.json(
            "POST",
            f"{self._path}/_bulk_docs",
            what=f"bulk write to database {self.name!r}",
            json_body={"docs": list(docs)},
        )
        if not isinstance(answer, list) or len(answer) != len(docs):
            raise StoreError(f"CouchDB answered a bulk write of {len(docs)} documents oddly")
        results = []
        for doc, item in zip(docs, answer, strict=True):
            if "error" in item:
                results.append(
                    BulkResult(
                        id=item.get("id", doc.get("_id", "")),
                        error=str(item["error"]),
                        reason=item.get("reason"),
                    )
                )
                continue
            doc.setdefault("_id", item["id"])
            doc["_rev"] = item["rev"]
            results.append(BulkResult(id=item["id"], rev=item["rev"]))
        return results

    def all_docs(
        self, *, startkey: str | None = None, endkey: str | None = None, include_docs: bool = False
    ) -> Iterator[ViewRow]:
        params = {}
        if startkey is not None:
            params["startkey"] = encode_json(startkey)
        if endkey is not None:
            params["endkey"] = encode_json(endkey)
        if include_docs:
            params["include_docs"] = "true"
        rows = self._http.stream_rows(
            "GET", f"{self._path}/_all_docs", what=f"database {self.name!r}", params=params
        )
        for row in rows:
            yield ViewRow(row["id"], row["key"], row["value"], row.get("doc"))

    # -- views ---------------------------------------------------------------------------

    def query_view(self, ddoc: str, name: str, query: ViewQuery) -> Iterator[ViewRow]:
        what = f"view {ddoc}/{name} of database {self.name!r}"
        path = f"{self._path}/_design/{quote_db(ddoc)}/_view/{quote_db(name)}"
        params = _view_params(query) | self._reduce_params(ddoc, name, query)
        if query.keys is None:
            rows = self._http.stream_rows("GET", path, what=what, params=params)
        else:
            rows = self._http.stream_rows(
                "POST", path, what=what, params=params, json_body={"keys": list(query.keys)}
            )
        for row in rows:
            yield ViewRow(row.get("id"), row.get("key"), row.get("value"), row.get("doc"))

    def _reduce_params(self, ddoc: str, name: str, query: ViewQuery) -> dict[str, str]:
        """``reduce``/``group``/``group_level`` with ``ViewQuery.reduces`` semantics."""
        if query.reduce is False or (query.reduce is None and query.include_docs):
            return {"reduce": "false"}
        if query.reduce is None and query.effective_group_level is None:
            return {}  # the server's default is ours: reduce exactly when the view can
        # Only the design document says whether the view reduces: CouchDB refuses grouping
        # a map-only view (we ignore it) and pouchdb-server ignores reduce=true on one (we
        # refuse it).
        if not query.reduces(self._has_reduce(ddoc, name)):
            return {"reduce": "false"}
        if query.group_level is not None:
            return {"reduce": "true", "group_level": str(query.group_level)}
        return {"reduce": "true", "group": "true"} if query.group else {"reduce": "true"}

    def _has_reduce(self, ddoc: str, name: str) -> bool:
        what = f"view {ddoc}/{name} of database {self.name!r}"
        try:
            design = self.get(_DESIGN_PREFIX + ddoc)
        except NotFound as exc:
            raise NotFound(f"{what} not found (no design document {ddoc!r})") from exc
        view = (design.get("views") or {}).get(name)
        if not isinstance(view, dict):
            raise NotFound(f"{what} not found")
        return bool(view.get("reduce"))

    # -- changes and attachments ---------------------------------------------------------

    def changes(
        self, since: Seq = 0, *, limit: int | None = None, include_docs: bool = False
    ) -> ChangesPage:
        params = {"since": str(since)}
        if limit is not None:
            params["limit"] = str(limit)
        if include_docs:
            params["include_docs"] = "true"
        answer = self._http.json(
            "GET",
            f"{self._path}/_changes",
            what=f"changes of database {self.name!r}",
            params=params,
        )
        results = [
            Change(
                id=item["id"],
                rev=item["changes"][0]["rev"],
                seq=item["seq"],
                deleted=bool(item.get("deleted")),
                doc=item.get("doc"),
            )
            for item in answer["results"]
        ]
        return ChangesPage(results, answer["last_seq"])

    def put_attachment(
        self, doc_id: str, rev: str, name: str, data: bytes, content_type: str
    ) -> str:
        answer = self._http.json(
            "PUT",
            f"{self._doc_path(doc_id)}/{quote_attachment(name)}",
            what=f"attachment {name!r} of {self._what(doc_id)}",
            doc_id=doc_id,
            params={"rev": rev} if rev else None,
            content=data,
            headers={"Content-Type": content_type},
        )
        new_rev: str = answer["rev"]
        return new_rev

    def get_attachment(self, doc_id: str, name: str) -> bytes:
        response = self._http.request(
            "GET",
            f"{self._doc_path(doc_id)}/{quote_attachment(name)}",
            what=f"attachment {name!r} of {self._what(doc_id)}",
            headers={"Accept": "*/*"},
        )
        return response.content

    # -- information ---------------------------------------------------------------------

    def info(self) -> DatabaseInfo:
        answer = self._http.json("GET", self._path, what=f"database {self.name!r}")
        sizes = answer.get("sizes") or {}
        designs: dict[str, list[str]] = {}
        for row in self.all_docs(startkey=_DESIGN_PREFIX, endkey="_design0", include_docs=True):
            views = (row.doc or {}).get("views") or {}
            designs[str(row.id)] = sorted(n for n, v in views.items() if isinstance(v, dict))
        deleted = answer.get("doc_del_count")
        return DatabaseInfo(
            name=self.name,
            doc_count=int(answer.get("doc_count", 0)),
            doc_del_count=self._count_deletions() if deleted is None else int(deleted),
            update_seq=answer.get("update_seq", 0),
            size_bytes=int(sizes.get("file") or answer.get("disk_size") or 0),
            design_docs=designs,
        )

    def _count_deletions(self) -> int:
        """Tombstones counted from the changes feed, for servers that do not report them.

        CouchDB reports ``doc_del_count``; pouchdb-server does not. The feed holds every
        document once, at its newest revision, so its ``deleted`` entries are the count.
        """
        changes = self._http.stream_rows(
            "GET",
            f"{self._path}/_changes",
            what=f"changes of database {self.name!r}",
            array="results",
        )
        return sum(1 for change in changes if change.get("deleted"))


def _batches_of_distinct_ids(docs: Sequence[Document]) -> Iterator[list[Document]]:
    """Consecutive runs of ``docs`` in which no ``_id`` repeats: usually just one.

    pouchdb-server corrupts a document's revision tree when one ``_bulk_docs`` request holds
    its id twice, and crashes on a later read of it. CouchDB applies such documents in
    order, so sending the repeat in the next request keeps CouchDB's outcome everywhere.
    """
    batch: list[Document] = []
    seen: set[str] = set()
    for doc in docs:
        doc_id = doc.get("_id")
        if isinstance(doc_id, str) and doc_id in seen:
            yield batch
            batch, seen = [], set()
        batch.append(doc)
        if isinstance(doc_id, str):
            seen.add(doc_id)
    if batch:
        yield batch


def _view_params(query: ViewQuery) -> dict[str, str]:
    """Every option of ``query`` but the reduce ones, as CouchDB query parameters."""
    params: dict[str, str] = {}
    for option in ("key", "startkey", "endkey"):
        value = getattr(query, option)
        if value is not UNSET:
            params[option] = encode_json(value)
    if not query.inclusive_end:
        params["inclusive_end"] = "false"
    if query.descending:
        params["descending"] = "true"
    if query.limit is not None:
        params["limit"] = str(query.limit)
    if query.skip:
        params["skip"] = str(query.skip)
    if query.include_docs:
        params["include_docs"] = "true"
    return params
