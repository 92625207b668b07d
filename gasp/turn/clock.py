"""The turn's clocks: elapsed time for every decision, wall time only for people.

Sites' wall clocks disagree (and a few seconds of skew must break nothing), so no decision
compares one site's timestamp with another's. Decisions use *elapsed* time on the deciding
site's own clock: how long a heartbeat has stayed unchanged, how long ago this site last
beat. On Linux that clock is ``CLOCK_BOOTTIME``,
which keeps counting while the machine is suspended: a site that sleeps through its turn
must find its lease expired when it wakes, which ``CLOCK_MONOTONIC`` (paused during
suspend) would hide.

The loop takes a ``Clock`` so that tests drive it with a clock of their own instead of
patching time, as huey's worker takes ``now``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

_ELAPSED_CLOCK = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)


class Clock(Protocol):
    def elapsed(self) -> float:
        """Seconds on a clock that only moves forward, for this process's decisions."""

    def wall(self) -> datetime:
        """The wall time written into documents, for people to read."""

    def sleep(self, seconds: float) -> None:
        """Wait; the loop's only way to let time pass."""


class SystemClock:
    """The real clocks; ``offset_s`` shifts the wall clock, to test skew between sites."""

    def __init__(self, offset_s: float = 0.0) -> None:
        self.offset = timedelta(seconds=offset_s)

    def elapsed(self) -> float:
        return time.clock_gettime(_ELAPSED_CLOCK)

    def wall(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
