"""Structured text from outside (JSON, TOML), parsed into plain values or refused in one line.

Every reader of a user's or a worker's file (configuration, request, catalogue, release
folder, run table, sidecar, job specification, job report) parses through here, so that
each gets the same answers to the same hostile inputs: malformed text names the line and
column, text that is not UTF-8 says so, a key repeated in one object is refused (JSON
would keep the last and silently drop the first), and nesting deeper than any real file
has is refused before it can exhaust the interpreter's stack (``RecursionError`` in
``json`` and ``tomllib``) or a later recursive walk.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

from gasp.errors import GaspError, InputError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted; gasp's own files use fewer than 6."""


def parse_json(
    text: str | bytes, source: str, *, error: type[GaspError] = InputError, what: str = "JSON"
) -> Any:
    """The value of a JSON text, or ``error`` naming ``source`` and what is wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{source}: not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except _RepeatedKey as exc:
        raise error(
            f"{source}: the key {exc.key!r} appears twice in one object; "
            "JSON keeps only the last, so say it once"
        ) from None
    except json.JSONDecodeError as exc:
        raise error(
            f"{source}: malformed {what} at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise error(_too_deep(source)) from None
    except ValueError:  # an integer longer than int() accepts (4300 digits)
        raise error(_too_long(source)) from None
    _check_depth(value, source, error)
    return value


def parse_toml(text: str, source: str, *, error: type[GaspError] = InputError) -> dict[str, Any]:
    """The table of a TOML text, or ``error`` naming ``source`` and what is wrong."""
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: malformed TOML: {exc}") from None
    except RecursionError:
        raise error(_too_deep(source)) from None
    except ValueError:  # an integer longer than int() accepts (4300 digits)
        raise error(_too_long(source)) from None
    _check_depth(value, source, error)
    return value


def depth_of(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0); never recursive."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                return deepest
        stack.extend((child, depth) for child in children)
    return deepest


def _check_depth(value: Any, source: str, error: type[GaspError]) -> None:
    if depth_of(value) > MAX_DEPTH:
        raise error(_too_deep(source))


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: a repeated key would silently lose a value
    (a module listed twice in a catalogue, a field given twice in a request)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return value


def _too_long(source: str) -> str:
    return f"{source}: holds a number thousands of digits long; no gasp file does"


def _too_deep(source: str) -> str:
    return f"{source}: nested more than {MAX_DEPTH} levels deep; no gasp file nests like that"


__all__ = ["MAX_DEPTH", "depth_of", "parse_json", "parse_toml"]
