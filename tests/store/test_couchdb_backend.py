"""What only the HTTP backend can get wrong: credentials, errors at the wire, streaming,
round trips and URL quoting.

Everything both backends must agree on is in ``test_conformance.py``; these tests run
against a real pouchdb-server (and, for statuses it never answers, a tiny real HTTP server
written here), never against a mock of httpx.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
import threading
import traceback
import uuid
from collections.abc import Generator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from gasp.errors import (
    ConfigError,
    Conflict,
    NotFound,
    StoreAuthError,
    StoreError,
    StoreRefused,
    StoreUnavailable,
)
from gasp.store.couchdb import CouchDatabase, CouchServer
from tests.services.pouchdb_server import (
    INSTALL_HINT,
    free_loopback_port,
    pouchdb_server_binary,
    running_pouchdb_server,
)

pytestmark = pytest.mark.couchdb

SECRET = "s3cret-Pa55:w@rd"  # ':' and '@' must survive being embedded in a URL
USER = "alice"


def _url_with_credentials(url: str, user: str, password: str) -> str:
    quoted = httpx.URL(url).copy_with(username=user, password=password)
    return str(quoted)


def _everything_said_about(exc: BaseException) -> str:
    """The message, repr and full traceback (with causes) of an exception."""
    return "".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def _leaks(password: str, text: str) -> bool:
    """Whether ``text`` shows the password as typed, URL-quoted, or as a basic-auth token."""
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    return any(form in text for form in (password, quote(password, safe=""), token))


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def couch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if pouchdb_server_binary() is None:
        reason = f"pouchdb-server is not installed ({INSTALL_HINT})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with running_pouchdb_server(tmp_path_factory.mktemp("pouchdb-backend")) as url:
        # pouchdb-server checks basic auth against its _users database even in "admin
        # party" mode, so a registered user makes a real right/wrong credential pair.
        httpx.put(
            f"{url}/_users/org.couchdb.user:{USER}",
            json={"name": USER, "password": SECRET, "roles": [], "type": "user"},
        ).raise_for_status()
        yield url


@pytest.fixture
def server(couch_url: str) -> Iterator[CouchServer]:
    srv = CouchServer(couch_url)
    yield srv
    srv.close()


@pytest.fixture
def db(server: CouchServer) -> Iterator[CouchDatabase]:
    name = f"http_{uuid.uuid4().hex[:12]}"
    database = server.create_database(name)
    yield database
    server.delete_database(name)


class Recorder:
    """Requests and responses seen by a server's pooled client, through httpx's hooks."""

    def __init__(self, server: CouchServer) -> None:
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []
        server.http_client.event_hooks["request"].append(self.requests.append)
        server.http_client.event_hooks["response"].append(self.responses.append)

    def reset(self) -> None:
        self.requests.clear()
        self.responses.clear()

    @property
    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


@pytest.fixture
def recorder(server: CouchServer) -> Recorder:
    return Recorder(server)


class _FixedAnswer(BaseHTTPRequestHandler):
    """Answers every request with the server's configured status and JSON body."""

    server: _TinyServer

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        body = json.dumps(self.server.body).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # the names http.server dispatches on
    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _answer  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass


class _TinyServer(ThreadingHTTPServer):
    status: int
    body: Any
    seen: list[tuple[str, str, str | None]]


@pytest.fixture
def tiny() -> Iterator[_TinyServer]:
    """A real HTTP server on loopback for the answers pouchdb-server never gives."""
    srv = _TinyServer(("127.0.0.1", 0), _FixedAnswer)
    srv.status, srv.body, srv.seen = 200, {}, []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _tiny_url(tiny: _TinyServer) -> str:
    return f"http://127.0.0.1:{tiny.server_address[1]}"


# -- credentials -------------------------------------------------------------------------


def test_credentials_in_the_url_authenticate(couch_url: str, db: CouchDatabase) -> None:
    with CouchServer(_url_with_credentials(couch_url, USER, SECRET)) as authed:
        assert isinstance(authed, CouchServer)
        assert authed.url == couch_url
        assert db.name in authed.list_databases()
        assert authed.database(db.name).info().name == db.name
        assert not _leaks(SECRET, repr(authed) + repr(authed.database(db.name)))


def test_credentials_as_arguments_authenticate(couch_url: str, db: CouchDatabase) -> None:
    with CouchServer(couch_url, username=USER, password=SECRET) as authed:
        assert db.name in authed.list_databases()


