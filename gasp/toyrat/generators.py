"""Event generators: what each event is (its energy) and where it happens (its vertex).

A production macro names one generator; ``source_for`` turns its three commands into a
``Source`` and says whether the generator carries its own rate. The grammar (see
``release/README.md``) follows the real program's ``combo`` generator:

* ``/generator/add combo VERTEX:POSITION`` with VERTEX ``decaychain`` or ``gun`` and
  POSITION ``fill`` (uniform in the acrylic vessel), ``fillshell`` or ``point``;
* ``/generator/vtx/set ISOTOPE`` (decaychain) or ``/generator/vtx/set PARTICLE DX DY DZ MEV``
  (gun);
* ``/generator/pos/set X Y Z`` (point) or ``/generator/pos/set X Y Z R_IN R_OUT``
  (fillshell), in mm;
* ``/generator/add solar SPECTRUM:fill``: solar neutrinos, whose rate the generator knows
  itself (``INTERNAL_RATE_HZ``), so a macro using it is a time-mode macro with no rate line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gasp.toyrat.detector import AV_RADIUS_MM, PSUP_RADIUS_MM, FloatArray
from gasp.toyrat.errors import MacroError
from gasp.toyrat.macro import Command, Macro


@dataclass(frozen=True)
class Spectrum:
    """A toy visible-energy spectrum: a beta continuum up to ``beta_q`` plus a smeared line."""

    beta_q: float
    line: float = 0.0
    width: float = 0.0

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        continuum = self.beta_q * rng.beta(2.0, 3.0, n) if self.beta_q else np.zeros(n)
        smear = rng.normal(0.0, self.width, n) if self.width else np.zeros(n)
        return np.asarray(np.maximum(continuum + self.line + smear, 0.0), dtype=np.float64)


ISOTOPES = {
    "Bi214": Spectrum(3.27),
    "BiPo214": Spectrum(3.27, line=0.85, width=0.08),
    "Po210": Spectrum(0.0, line=0.52, width=0.05),
    "Tl208": Spectrum(1.80, line=3.20, width=0.10),
    "K40": Spectrum(1.31),
    "N16": Spectrum(0.0, line=6.13, width=0.15),
    "PMTBetaGamma": Spectrum(2.00, line=0.50, width=0.20),
}
SOLAR = {"B8": Spectrum(15.0), "pep": Spectrum(1.20)}
INTERNAL_SPECTRA = {"solar": SOLAR}  # generators that set their own rate, per spectrum
INTERNAL_RATE_HZ = {"solar": {"B8": 0.001, "pep": 0.002}}
PARTICLES = ("e-", "e+", "gamma")


class Vertices(Protocol):
    """Where events happen: ``n`` vertices (mm), never farther out than ``reach``."""

    @property
    def reach(self) -> float: ...

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray: ...


@dataclass(frozen=True)
class Shell:
    """Uniform in a spherical shell around ``centre`` (a full sphere when ``inner`` is 0)."""

    centre: tuple[float, float, float]
    inner: float
    outer: float

    @property
    def reach(self) -> float:
        return float(np.linalg.norm(self.centre)) + self.outer

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        cube = rng.uniform(self.inner**3, self.outer**3, n)
        cos_t = rng.uniform(-1.0, 1.0, n)
        phi = rng.uniform(0.0, 2.0 * np.pi, n)
        sin_t = np.sqrt(1.0 - cos_t**2)
        unit = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)
        return np.asarray(np.array(self.centre) + np.cbrt(cube)[:, None] * unit)


@dataclass(frozen=True)
class Point:
    where: tuple[float, float, float]

    @property
    def reach(self) -> float:
        return float(np.linalg.norm(self.where))

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return np.tile(np.array(self.where, dtype=np.float64), (n, 1))


class Source(Protocol):
    """Anything that draws the true energy (MeV) and vertex (mm) of ``n`` events."""

    def sample(self, rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray]: ...


@dataclass(frozen=True)
class Generator:
    """One spectrum at one kind of vertex."""

    spectrum: Spectrum
    vertices: Vertices

    def sample(self, rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray]:
        return self.spectrum.sample(rng, n), self.vertices.sample(rng, n)


@dataclass(frozen=True)
class Mixture:
    """Several generators mixed by weight, as a detector sees backgrounds during a run."""

    parts: Sequence[tuple[float, Generator]]

    def sample(self, rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray]:
        weights = np.array([weight for weight, _ in self.parts])
        which = rng.choice(len(self.parts), size=n, p=weights / weights.sum())
        energies, vertices = np.zeros(n), np.zeros((n, 3))
        for index, (_, generator) in enumerate(self.parts):
            chosen = which == index
            energies[chosen], vertices[chosen] = generator.sample(rng, int(chosen.sum()))
        return energies, vertices


FILL = Shell((0.0, 0.0, 0.0), 0.0, AV_RADIUS_MM)


@dataclass(frozen=True)
class SourceInfo:
    """A macro's source, its description for metadata, and the rate it carries if any."""

    source: Source
    description: str
    internal_rate_hz: float | None


