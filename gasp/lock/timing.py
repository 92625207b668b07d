"""The lock's timing, given in minutes (fractions allowed) and checked for sense.

The stale limit must leave room for a live site never to look dead: a judge reading once
per delay may see a site's heartbeat unchanged for up to two delays (the site's beat and
the judge's read out of phase), so the limit is at least three delays. The same margin
gives each site its lease: it stops its command when it has not managed to beat for
``stale - delay``, a full delay before anyone else may decide it is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

from gasp.errors import InputError

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
            if not value > 0:
                raise InputError(f"{option} must be a positive number of minutes, not {value}")
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
