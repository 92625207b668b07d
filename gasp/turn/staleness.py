"""Judging whether a site is alive without trusting anyone's wall clock.

A heartbeat is not read as "written at 12:03:07" but as "its revision changed". Each judge
remembers, per site, the revision it last saw and the moment *on its own elapsed clock*
when it first saw it; a site whose revision has not changed for longer than the stale
limit of the judge's own time is inactive. No timestamp of one machine is compared with
another's, so clock skew between sites (seconds or hours) changes nothing.

Why this is safe for the site being judged: a judge first sees a revision only after it
was written, so it cannot declare a site stale before ``stale`` has passed since that
site's last completed write began. A site that stops its command before then (its lease,
``loop.py``) is never running when another site is given the turn.

The price: a judge knows nothing before it has watched. A revision first seen at start-up
counts from then, so a judge that has just started waits a full stale period before it
declares anyone dead (safe, never early); and a dead site is declared stale between
``stale`` and ``stale + 2 x delay`` after its last beat, depending on when the judge read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Sighting:
    rev: str
    first_seen: float  # the judge's elapsed clock when this revision was first read


class Observer:
    """One judge's memory of every site's heartbeat revisions."""

    def __init__(self, stale_s: float) -> None:
        self.stale_s = stale_s
        self._seen: dict[str, Sighting] = {}

    def observe(self, revisions: Mapping[str, str | None], now: float) -> None:
        """Record the revisions just read; ``now`` must be taken *after* the read returned.

        A revision's first sighting is when the read that returned it ended: never
        earlier than the write, so ages are never overestimated.
        """
        for site, rev in revisions.items():
            if rev is None:
                self._seen.pop(site, None)
                continue
            known = self._seen.get(site)
            if known is None or known.rev != rev:
                self._seen[site] = Sighting(rev, now)

    def age(self, site: str, now: float) -> float | None:
        """How long this judge has seen the site's heartbeat unchanged (None: never seen)."""
        known = self._seen.get(site)
        return None if known is None else max(0.0, now - known.first_seen)

    def active(self, site: str, now: float) -> bool:
        """Alive as far as this judge can tell: seen, and changed within the stale limit."""
        age = self.age(site, now)
        return age is not None and age <= self.stale_s