@pytest.mark.parametrize("how", ["url", "arguments"])
def test_wrong_credentials_raise_auth_error_and_never_leak(
    couch_url: str, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG/INFO
    wrong = "wr0ng-" + secrets.token_hex(8)
    if how == "url":
        srv = CouchServer(_url_with_credentials(couch_url, USER, wrong))
    else:
        srv = CouchServer(couch_url, username=USER, password=wrong)
    with srv, pytest.raises(StoreAuthError) as info:
        srv.list_databases()
    said = _everything_said_about(info.value) + repr(srv) + caplog.text
    assert couch_url in str(info.value) and "refused the credentials" in str(info.value)
    assert not _leaks(wrong, said)
    assert caplog.text, "the request log was captured, so the check above means something"


def test_credentials_reach_the_server_only_as_basic_auth(tiny: _TinyServer) -> None:
    tiny.body = ["gaspdb"]
    with CouchServer(_url_with_credentials(_tiny_url(tiny), USER, SECRET)) as srv:
        assert srv.list_databases() == ["gaspdb"]
    ((method, path, authorization),) = tiny.seen
    assert (method, path) == ("GET", "/_all_dbs")
    assert authorization is not None
    scheme, token = authorization.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == f"{USER}:{SECRET}"


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://{USER}:{SECRET}@127.0.0.1:5984",
        f"http://{USER}:{SECRET}@:5984",
        f"http://{USER}:{SECRET}@127.0.0.1:99999",
        f"http://{USER}:{SECRET}\x01@127.0.0.1:5984",
        SECRET,
    ],
)
def test_malformed_url_is_a_config_error_without_leaking(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        CouchServer(url)
    assert "http(s)://" in str(info.value)
    assert not _leaks(SECRET, _everything_said_about(info.value))


def test_a_server_wanting_credentials_says_none_were_given(tiny: _TinyServer) -> None:
    tiny.status, tiny.body = 401, {"error": "unauthorized", "reason": "You are not a server admin."}
    with CouchServer(_tiny_url(tiny)) as srv, pytest.raises(StoreAuthError) as info:
        srv.database("gaspdb")
    assert "none were given" in str(info.value) and "not a server admin" in str(info.value)
    assert tiny.seen == [("GET", "/gaspdb", None)]


def test_unreachable_server_is_unavailable_without_leaking() -> None:
    port = free_loopback_port()  # nothing listens there
    with (
        CouchServer(_url_with_credentials(f"http://127.0.0.1:{port}", USER, SECRET)) as srv,
        pytest.raises(StoreUnavailable) as info,
    ):
        srv.list_databases()
    message = str(info.value)
    assert message.startswith(f"cannot reach CouchDB at http://127.0.0.1:{port}: ")
    assert "ConnectError" in message
    assert not _leaks(SECRET, _everything_said_about(info.value))


def test_a_server_that_never_answers_times_out_as_unavailable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # the kernel completes the handshake; nobody ever reads
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with CouchServer(url, timeout=0.3) as srv, pytest.raises(StoreUnavailable) as info:
            srv.list_databases()
    assert "ReadTimeout" in str(info.value)


@pytest.mark.parametrize(
    ("status", "error", "expected", "not_expected"),
    [
        (403, "forbidden", StoreAuthError, StoreRefused),
        (500, "internal_server_error", StoreError, StoreRefused),
        (503, "service_unavailable", StoreError, NotFound),
        (413, "too_large", StoreRefused, StoreAuthError),
    ],
)
def test_statuses_pouchdb_server_never_sends(
    tiny: _TinyServer,
    status: int,
    error: str,
    expected: type[StoreError],
    not_expected: type[StoreError],
) -> None:
    tiny.status = status
    tiny.body = {"error": error, "reason": "said the server"}
    with (
        CouchServer(_url_with_credentials(_tiny_url(tiny), USER, SECRET)) as srv,
        pytest.raises(expected) as info,
    ):
        srv.list_databases()
    assert not isinstance(info.value, not_expected)
    assert "said the server" in str(info.value)
    assert not _leaks(SECRET, _everything_said_about(info.value))


# -- errors translated at the boundary ---------------------------------------------------


def test_bad_database_names_are_refused_before_any_request(
    server: CouchServer, recorder: Recorder
) -> None:
    for name in ("Upper", "1digit", "_users", "with space", ""):
        with pytest.raises(StoreRefused, match="illegal database name"):
            server.create_database(name)
        with pytest.raises(StoreRefused):
            server.database(name)
    with pytest.raises(StoreRefused):
        server.create_database("fine_name", revs_limit=0)
    assert recorder.calls == []


def test_server_refusal_carries_couchdbs_reason(db: CouchDatabase) -> None:
    with pytest.raises(StoreRefused, match="underscore"):
        db.put({"_id": "_reserved", "v": 1})
    with pytest.raises(StoreRefused, match="_secret"):
        db.put({"_id": "x", "_secret": 1})  # pouchdb-server says 500, CouchDB 400


def test_not_found_names_what_was_missing(server: CouchServer, db: CouchDatabase) -> None:
    with pytest.raises(NotFound, match="'no_such_db'"):
        server.database("no_such_db")
    with pytest.raises(NotFound, match="'no_such_db'"):
        server.delete_database("no_such_db")
    with pytest.raises(NotFound) as info:
        db.get("missing-doc")
    assert "'missing-doc'" in str(info.value) and repr(db.name) in str(info.value)
    with pytest.raises(NotFound, match=r"'log\.txt'"):
        db.get_attachment("missing-doc", "log.txt")
    with pytest.raises(NotFound, match="view test/nope"):
        list(db.view("test", "nope", reduce=True))


def test_conflict_names_the_document(db: CouchDatabase) -> None:
    db.put({"_id": "job:A:1"})
    with pytest.raises(Conflict) as info:
        db.put({"_id": "job:A:1"})
    assert info.value.doc_id == "job:A:1"


def test_revs_limit_is_tolerated_where_unsupported(
    server: CouchServer, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    # pouchdb-server has no _revs_limit endpoint (it takes the name for a document id
    # and answers 400); CouchDB 3 sets it. Either way the database must exist afterwards.
    caplog.set_level(logging.INFO, logger="gasp.store.couchdb")
    name = f"revs_{uuid.uuid4().hex[:8]}"
    server.create_database(name, revs_limit=5)
    try:
        assert recorder.calls == [f"PUT /{name}", f"PUT /{name}/_revs_limit"]
        assert json.loads(recorder.requests[1].content) == 5
        assert "_revs_limit" in caplog.text
        server.database(name).put({"_id": "still-usable"})
        server.create_database(name)  # idempotent: 412 from the server is fine
    finally:
        server.delete_database(name)


def test_system_databases_are_not_listed(server: CouchServer, db: CouchDatabase) -> None:
    names = server.list_databases()
    assert db.name in names
    assert names == sorted(names)
    assert not [n for n in names if n.startswith("_")]  # pouchdb has _users, _replicator


# -- one round trip for many documents ---------------------------------------------------


def test_bulk_get_many_and_view_keys_are_one_request_each(
    db: CouchDatabase, recorder: Recorder
) -> None:
    db.put({"_id": "_design/t", "views": {"n": {"map": "function (d) { emit(d.n, null); }"}}})
    recorder.reset()
    docs = [{"_id": f"d{i:03d}", "n": i} for i in range(200)]
    results = db.bulk(docs)
    assert recorder.calls == [f"POST /{db.name}/_bulk_docs"]
    assert all(r.ok for r in results) and all(
        d["_rev"] == r.rev for d, r in zip(docs, results, strict=True)
    )

    recorder.reset()
    got = db.get_many(["d150", "nope", "d007", "d150"])
    assert recorder.calls == [f"POST /{db.name}/_all_docs"]
    assert [d and d["n"] for d in got] == [150, None, 7, 150]

    recorder.reset()
    rows = list(db.view("t", "n", keys=[3, 1000, 2], include_docs=True))
    assert recorder.calls == [f"POST /{db.name}/_design/t/_view/n"]
    assert [(r.id, r.doc and r.doc["n"]) for r in rows] == [("d003", 3), ("d002", 2)]

    recorder.reset()
    stale = dict(docs[0], _rev="1-0000")
    outcome = db.bulk([dict(docs[1], n=-1), stale])
    assert recorder.calls == [f"POST /{db.name}/_bulk_docs"]
    assert [(r.ok, r.error) for r in outcome] == [(True, None), (False, "conflict")]


def test_a_repeated_id_in_one_bulk_write_is_sent_apart(
    db: CouchDatabase, recorder: Recorder
) -> None:
    # One _bulk_docs holding an id twice corrupts pouchdb-server's revision tree (it later
    # crashes reading the document); sending the repeat separately gives CouchDB's outcome.
    first = {"_id": "twice", "n": 1}
    again = {"_id": "twice", "n": 2}
    results = db.bulk([first, {"_id": "other"}, again])
    assert len(recorder.requests) == 2
    assert [r.error for r in results] == [None, None, "conflict"]
    assert db.get_many(["twice", "other"])[0] == {"_id": "twice", "_rev": first["_rev"], "n": 1}


def test_reduce_options_follow_viewquery_semantics(db: CouchDatabase, recorder: Recorder) -> None:
    db.put(
        {
            "_id": "_design/t",
            "views": {
                "sum": {"map": "function (d) { emit([d.g, d.n], d.n); }", "reduce": "_sum"},
                "map": {"map": "function (d) { emit(d.g, d.n); }"},
            },
        }
    )
    db.bulk([{"_id": f"d{i}", "g": "ab"[i % 2], "n": i} for i in range(6)])
    recorder.reset()
    assert [r.value for r in db.view("t", "sum")] == [15]
    assert [(r.key, r.value) for r in db.view("t", "sum", group_level=1)] == [
        (["a"], 6),
        (["b"], 9),
    ]
    assert len(recorder.requests) == 3  # the grouped query first reads the design document
    # include_docs alone means the map rows, as the embedded backend does
    assert len([r for r in db.view("t", "sum", include_docs=True) if r.doc]) == 6
    # grouping a map-only view is ignored (CouchDB itself would refuse it) ...
    assert len(list(db.view("t", "map", group=True))) == 6
    # ... and asking it to reduce is refused (pouchdb-server itself would ignore it)
    with pytest.raises(StoreRefused, match="no reduce"):
        list(db.view("t", "map", reduce=True))
    # CouchDB's refusal, translated (pouchdb-server lets a single key through)
    with pytest.raises(StoreRefused, match="group"):
        list(db.view("t", "sum", keys=[["a", 0], ["b", 1]]))


# -- streaming ---------------------------------------------------------------------------

STREAM_ROWS = 4000


@pytest.fixture
def big(db: CouchDatabase) -> CouchDatabase:
    """A database whose view and all_docs answers are hundreds of kilobytes on the wire.

    Random payloads, because pouchdb-server gzips its answers and repetitive rows would
    shrink to a single network read.
    """
    db.put({"_id": "_design/t", "views": {"p": {"map": "function (d) { emit(d.p, d.p); }"}}})
    for start in range(0, STREAM_ROWS, 1000):
        db.bulk(
            [{"_id": f"r{i:05d}", "p": secrets.token_hex(48)} for i in range(start, start + 1000)]
        )
    return db


def _assert_streams(rows: Iterator[Any], recorder: Recorder, expected: int) -> None:
    first = next(rows)
    assert first is not None
    response = recorder.responses[-1]
    assert not response.is_closed, "a row was yielded before the answer was read whole"
    read_so_far = response.num_bytes_downloaded
    rest = list(rows)
    assert len(rest) + 1 == expected
    assert response.is_closed
    assert read_so_far < response.num_bytes_downloaded / 4, (
        f"{read_so_far} of {response.num_bytes_downloaded} bytes were read for one row"
    )


def test_view_rows_stream(big: CouchDatabase, recorder: Recorder) -> None:
    _assert_streams(big.view("t", "p"), recorder, STREAM_ROWS)


def test_all_docs_rows_stream(big: CouchDatabase, recorder: Recorder) -> None:
    _assert_streams(big.all_docs(include_docs=True), recorder, STREAM_ROWS + 1)


def test_leaving_a_view_early_closes_its_response(big: CouchDatabase, recorder: Recorder) -> None:
    rows = big.view("t", "p", include_docs=True)
    assert isinstance(rows, Generator)  # the protocol promises only an Iterator
    next(rows)
    response = recorder.responses[-1]
    assert not response.is_closed
    rows.close()
    assert response.is_closed
    assert big.get("r00000")["_id"] == "r00000"  # the pool is still usable


# -- ids in URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc_id", ["q?x=1", "hash#frag", "per%2Fcent", "plus+and&amp;", "semi;colon", "../up", "a/b/c"]
)
def test_ids_and_attachment_names_with_url_syntax(
    db: CouchDatabase, recorder: Recorder, doc_id: str
) -> None:
    rev = db.put({"_id": doc_id, "v": 1})
    name = f"log {doc_id}.txt"
    rev = db.put_attachment(doc_id, rev, name, b"\x00bytes\xff", "application/octet-stream")
    assert db.get_attachment(doc_id, name) == b"\x00bytes\xff"
    assert db.get(doc_id)["_attachments"][name]["length"] == 7
    assert [row.id for row in db.all_docs()] == [doc_id]
    db.delete(doc_id, db.get(doc_id)["_rev"])
    assert db.get_many([doc_id]) == [None]
    # every request stayed inside this database: nothing was read as '..' or a query
    assert all(r.url.path.startswith(f"/{db.name}/") for r in recorder.requests)


def test_design_document_ids_keep_their_slash(db: CouchDatabase, recorder: Recorder) -> None:
    db.put({"_id": "_design/x", "views": {"v": {"map": "function (d) { emit(1, 1); }"}}})
    assert db.get("_design/x")["_id"] == "_design/x"
    assert recorder.requests[-1].url.raw_path == f"/{db.name}/_design/x".encode()
    assert db.info().design_docs == {"_design/x": ["v"]}
