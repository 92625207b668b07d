"""Failures on demand, so that tests can watch gasp handle a misbehaving application.

``TOYRAT_FAIL`` selects one (unset or empty: none):

=================  =======================================================================
``crash``          after about half the events (``crash:N``: after N events), print a
                   ``*** Break *** segmentation violation`` line on stderr and exit 1,
                   leaving the partial outputs under their temporary names, as a crash does
``transient``      before any event, print ``Connection timed out while reading database``
                   on stderr and exit 1: the kind of failure a retry policy should retry
``short``          exit 0 but write one event fewer than asked: a silent bug the runner
                   must catch by counting events
``corrupt``        exit 0 but truncate the first output after publishing it: the runner
                   must catch an unreadable file
=================  =======================================================================

``TOYRAT_FAIL_ONCE=PATH`` makes the failure fire only once: when the failure is due, it
happens only if PATH does not exist yet, and creates it, so a retried job succeeds. The
failures apply to simulation and processing runs, not to ``toyrat daq``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gasp.toyrat.errors import RunFailure, UsageError

ENV_FAIL = "TOYRAT_FAIL"
ENV_FAIL_ONCE = "TOYRAT_FAIL_ONCE"
MODES = ("crash", "transient", "short", "corrupt")


class SimulatedCrash(RunFailure):
    """A crash asked for by ``TOYRAT_FAIL=crash``: outputs are left as a crash leaves them."""


@dataclass(frozen=True)
class FailurePlan:
    """Which failure, if any, this run shows; each hook is called where that failure happens."""

    mode: str | None = None
    crash_after: int | None = None
    once: Path | None = None

    def _fires(self, mode: str) -> bool:
        """Whether ``mode`` fails now: it is the chosen one, and ``once`` has not been used."""
        if self.mode != mode:
            return False
        if self.once is None:
            return True
        try:
            descriptor = os.open(self.once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        except OSError as exc:
            raise UsageError(
                f"{ENV_FAIL_ONCE}={str(self.once)!r}: cannot create it: {exc}"
            ) from exc
        os.close(descriptor)
        return True

    def before_events(self) -> None:
        if self._fires("transient"):
            raise RunFailure(
                "RATDB: Connection timed out while reading database "
                f"(simulated by {ENV_FAIL}=transient)"
            )

    def after_events(self, done: int, total: int) -> None:
        limit = self.crash_after if self.crash_after is not None else total // 2
        if done >= limit and self._fires("crash"):
            raise SimulatedCrash(
                f"*** Break *** segmentation violation after {done} events "
                f"(simulated by {ENV_FAIL}=crash)"
            )

    def events_to_write(self, asked: int) -> int:
        return max(asked - 1, 0) if self._fires("short") else asked

    def corrupts_output(self) -> bool:
        return self._fires("corrupt")


def failure_plan(environ: Mapping[str, str]) -> FailurePlan:
    """Read ``TOYRAT_FAIL`` (and ``TOYRAT_FAIL_ONCE``); an unknown value is a usage error."""
    text = environ.get(ENV_FAIL, "").strip()
    if not text:
        return FailurePlan()
    mode, _, argument = text.partition(":")
    if mode not in MODES or (argument and mode != "crash"):
        raise UsageError(f"{ENV_FAIL}={text!r}: expected one of {', '.join(MODES)} or crash:N")
    if argument and not argument.isdigit():
        raise UsageError(f"{ENV_FAIL}={text!r}: crash:N needs a whole number of events")
    once = environ.get(ENV_FAIL_ONCE, "").strip()
    return FailurePlan(
        mode=mode,
        crash_after=int(argument) if argument else None,
        once=Path(once) if once else None,
    )


__all__ = ["ENV_FAIL", "ENV_FAIL_ONCE", "FailurePlan", "SimulatedCrash", "failure_plan"]
