"""Every error gasp raises on purpose, in one tree.

    GaspError                 anything the command line turns into one line and exit status 2
    ├── ConfigError           the configuration file is unreadable, malformed or inconsistent
    ├── InputError            a user-supplied file or option is invalid (names file/field/line)
    └── StoreError            the document store could not do what was asked
        ├── Conflict          a write carried a stale or missing ``_rev``: someone else won
        ├── NotFound          no such document, attachment or database
        ├── StoreUnavailable  the store cannot be reached (connection refused, timeout)
        ├── StoreAuthError    the store refused our credentials
        └── StoreRefused      the store refused the request itself (e.g. a bad database name)

Errors of lower libraries (sqlite3, httpx, quickjs) are translated into these once, at the
boundary where they happen, with ``raise ... from exc`` so that ``--debug`` still shows the
original cause.
"""

from __future__ import annotations


class GaspError(Exception):
    """Base of every error that the command line reports as one clear line."""


class ConfigError(GaspError):
    """The configuration is unreadable, malformed, or names something that does not exist."""


class InputError(GaspError):
    """A user-supplied input is invalid; the message names the file, field or line."""


class StoreError(GaspError):
    """The document store could not complete an operation."""


class Conflict(StoreError):
    """A write carried a stale or missing revision: another writer got there first.

    This is the basis of every claim and lock, so callers catch it and move on rather
    than treat it as a failure.
    """

    def __init__(self, doc_id: str, message: str = "document update conflict") -> None:
        super().__init__(f"{doc_id}: {message}")
        self.doc_id = doc_id


class NotFound(StoreError):
    """No such document, attachment or database."""


class StoreUnavailable(StoreError):
    """The store could not be reached at all."""


class StoreAuthError(StoreError):
    """The store refused the credentials (never included in the message)."""


class StoreRefused(StoreError):
    """The store understood the request and refused it (bad name, bad query, ...)."""


__all__ = [
    "ConfigError",
    "Conflict",
    "GaspError",
    "InputError",
    "NotFound",
    "StoreAuthError",
    "StoreError",
    "StoreRefused",
    "StoreUnavailable",
]
