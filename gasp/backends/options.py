"""What a site's configuration may say to each backend: one pydantic model per backend.

Options arrive as a plain mapping (the ``[backend.options]`` table of a site's TOML, plus
the ``spool`` and ``max_running`` the client adds) and are checked here, once, so that a
typo or a wrong type is a ``ConfigError`` naming the backend and the option rather than a
``TypeError`` deep inside a backend. The models are strict (no ``"2"`` for 2, no ``true``
for 1) and refuse unknown options, as the rest of the configuration does. The defaults
live here too: they are what a site gets when its file says nothing.

The backend constructors keep their own guards (``max_running`` at least 1, a non-empty
command, a known accounting mode) for callers that build a backend directly; the models
state the same limits declaratively so that every mistake in a file is reported at once.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, ValidationError

from gasp.backends.slurm_cli import DEFAULT_TIMEOUT_S, is_time_limit
from gasp.errors import ConfigError
from gasp.validation import validation_problems
from gasp.values import Duration

DEFAULT_COMMAND = (sys.executable, "-m", "gasp.runner")
# Longer than the runner's own SIGTERM-to-SIGKILL grace for its application, so that a
# cancelled runner has time to stop the application and still write its report.
DEFAULT_CANCEL_GRACE_S = 15.0


def _path(value: object) -> Path:
    """A path is text from TOML or a ``Path`` from Python; an empty one is a mistake.

    ``Path("")`` would be the current folder, which no site means by leaving it empty.
    """
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a path, not {value!r}")
    return Path(value)


def _time_limit(value: object) -> str:
    """sbatch's ``--time``: a whole number of minutes (TOML integer or text) or its forms."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and is_time_limit(value):
        return value
    raise ValueError(
        "must be minutes or one of sbatch's --time forms "
        f'(e.g. "90", "2:00:00", "1-00:00:00"), not {value!r}'
    )


PathOption = Annotated[Path, BeforeValidator(_path)]
Argument = Annotated[str, Field(min_length=1)]
Command = Annotated[list[Argument], Field(min_length=1)]
TimeLimit = Annotated[str, PlainValidator(_time_limit)]
Accounting = Literal["sacct", "jobcomp", "none"]  # slurm_cli.ACCOUNTING_MODES


class BackendOptions(BaseModel):
    """What every backend accepts; ``read`` turns a mapping into options or a ConfigError."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    backend: ClassVar[str]

    max_running: int | None = Field(default=None, ge=1)

    @classmethod
    def read(cls, options: Mapping[str, Any]) -> Self:
        try:
            return cls.model_validate(dict(options))
        except ValidationError as exc:
            raise ConfigError(cls._describe(exc)) from None

    @classmethod
    def _describe(cls, exc: ValidationError) -> str:
        """``backend 'local': option 'max_running': <problem>``, one line per problem."""
        problems = []
        for line in validation_problems(exc):
            option, _, problem = line.partition(": ")
            if problem == "unknown field":
                problem = f"unknown option (known: {', '.join(sorted(cls.model_fields))})"
            problems.append(f"option {option!r}: {problem}")
        if len(problems) == 1:
            return f"backend {cls.backend!r}: {problems[0]}"
        listed = "".join(f"\n  {problem}" for problem in problems)
        return f"backend {cls.backend!r}: {len(problems)} problems:{listed}"


class LocalOptions(BackendOptions):
    """Worker processes on this machine; ``max_running`` defaults to the number of CPUs."""

    backend = "local"

    spool: PathOption
    command: Command = Field(default_factory=lambda: list(DEFAULT_COMMAND))
    cancel_grace: Duration = DEFAULT_CANCEL_GRACE_S


class NoopOptions(BackendOptions):
    """Nothing runs; ``spool`` and ``max_running`` are accepted since every site passes them."""

    backend = "noop"

    spool: PathOption | None = None


class SlurmOptions(BackendOptions):
    """Slurm: sbatch options from the site file; ``max_running`` is Slurm's business.

    The client's ``limits.max_submitted`` bounds how many jobs a site hands to Slurm; how
    many of those run at once is for the cluster's scheduler, so ``max_running`` (which
    every site configuration carries) is accepted and not used.
    """

    backend = "slurm"

    spool: PathOption | None = None
    partition: str | None = None
    account: str | None = None
    time_limit: TimeLimit | None = None
    extra_args: list[str] = Field(default_factory=list)
    command: Command = Field(default_factory=lambda: list(DEFAULT_COMMAND))
    accounting: Accounting = "sacct"
    slurm_conf: PathOption | None = None
    timeout: Duration = DEFAULT_TIMEOUT_S
