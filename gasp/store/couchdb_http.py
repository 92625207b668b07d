"""The HTTP side of the CouchDB backend: one pooled client, URL hygiene, error translation.

Everything httpx raises and every error status CouchDB answers is turned into a
``gasp.errors`` exception here, once, so that ``gasp.store.couchdb`` speaks only in
documents. Credentials live in the client's auth object and nowhere else: they are cut out
of the URL before anything (a message, a repr, httpx's own request log) can print it.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import ijson

from gasp.errors import (
    ConfigError,
    Conflict,
    NotFound,
    StoreAuthError,
    StoreError,
    StoreRefused,
    StoreUnavailable,
)

# Ids under these prefixes name a path on the server, so their slash must stay a slash.
_PATH_PREFIXES = ("_design/", "_local/")
# Errors that refuse the request itself whatever the status: pouchdb-server answers an
# invalid document with 500 doc_validation where CouchDB answers 400.
_REFUSALS = frozenset({"bad_request", "doc_validation", "query_parse_error", "invalid_json"})


def quote_db(name: str) -> str:
    """A database name as one path segment (CouchDB allows '/' and '+' in names)."""
    return quote(name, safe="")


def quote_doc_id(doc_id: str) -> str:
    """A document id as a path: ``a/b`` must not become two segments, ``_design/x`` must."""
    for prefix in _PATH_PREFIXES:
        if doc_id.startswith(prefix):
            return prefix + quote(doc_id.removeprefix(prefix), safe="")
    return quote(doc_id, safe="")


def quote_attachment(name: str) -> str:
    """An attachment name as one path segment; CouchDB decodes '%2F' back into '/'."""
    return quote(name, safe="")


def encode_json(value: Any) -> str:
    """A key as CouchDB expects it in a query string: JSON text."""
    return json.dumps(value, separators=(",", ":"))


def split_credentials(
    url: str, username: str | None, password: str | None
) -> tuple[httpx.URL, str | None, str | None]:
    """The server URL without userinfo, and the credentials to send as basic auth.

    Credentials given as arguments win over the ones embedded in the URL, so that a
    configuration file can hold the URL and the environment the secret.
    """
    # The URL may hold a password: no message below repeats it or httpx's view of it.
    expected = "the CouchDB url must look like http(s)://[user:password@]host:port"
    try:
        parsed = httpx.URL(url)
        valid = parsed.scheme in ("http", "https") and bool(parsed.host)
        if valid and parsed.port is not None and not 0 < parsed.port < 65536:
            valid = False
    except httpx.InvalidURL:
        valid = False
    if not valid:
        raise ConfigError(expected)
    if username is None and parsed.username:
        username = parsed.username
    if password is None and parsed.password:
        password = parsed.password
    bare = parsed.copy_with(username=None, password=None, query=None, fragment=None)
    return bare, username, password


def _describe(exc: Exception) -> str:
    """httpx's message, or the exception's class where the message is empty."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    """CouchDB's ``error`` and ``reason`` of an error answer, tolerating a non-JSON body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return str(body.get("error", "")), str(body.get("reason", ""))
    return "", response.text[:200].strip()


class CouchHTTP:
    """The one pooled client of a CouchDB server, shared by all its databases."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        bare, username, password = split_credentials(url, username, password)
        # Shown in messages; a base URL without trailing slash reads naturally there.
        self.url = str(bare).rstrip("/")
        self.has_credentials = username is not None
        auth = httpx.BasicAuth(username, password or "") if username is not None else None
        self.client = httpx.Client(
            base_url=bare,
            auth=auth,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self.client.close()

    def unavailable(self, exc: httpx.TransportError) -> StoreUnavailable:
        return StoreUnavailable(f"cannot reach CouchDB at {self.url}: {_describe(exc)}")

    def broken(self, exc: httpx.HTTPError) -> StoreError:
        """An exchange that reached the server but made no sense (e.g. a corrupt body)."""
        return StoreError(f"bad answer from CouchDB at {self.url}: {_describe(exc)}")

    def error_for(
        self, response: httpx.Response, what: str, doc_id: str | None = None
    ) -> StoreError:
        """The gasp error for an error status; ``what`` names the database/document asked."""
        status = response.status_code
        error, reason = _error_fields(response)
        detail = ": ".join(part for part in (error, reason) if part) or f"HTTP {status}"
        if status in (401, 403):
            if self.has_credentials:
                return StoreAuthError(
                    f"CouchDB at {self.url} refused the credentials for {what}: {detail}"
                )
            return StoreAuthError(
                f"CouchDB at {self.url} wants credentials for {what} and none were given: {detail}"
            )
        if status == 404:
            return NotFound(f"{what} not found ({detail})")
        if status == 409:
            return Conflict(doc_id or what)
        if 400 <= status < 500 or error in _REFUSALS:
            return StoreRefused(f"CouchDB refused {what}: {detail}")
        return StoreError(f"CouchDB failed on {what}: HTTP {status}: {detail}")

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        doc_id: str | None = None,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        allow: Container[int] = (),
    ) -> httpx.Response:
        """Send one request; statuses in ``allow`` come back instead of raising."""
        try:
            response = self.client.request(
                method, path, params=params, json=json_body, content=content, headers=headers
            )
        except httpx.TransportError as exc:
            raise self.unavailable(exc) from exc
        except httpx.HTTPError as exc:
            raise self.broken(exc) from exc
        if response.status_code >= 400 and response.status_code not in allow:
            raise self.error_for(response, what, doc_id)
        return response

    def json(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        """Send one request and decode its JSON answer."""
        response = self.request(method, path, what=what, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise StoreError(f"CouchDB answered {what} with malformed JSON: {exc}") from exc

    def stream_rows(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        array: str = "rows",
    ) -> Iterator[dict[str, Any]]:
        """The items of the answer's ``rows`` (or other) array, parsed as the bytes arrive.

        A view can be far larger than memory; only one network chunk and the rows parsed
        from it are held at a time. Leaving the loop early closes the response.
        """
        try:
            with self.client.stream(method, path, params=params, json=json_body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self.error_for(response, what)
                yield from _parse_items(response.iter_bytes(), f"{array}.item", what)
        except httpx.TransportError as exc:
            raise self.unavailable(exc) from exc
        except httpx.HTTPError as exc:
            raise self.broken(exc) from exc


def _parse_items(chunks: Iterable[bytes], prefix: str, what: str) -> Iterator[dict[str, Any]]:
    rows = ijson.sendable_list()
    # use_float: JSON numbers become int/float as with json.loads, not Decimal.
    parser = ijson.items_coro(rows, prefix, use_float=True)
    try:
        for chunk in chunks:
            parser.send(chunk)
            yield from rows
            del rows[:]
        parser.close()
    except ijson.JSONError as exc:
        raise StoreError(f"CouchDB answered {what} with malformed JSON: {exc}") from exc
    yield from rows
