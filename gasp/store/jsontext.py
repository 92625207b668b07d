"""JSON text of stored documents: orjson where it can, the standard library where it cannot.

The embedded store spends much of a claim cycle turning documents into text and back
(every write serialises the whole job document for its revision hash and its row; every
``include_docs`` parses one). orjson does both several times faster than :mod:`json`.
It refuses a few values the standard library accepts (integers beyond 64 bits, non-string
keys, NaN is written as null): those fall back to :mod:`json`, so every document that
could be stored before still can.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_stdlib_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def compact(value: Any) -> str:
    """Compact JSON text (no spaces, UTF-8 characters kept), as CouchDB stores it."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return _stdlib_compact(value)


def parse(text: str | bytes) -> Any:
    """The value of a JSON text."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # raises the standard error for really malformed text
