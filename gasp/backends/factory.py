"""The one place that picks a backend: by the name a site configuration gives.

Options arrive as a plain mapping (from TOML) and are checked by that backend's options
model (``gasp.backends.options``) before anything is built. Each backend's class is
imported only when chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gasp.backends.base import Backend
from gasp.backends.options import LocalOptions, NoopOptions, SlurmOptions
from gasp.errors import ConfigError


def _local(options: Mapping[str, Any]) -> Backend:
    from gasp.backends.local import LocalBackend

    given = LocalOptions.read(options)
    return LocalBackend(
        given.spool, given.max_running, tuple(given.command), cancel_grace=given.cancel_grace
    )


def _noop(options: Mapping[str, Any]) -> Backend:
    from gasp.backends.noop import NoopBackend

    NoopOptions.read(options)
    return NoopBackend()


def _slurm(options: Mapping[str, Any]) -> Backend:
    from gasp.backends.slurm import SlurmBackend
    from gasp.backends.slurm_cli import SbatchOptions

    given = SlurmOptions.read(options)
    sbatch = SbatchOptions(
        partition=given.partition,
        account=given.account,
        time_limit=given.time_limit,
        extra_args=tuple(given.extra_args),
    )
    return SlurmBackend(
        spool=given.spool,
        options=sbatch,
        command=tuple(given.command),
        accounting=given.accounting,
        slurm_conf=given.slurm_conf,
        timeout=given.timeout,
    )


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
