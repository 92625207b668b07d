"""The one place that picks a backend: by the name a site configuration gives.

Options arrive as a plain mapping (from TOML) and are checked here, once, so that a typo
or a wrong type in a site's file is a ``ConfigError`` naming the option rather than a
``TypeError`` deep inside a backend. Each backend's module is imported only when chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gasp.backends.base import Backend
from gasp.errors import ConfigError


def _local(options: Mapping[str, Any]) -> Backend:
    from gasp.backends.local import DEFAULT_CANCEL_GRACE_S, LocalBackend

    _only(options, "local", {"spool", "max_running", "command", "cancel_grace"})
    spool = options.get("spool")
    if not isinstance(spool, str | Path) or not str(spool):
        raise ConfigError("backend 'local': option 'spool' (a folder path) is required")
    max_running = options.get("max_running")
    if max_running is not None and (
        isinstance(max_running, bool) or not isinstance(max_running, int)
    ):
        raise ConfigError(
            f"backend 'local': option 'max_running' must be an integer, not {max_running!r}"
        )
    command = options.get("command")
    if command is not None and (
        isinstance(command, str)
        or not isinstance(command, list | tuple)
        or not all(isinstance(part, str) for part in command)
    ):
        raise ConfigError(
            f"backend 'local': option 'command' must be a list of strings, not {command!r}"
        )
    grace = options.get("cancel_grace", DEFAULT_CANCEL_GRACE_S)
    if isinstance(grace, bool) or not isinstance(grace, int | float):
        raise ConfigError(f"backend 'local': option 'cancel_grace' must be a number, not {grace!r}")
    if command is None:
        return LocalBackend(Path(spool), max_running, cancel_grace=float(grace))
    return LocalBackend(Path(spool), max_running, tuple(command), cancel_grace=float(grace))


def _noop(options: Mapping[str, Any]) -> Backend:
    from gasp.backends.noop import NoopBackend

    _only(options, "noop", {"spool", "max_running"})
    return NoopBackend()


BACKENDS: dict[str, Callable[[Mapping[str, Any]], Backend]] = {"local": _local, "noop": _noop}


def make_backend(name: str, options: Mapping[str, Any]) -> Backend:
    """The backend called ``name``, built from its ``options``."""
    build = BACKENDS.get(name)
    if build is None:
        known = ", ".join(sorted(BACKENDS))
        raise ConfigError(f"unknown backend {name!r}: known backends are {known}")
    return build(options)


def _only(options: Mapping[str, Any], backend: str, allowed: set[str]) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ConfigError(
            f"backend {backend!r}: unknown option(s) {', '.join(unknown)}"
            f" (known: {', '.join(sorted(allowed))})"
        )