def _floats(
    macro: Macro, command: Command, args: Sequence[str], count: int, what: str
) -> list[float]:
    """Exactly ``count`` numbers from ``args``, or an error naming the line and ``what``."""
    try:
        if len(args) != count:
            raise ValueError
        return [float(arg) for arg in args]
    except ValueError:
        raise MacroError(macro.name, command.line, f"{command.path} needs {what}") from None


def _required(macro: Macro, command: Command | None, path: str, why: str) -> Command:
    if command is None:
        raise MacroError(macro.name, None, f"{why} needs a {path} line")
    return command


def _position(macro: Macro, kind: str, generator: Command) -> Vertices:
    if kind == "fill":
        return FILL
    if kind not in ("point", "fillshell"):
        raise MacroError(macro.name, generator.line, f"unknown position {kind!r}")
    command = _required(macro, macro.position, "/generator/pos/set", kind)
    if kind == "point":
        x, y, z = _floats(macro, command, command.args, 3, "X Y Z in mm")
        position: Vertices = Point((x, y, z))
    else:
        x, y, z, inner, outer = _floats(macro, command, command.args, 5, "X Y Z R_IN R_OUT in mm")
        if not 0.0 <= inner <= outer:
            raise MacroError(macro.name, command.line, "fillshell needs 0 <= R_IN <= R_OUT")
        position = Shell((x, y, z), inner, outer)
    if position.reach >= PSUP_RADIUS_MM:
        raise MacroError(macro.name, command.line, f"vertices reach past {PSUP_RADIUS_MM} mm")
    return position


def _combo(macro: Macro, generator: Command, kind: str) -> tuple[Spectrum, str]:
    if kind not in ("decaychain", "gun"):
        raise MacroError(macro.name, generator.line, f"unknown combo vertex {kind!r}")
    command = _required(macro, macro.vertex, "/generator/vtx/set", kind)
    if kind == "decaychain":
        isotope = command.args[0] if len(command.args) == 1 else ""
        if isotope not in ISOTOPES:
            known = ", ".join(sorted(ISOTOPES))
            raise MacroError(macro.name, command.line, f"decaychain takes one of: {known}")
        return ISOTOPES[isotope], isotope
    particle = command.args[0] if command.args else ""
    if particle not in PARTICLES:
        raise MacroError(macro.name, command.line, f"gun particle must be one of {PARTICLES}")
    *_, energy = _floats(macro, command, command.args[1:], 4, "PARTICLE DX DY DZ MEV")
    if not energy > 0.0:
        raise MacroError(macro.name, command.line, "the gun energy must be positive (MeV)")
    return Spectrum(0.0, line=energy), f"{particle} {energy:g} MeV"


def source_for(macro: Macro) -> SourceInfo:
    """The source a production macro describes; a ``MacroError`` names the faulty line."""
    generator = _required(macro, macro.generator, "/generator/add", "a production macro")
    if len(generator.args) != 2:
        raise MacroError(macro.name, generator.line, "/generator/add takes NAME SPEC")
    name, spec = generator.args
    first, _, rest = spec.partition(":")
    kind = rest.split(":")[0]
    if name == "combo":
        spectrum, what = _combo(macro, generator, first)
        return SourceInfo(Generator(spectrum, _position(macro, kind, generator)), what, None)
    if name in INTERNAL_SPECTRA:
        spectra = INTERNAL_SPECTRA[name]
        if first not in spectra:
            raise MacroError(macro.name, generator.line, f"{name} spectra: {sorted(spectra)}")
        source = Generator(spectra[first], _position(macro, kind, generator))
        return SourceInfo(source, f"{name} {first}", INTERNAL_RATE_HZ[name][first])
    known = ["combo", *INTERNAL_SPECTRA]
    raise MacroError(macro.name, generator.line, f"unknown generator {name!r}; known: {known}")


def background_mixture() -> Mixture:
    """What a physics run records: mostly low-energy backgrounds, some solar neutrinos."""
    return Mixture(
        [
            (0.7, Generator(ISOTOPES["Bi214"], FILL)),
            (0.2, Generator(ISOTOPES["Tl208"], FILL)),
            (0.1, Generator(SOLAR["B8"], FILL)),
        ]
    )


__all__ = [
    "INTERNAL_RATE_HZ",
    "ISOTOPES",
    "Generator",
    "Mixture",
    "Source",
    "SourceInfo",
    "background_mixture",
    "source_for",
]
