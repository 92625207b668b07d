"""The turn's timing, given in minutes (fractions allowed) and checked for sense.

The stale limit must leave room for a live site never to look dead: a judge reading once
per delay may see a site's heartbeat unchanged for up to two delays (the site's beat and
the judge's read out of phase), so the limit is at least three delays. The same margin
gives each site its lease: it stops its command when it has not managed to beat for
``stale - delay``, a full delay before anyone else may decide it is gone.

Each value follows the rule of every duration (``gasp.values.check_duration``: finite and
greater than 0) and is at most a year (``MAX_WAIT_S``): ``inf`` would make a stale limit
that never expires, so a dead site would hold the turn for ever.
"""

from __future__ import annotations

from dataclasses import dataclass

from gasp.errors import InputError
from gasp.values import MAX_WAIT_S, check_duration

MIN_STALE_DELAYS = 3
MAX_GRACE_S = 10.0


@dataclass(frozen=True)
class Timing:
    delay_s: float  # between heartbeats
    stale_s: float  # a heartbeat unchanged this long means the site is inactive
    conflict_delay_s: float  # before trying again after losing a write race

    @classmethod
    def from_minutes(cls, delay: float, stale: float, conflict_delay: float) -> Timing:
        for option, value in (
            ("--heartbeat-delay", delay),
            ("--heartbeat-stale", stale),
            ("--conflict-delay", conflict_delay),
        ):
            try:
                check_duration(value)
            except ValueError as exc:
                raise InputError(f"{option} (minutes) {exc}") from None
            if value * 60.0 > MAX_WAIT_S:
                year = MAX_WAIT_S / 60
                raise InputError(
                    f"{option} (minutes) must be at most {year:g} (a year), not {value:g}"
                )
        if stale < MIN_STALE_DELAYS * delay:
            raise InputError(
                f"--heartbeat-stale ({stale:g} min) must be at least {MIN_STALE_DELAYS} x "
                f"--heartbeat-delay ({delay:g} min), or a live site could look inactive"
            )
        return cls(delay * 60.0, stale * 60.0, conflict_delay * 60.0)

    @property
    def lease_s(self) -> float:
        """How long after its last successful beat a site may keep its command running."""
        return self.stale_s - self.delay_s

    @property
    def grace_s(self) -> float:
        """How long a command has to end after SIGTERM before it is killed."""
        return min(MAX_GRACE_S, self.delay_s / 2)
