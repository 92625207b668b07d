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


SLURM_OPTIONS = {
    "spool",
    "max_running",
    "partition",
    "account",
    "time_limit",
    "extra_args",
    "command",
    "accounting",
    "slurm_conf",
    "timeout",
}


def _slurm(options: Mapping[str, Any]) -> Backend:
    """Slurm: sbatch options from the site file; ``max_running`` is Slurm's business.

    The client's ``limits.max_submitted`` bounds how many jobs a site hands to Slurm; how
    many of those run at once is for the cluster's scheduler, so ``max_running`` (which
    every site configuration carries) is accepted and not used.
    """
    from gasp.backends.local import DEFAULT_COMMAND
    from gasp.backends.slurm import SlurmBackend
    from gasp.backends.slurm_cli import DEFAULT_TIMEOUT_S, SbatchOptions, is_time_limit

    _only(options, "slurm", SLURM_OPTIONS)
    text = {key: _string(options, key) for key in ("partition", "account", "accounting")}
    limit = options.get("time_limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        limit = str(limit)  # minutes, as sbatch reads a bare number
    if limit is not None and not (isinstance(limit, str) and is_time_limit(limit)):
        raise ConfigError(
            "backend 'slurm': option 'time_limit' must be minutes or one of sbatch's --time "
            f'forms (e.g. "90", "2:00:00", "1-00:00:00"), not {limit!r}'
        )
    extra = _strings(options, "extra_args")
    command = _strings(options, "command")
    spool = options.get("spool")
    if spool is not None and (not isinstance(spool, str | Path) or not str(spool)):
        raise ConfigError(f"backend 'slurm': option 'spool' must be a folder path, not {spool!r}")
    conf = options.get("slurm_conf")
    if conf is not None and (not isinstance(conf, str | Path) or not str(conf)):
        raise ConfigError(f"backend 'slurm': option 'slurm_conf' must be a file path, not {conf!r}")
    timeout = options.get("timeout", DEFAULT_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise ConfigError(f"backend 'slurm': option 'timeout' must be a number, not {timeout!r}")
    sbatch = SbatchOptions(
        partition=text["partition"],
        account=text["account"],
        time_limit=limit,
        extra_args=tuple(extra or ()),
    )
    return SlurmBackend(
        spool=None if spool is None else Path(spool),
        options=sbatch,
        command=DEFAULT_COMMAND if command is None else tuple(command),
        accounting=text["accounting"] or "sacct",
        slurm_conf=None if conf is None else Path(conf),
        timeout=float(timeout),
    )


def _string(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"backend 'slurm': option {key!r} must be a string, not {value!r}")
    return value


def _strings(options: Mapping[str, Any], key: str) -> list[str] | None:
    value = options.get(key)
    if value is not None and (
        isinstance(value, str)
        or not isinstance(value, list | tuple)
        or not all(isinstance(part, str) for part in value)
    ):
        raise ConfigError(
            f"backend 'slurm': option {key!r} must be a list of strings, not {value!r}"
        )
    return None if value is None else list(value)


BACKENDS: dict[str, Callable[[Mapping[str, Any]], Backend]] = {
    "local": _local,
    "noop": _noop,
    "slurm": _slurm,
}


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
