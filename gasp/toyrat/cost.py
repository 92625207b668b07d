"""The CPU cost of an event, spent as real work so that runs take measurable time.

Batch systems, the runner and usage records all measure CPU time, and the demo needs jobs
that last long enough to be watched, killed and retried. Sleeping would cost wall time but
no CPU time, so the budget is burnt computing. ``TOYRAT_MS_PER_EVENT`` sets it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np

from gasp.toyrat.errors import UsageError

ENV_MS_PER_EVENT = "TOYRAT_MS_PER_EVENT"
DEFAULT_MS_PER_EVENT = 0.2


def ms_per_event(environ: Mapping[str, str]) -> float:
    """The cost per event from the environment (milliseconds, >= 0)."""
    text = environ.get(ENV_MS_PER_EVENT, "").strip()
    if not text:
        return DEFAULT_MS_PER_EVENT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < float("inf"):
        raise UsageError(f"{ENV_MS_PER_EVENT}={text!r}: expected milliseconds, a number >= 0")
    return value


class CpuBudget:
    """Tops up the CPU time of each chunk to ``ms_per_event`` per event.

    The budget counts the work the chunk really did (generation, fit, writing), so a
    chunk that already cost more than its budget burns nothing extra.
    """

    def __init__(self, ms_per_event: float) -> None:
        self.seconds_per_event = ms_per_event / 1000.0
        self._since = time.process_time()
        self._scratch = np.linspace(1.0, 2.0, 4096)

    def spend(self, events: int) -> None:
        deadline = self._since + events * self.seconds_per_event
        while time.process_time() < deadline:
            self._scratch = np.sqrt(self._scratch * 1.000001 + 1.0)
        self._since = time.process_time()


__all__ = ["DEFAULT_MS_PER_EVENT", "ENV_MS_PER_EVENT", "CpuBudget", "ms_per_event"]
