"""A chunk of events, and the columns each kind of file stores for it.

Programs work a chunk at a time (``CHUNK_EVENTS`` events) so memory stays bounded however
many events a run has. One ``EventChunk`` feeds every output file of a run; ``columns``
chooses what each file layout keeps:

* ``ratds`` (tree ``T``): ids, time, the jagged hit list (``nhits``, ``hits_pmt``,
  ``hits_time``, ``hits_charge``), fit results, and Monte Carlo truth when simulated;
* ``ntuple`` (tree ``output``): one flat row per event, the analysis quantities;
* ``raw`` (tree ``raw``): what the detector records, ids, time and hits only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import awkward as ak
import numpy as np
from numpy.typing import NDArray

from gasp.toyrat.conditions import Conditions
from gasp.toyrat.detector import (
    Fit,
    FloatArray,
    Medium,
    fit_events,
    make_hits,
    prompt_fraction,
    simulate_hits,
)
from gasp.toyrat.generators import Source

CHUNK_EVENTS = 1000
TREE_NAMES = {"ratds": "T", "ntuple": "output", "raw": "raw"}
RATDS_TRUTH = ("mcEnergy", "mcPosX", "mcPosY", "mcPosZ")
NTUPLE_TRUTH = ("mcEdep", "mcPosx", "mcPosy", "mcPosz")
GTID_MODULUS = 2**24  # the detector's global trigger id is a 24-bit counter


def chunk_sizes(total: int, size: int = CHUNK_EVENTS) -> Iterator[int]:
    """Sizes of the chunks of a run; a run of no events still has one (empty) chunk."""
    if total == 0:
        yield 0
    for start in range(0, total, size):
        yield min(size, total - start)


@dataclass(frozen=True)
class Truth:
    """Monte Carlo truth of each event: energy (MeV) and vertex (mm)."""

    energy: FloatArray
    position: FloatArray


@dataclass(frozen=True)
class EventChunk:
    """Consecutive events of one output, with whatever has been computed for them so far."""

    run: NDArray[np.int32]
    subrun: NDArray[np.int32]
    event_id: NDArray[np.int32]
    event_time: FloatArray
    hits: ak.Array
    truth: Truth | None = None
    fit: Fit | None = None
    itr: FloatArray | None = None

    @classmethod
    def empty(cls) -> EventChunk:
        """A chunk of no events: it still gives every output its trees and branches."""
        none = np.zeros(0, dtype=np.int64)
        return cls(
            run=np.zeros(0, dtype=np.int32),
            subrun=np.zeros(0, dtype=np.int32),
            event_id=np.zeros(0, dtype=np.int32),
            event_time=np.zeros(0, dtype=np.float64),
            hits=make_hits(none, none, np.zeros(0), np.zeros(0)),
        )

    def __len__(self) -> int:
        return len(self.event_id)

    def subset(self, which: slice | NDArray[np.bool_]) -> EventChunk:
        """The events selected by a slice or a mask, with everything computed for them."""
        fit = self.fit
        if fit is not None:
            fit = Fit(fit.valid[which], fit.position[which], fit.energy[which])
        truth = self.truth
        if truth is not None:
            truth = Truth(truth.energy[which], truth.position[which])
        return EventChunk(
            run=self.run[which],
            subrun=self.subrun[which],
            event_id=self.event_id[which],
            event_time=self.event_time[which],
            hits=self.hits[which],
            truth=truth,
            fit=fit,
            itr=None if self.itr is None else self.itr[which],
        )

    def reconstructed(self, medium: Medium, classifier: bool) -> EventChunk:
        """The same events with the fit (and the classifier, if asked) filled in."""
        fit = fit_events(self.hits, medium)
        itr = prompt_fraction(self.hits, fit, medium) if classifier else None
        return replace(self, fit=fit, itr=itr)

    def columns(self, layout: str, first_index: int) -> dict[str, Any]:
        """The branches of one file layout; ``evIndex`` counts from ``first_index``."""
        n = len(self)
        ids: dict[str, Any] = {"runID": self.run, "subrunID": self.subrun}
        if layout != "raw":
            ids["evIndex"] = np.arange(first_index, first_index + n, dtype=np.int32)
        ids |= {"eventID": self.event_id, "eventTime": self.event_time}
        if layout == "raw":
            return ids | {"hits": self.hits}
        if self.fit is None:
            raise ValueError(f"{layout} columns need reconstructed events")
        extra: dict[str, Any] = {} if self.itr is None else {"itr": self.itr}
        x, y, z = self.fit.position.T
        if layout == "ratds":
            truth = {} if self.truth is None else _truth(self.truth, RATDS_TRUTH)
            fit = {"fitValid": self.fit.valid, "fitPosX": x, "fitPosY": y, "fitPosZ": z}
            return ids | truth | {"hits": self.hits} | fit | {"fitEnergy": self.fit.energy} | extra
        if layout == "ntuple":
            nhits = np.asarray(ak.num(self.hits, axis=1), dtype=np.int32)
            reco = {"nhits": nhits, "fitValid": self.fit.valid, "energy": self.fit.energy}
            reco |= {"posx": x, "posy": y, "posz": z, "posr": self.fit.radius}
            truth = {} if self.truth is None else _truth(self.truth, NTUPLE_TRUTH)
            return ids | reco | truth | extra
        raise ValueError(f"unknown file layout {layout!r}")


def _truth(truth: Truth, names: tuple[str, str, str, str]) -> dict[str, Any]:
    """Truth columns under the names a layout uses (the experiment spells them differently)."""
    x, y, z = truth.position.T
    return dict(zip(names, (truth.energy, x, y, z), strict=True))


class Clock:
    """Hands out trigger ids and times to consecutive events of a run.

    Event ``i`` falls at a random moment inside its own slot ``[i, i+1) * spacing``, so times
    are ordered, spread over the whole duration, and computed a chunk at a time.
    """

    def __init__(self, first_gtid: int, start_s: float, spacing_s: float) -> None:
        self.next_index = 0
        self.first_gtid = first_gtid
        self.start_s = start_s
        self.spacing_s = spacing_s

    def tick(self, rng: np.random.Generator, n: int) -> tuple[NDArray[np.int32], FloatArray]:
        index = np.arange(self.next_index, self.next_index + n)
        self.next_index += n
        ids = ((self.first_gtid + index) % GTID_MODULUS).astype(np.int32)
        times = self.start_s + (index + rng.random(n)) * self.spacing_s
        return ids, np.asarray(times, dtype=np.float64)


def simulate_chunk(
    rng: np.random.Generator,
    n: int,
    source: Source,
    conditions: Conditions,
    medium: Medium,
    clock: Clock,
    subrun: int = 0,
) -> EventChunk:
    """``n`` new events from ``source`` as the detector under ``conditions`` sees them."""
    energy, position = source.sample(rng, n)
    hits = simulate_hits(rng, energy, position, medium, conditions.offline)
    event_id, event_time = clock.tick(rng, n)
    return EventChunk(
        run=np.full(n, conditions.run, dtype=np.int32),
        subrun=np.full(n, subrun, dtype=np.int32),
        event_id=event_id,
        event_time=event_time,
        hits=hits,
        truth=Truth(energy, position),
    )


__all__ = [
    "CHUNK_EVENTS",
    "TREE_NAMES",
    "Clock",
    "EventChunk",
    "Truth",
    "chunk_sizes",
    "simulate_chunk",
]
