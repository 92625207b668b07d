"""Detector conditions of a run: when it ran, how long, and which PMTs were offline.

The real program reads these from its conditions database by run number. toyrat derives
them from the run number alone, so that every program in a demo (``toyrat daq`` writing
a run, a run-mode simulation of the same run) agrees on them without a database, and the
same run always has the same conditions.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from gasp.toyrat.detector import N_PMTS, BoolArray

REFERENCE_RUN = 100000
REFERENCE_START = datetime(2018, 5, 1, tzinfo=UTC)
RUN_SPACING_S = 3700.0
RUN_CYCLE = 1_000_000  # start times wrap after a million runs: any run number fits a calendar
MIN_DURATION_S = 1800.0
DURATION_SPREAD_S = 1800.0
GENERIC_DURATION_S = 3600.0


def _unit(run: int, purpose: str) -> float:
    """A number in [0, 1) fixed by the run number (stable across Python processes)."""
    return zlib.crc32(f"{purpose}:{run}".encode()) / 2**32


@dataclass(frozen=True)
class Conditions:
    """The conditions a run is simulated or recorded under."""

    run: int
    start: datetime
    duration_s: float
    offline: BoolArray
    generic: bool

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)


def run_conditions(run: int) -> Conditions:
    """The conditions of real run ``run``: 30-60 minutes long, 2-6 % of PMTs offline."""
    duration = MIN_DURATION_S + round(DURATION_SPREAD_S * _unit(run, "duration"))
    cycle = (run - REFERENCE_RUN) % RUN_CYCLE
    start = REFERENCE_START + timedelta(seconds=cycle * RUN_SPACING_S)
    fraction = 0.02 + 0.04 * _unit(run, "offline")
    offline = np.random.default_rng([run, 7]).random(N_PMTS) < fraction
    return Conditions(run, start, float(duration), offline, generic=False)


def generic_conditions(run: int) -> Conditions:
    """Default conditions: every PMT online, an hour long; used when no real run applies."""
    offline = np.zeros(N_PMTS, dtype=np.bool_)
    return Conditions(run, REFERENCE_START, GENERIC_DURATION_S, offline, generic=True)


def iso_utc(moment: datetime) -> str:
    """UTC ISO-8601 with a ``Z``, to the second, as every gasp document writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["Conditions", "generic_conditions", "iso_utc", "run_conditions"]
