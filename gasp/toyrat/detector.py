"""The toy detector: PMT layout, detector media, hit simulation and a toy vertex fit.

Physics is not the point. The point is that events cost real work, that files have the
shape of the experiment's (a jagged PMT hit list per event, true and reconstructed
quantities), and that the numbers respond to the inputs (energy, position, run conditions)
so that tests can tell runs apart. Everything works on a whole chunk of events at once.

The PMTs sit on a sphere (the "PSUP") in an equal-area grid of rings in cos(theta) and
columns in phi, so that the PMT a photon lands on is a closed formula, not a search.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np
from numpy.typing import NDArray

PSUP_RADIUS_MM = 8390.0
AV_RADIUS_MM = 6005.0
N_RINGS = 76
N_PHI = 128
N_PMTS = N_RINGS * N_PHI
TRIGGER_OFFSET_NS = 100.0
TIME_JITTER_NS = 1.5
LATE_LIGHT_FRACTION = 0.1
LATE_LIGHT_MEAN_NS = 30.0
MIN_FIT_HITS = 3
PROMPT_WINDOW_NS = (-5.0, 8.0)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Medium:
    """What fills the detector: how much light an MeV makes and how fast it travels."""

    name: str
    hits_per_mev: float
    speed_mm_per_ns: float


MEDIA = {
    "water": Medium("water", hits_per_mev=9.0, speed_mm_per_ns=225.0),
    "scint": Medium("scint", hits_per_mev=90.0, speed_mm_per_ns=190.0),
}


def _pmt_positions() -> FloatArray:
    ids = np.arange(N_PMTS)
    ring, column = ids // N_PHI, ids % N_PHI
    cos_theta = 1.0 - (2.0 * ring + 1.0) / N_RINGS
    sin_theta = np.sqrt(1.0 - cos_theta**2)
    phi = (column + 0.5) * 2.0 * np.pi / N_PHI
    unit = np.stack([sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta], axis=1)
    return PSUP_RADIUS_MM * unit


PMT_POSITIONS = _pmt_positions()


def pmt_at(points: FloatArray) -> IntArray:
    """The id of the PMT whose grid cell contains each point on the PSUP sphere."""
    cos_theta = np.clip(points[:, 2] / PSUP_RADIUS_MM, -1.0, 1.0)
    ring = np.clip(np.floor((1.0 - cos_theta) / 2.0 * N_RINGS), 0, N_RINGS - 1)
    phi = np.mod(np.arctan2(points[:, 1], points[:, 0]), 2.0 * np.pi)
    column = np.clip(np.floor(phi / (2.0 * np.pi) * N_PHI), 0, N_PHI - 1)
    return np.asarray(ring * N_PHI + column, dtype=np.int64)


def simulate_hits(
    rng: np.random.Generator,
    energies: FloatArray,
    vertices: FloatArray,
    medium: Medium,
    offline: BoolArray,
) -> ak.Array:
    """Hits of each event: photons from the vertex, isotropic, onto the PMT sphere.

    Returns a jagged record array ``n * var * {pmt, time, charge}``. Hits on PMTs that the
    run conditions mark offline are dropped, which is how run-by-run conditions show.
    """
    n = len(energies)
    counts = rng.poisson(np.maximum(energies, 0.0) * medium.hits_per_mev)
    owner = np.repeat(np.arange(n), counts)
    total = int(counts.sum())
    cos_t = rng.uniform(-1.0, 1.0, total)
    phi = rng.uniform(0.0, 2.0 * np.pi, total)
    sin_t = np.sqrt(1.0 - cos_t**2)
    direction = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)
    start = vertices[owner]
    along = np.einsum("ij,ij->i", start, direction)
    inside = np.einsum("ij,ij->i", start, start) - PSUP_RADIUS_MM**2
    path = -along + np.sqrt(np.maximum(along**2 - inside, 0.0))
    pmt = pmt_at(start + path[:, None] * direction)
    late = rng.random(total) < LATE_LIGHT_FRACTION
    time = (
        TRIGGER_OFFSET_NS
        + path / medium.speed_mm_per_ns
        + rng.normal(0.0, TIME_JITTER_NS, total)
        + np.where(late, rng.exponential(LATE_LIGHT_MEAN_NS, total), 0.0)
    )
    charge = np.clip(rng.normal(1.0, 0.35, total), 0.05, None)
    keep = ~offline[pmt]
    return make_hits(np.bincount(owner[keep], minlength=n), pmt[keep], time[keep], charge[keep])


def make_hits(counts: IntArray, pmt: IntArray, time: FloatArray, charge: FloatArray) -> ak.Array:
    """Pack flat hit columns and per-event counts into the jagged record the files hold."""
    return ak.zip(
        {
            "pmt": ak.unflatten(pmt.astype(np.int32), counts),
            "time": ak.unflatten(time.astype(np.float32), counts),
            "charge": ak.unflatten(charge.astype(np.float32), counts),
        }
    )


def _centroid_table() -> tuple[FloatArray, FloatArray]:
    """|mean hit position| as a function of the vertex radius, for isotropic light.

    Integrated over the emission angle on a fine grid; the fit inverts it by interpolation.
    """
    radius = np.linspace(0.0, 0.995 * PSUP_RADIUS_MM, 400)
    cos_a = np.linspace(-1.0, 1.0, 2001)
    r, u = np.meshgrid(radius, cos_a, indexing="ij")
    path = -r * u + np.sqrt(r**2 * u**2 + PSUP_RADIUS_MM**2 - r**2)
    centroid = np.asarray(np.trapezoid(r + path * u, cos_a, axis=1) / 2.0, dtype=np.float64)
    return centroid, radius


_CENTROID, _RADIUS = _centroid_table()


@dataclass(frozen=True)
class Fit:
    """Reconstructed quantities of each event of a chunk."""

    valid: BoolArray
    position: FloatArray
    energy: FloatArray

    @property
    def radius(self) -> FloatArray:
        return np.asarray(np.linalg.norm(self.position, axis=1), dtype=np.float64)


def _flat(hits: ak.Array) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    counts = np.asarray(ak.num(hits, axis=1), dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    pmt = np.asarray(ak.flatten(hits.pmt), dtype=np.int64)
    time = np.asarray(ak.flatten(hits.time), dtype=np.float64)
    return counts, owner, pmt, time


def fit_events(hits: ak.Array, medium: Medium) -> Fit:
    """A toy vertex and energy fit: hit centroid pushed out to the radius that explains it."""
    counts, owner, pmt, _ = _flat(hits)
    n = len(counts)
    where = PMT_POSITIONS[pmt]
    sums = np.stack([np.bincount(owner, weights=where[:, i], minlength=n) for i in range(3)])
    centroid = sums.T / np.maximum(counts, 1)[:, None]
    size = np.linalg.norm(centroid, axis=1)
    radius = np.interp(size, _CENTROID, _RADIUS)
    valid = counts >= MIN_FIT_HITS
    direction = centroid / np.where(size > 0.0, size, 1.0)[:, None]
    position = np.where(valid[:, None], direction * radius[:, None], 0.0)
    return Fit(valid=valid, position=position, energy=counts / medium.hits_per_mev)


def prompt_fraction(hits: ak.Array, fit: Fit, medium: Medium) -> FloatArray:
    """The fraction of hits whose time residual is within the prompt window ("ITR").

    Residuals are taken from the fitted vertex and centred on each event's median, so
    late (scattered) light and a poor fit both lower the fraction.
    """
    counts, owner, pmt, time = _flat(hits)
    distance = np.linalg.norm(PMT_POSITIONS[pmt] - fit.position[owner], axis=1)
    residual = time - distance / medium.speed_mm_per_ns
    ordered = residual[np.lexsort((residual, owner))]
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    median = np.where(counts > 0, ordered[np.minimum(first + counts // 2, len(ordered) - 1)], 0.0)
    centred = residual - median[owner]
    low, high = PROMPT_WINDOW_NS
    prompt = (centred >= low) & (centred < high)
    fraction = np.bincount(owner, weights=prompt, minlength=len(counts))
    return np.asarray(fraction / np.maximum(counts, 1), dtype=np.float64)


__all__ = [
    "AV_RADIUS_MM",
    "MEDIA",
    "N_PMTS",
    "PMT_POSITIONS",
    "PSUP_RADIUS_MM",
    "Fit",
    "Medium",
    "fit_events",
    "make_hits",
    "pmt_at",
    "prompt_fraction",
    "simulate_hits",
]
