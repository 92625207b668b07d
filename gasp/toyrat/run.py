"""One run of the program: a stream of event chunks in, published output files out.

Production (events simulated from the macro's generator) and processing (events read from
input files) differ only in where chunks come from; everything after that (the cost per
event, progress lines, failures on demand, writing and publishing the files) is here once.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from gasp.toyrat.cost import CpuBudget, ms_per_event
from gasp.toyrat.detector import MEDIA
from gasp.toyrat.errors import UsageError
from gasp.toyrat.events import (
    CHUNK_EVENTS,
    GTID_MODULUS,
    Clock,
    EventChunk,
    chunk_sizes,
    simulate_chunk,
)
from gasp.toyrat.failures import FailurePlan, SimulatedCrash, failure_plan
from gasp.toyrat.generators import Source
from gasp.toyrat.inputs import InputFile, read_chunks
from gasp.toyrat.macro import Macro, OutputSpec
from gasp.toyrat.output import Meta, OutputSet, RootOutput
from gasp.toyrat.plan import RunPlan
from gasp.toyrat.progress import Progress


@dataclass(frozen=True)
class Settings:
    """What the environment says about this run: its cost and its failure, if any."""

    ms_per_event: float
    failures: FailurePlan

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        return cls(ms_per_event(environ), failure_plan(environ))


def default_seed(*parts: object) -> int:
    """A seed fixed by what is run (macro, run), so that runs repeat without ``-s``."""
    return zlib.crc32(":".join(map(str, parts)).encode()) & 0x7FFFFFFF


def simulated_chunks(
    plan: RunPlan, source: Source, macro: Macro, seed: int
) -> Iterator[EventChunk]:
    """The events of a production run; chunk ``i`` draws from its own stream ``(seed, i)``."""
    medium = MEDIA[macro.medium]
    first_gtid = int(np.random.default_rng([seed, 2**31]).integers(GTID_MODULUS))
    clock = Clock(first_gtid, 0.0, plan.spacing_s)
    for index, size in enumerate(chunk_sizes(plan.events)):
        rng = np.random.default_rng([seed, index])
        chunk = simulate_chunk(rng, size, source, plan.conditions, medium, clock)
        yield chunk.reconstructed(medium, macro.classifier)


def processed_chunks(inputs: Sequence[InputFile], macro: Macro) -> Iterator[EventChunk]:
    """The events of the inputs, in order, reconstructed as the macro asks.

    Inputs without events still yield one empty chunk, so the outputs get their trees.
    """
    medium = MEDIA[macro.medium]
    empty = True
    for source in inputs:
        for chunk in read_chunks(source):
            empty = False
            yield chunk.reconstructed(medium, macro.classifier)
    if empty:
        yield EventChunk.empty().reconstructed(medium, macro.classifier)


def _open(specs: Sequence[OutputSpec], stem: Path) -> OutputSet:
    if not stem.parent.is_dir():
        raise UsageError(f"-o {stem}: folder {stem.parent} does not exist")
    opened = OutputSet([])
    try:
        for spec in specs:
            final = stem.parent / spec.file_name(stem.name)
            opened.outputs.append(RootOutput(final, spec.data_type, spec.catalogue_type))
    except BaseException:
        opened.abandon()
        raise
    return opened


def _corrupt(path: Path) -> None:
    """Cut a published file in half (``TOYRAT_FAIL=corrupt``)."""
    os.truncate(path, path.stat().st_size // 2)


def execute(
    chunks: Iterator[EventChunk],
    specs: Sequence[OutputSpec],
    stem: Path,
    meta: Meta,
    total: int,
    settings: Settings,
    out: TextIO,
) -> list[RootOutput]:
    """Write every chunk to every output, then publish them all under their final names.

    On an error the temporary files are removed; on a simulated crash they are left
    (hidden) as a real crash leaves them. Either way no final name ever appears early.
    """
    failures = settings.failures
    failures.before_events()
    limit = failures.events_to_write(total)
    outputs = _open(specs, stem)
    budget = CpuBudget(settings.ms_per_event)
    progress = Progress(total, out, CHUNK_EVENTS)
    try:
        for chunk in chunks:
            room = limit - progress.done
            kept = chunk.subset(slice(0, room)) if len(chunk) > room else chunk
            outputs.extend(kept)
            budget.spend(len(kept))
            progress.advance(len(kept))
            failures.after_events(progress.done, total)
        progress.finish()
        published = outputs.publish(meta)
    except SimulatedCrash:
        outputs.abandon(remove=False)
        raise
    except BaseException:
        outputs.abandon(remove=True)
        raise
    if published and failures.corrupts_output():
        _corrupt(published[0].final)
    for output in published:
        progress.say(f"wrote {output.data_type} {output.final} ({output.entries} events)")
    return published


__all__ = [
    "Settings",
    "default_seed",
    "execute",
    "processed_chunks",
    "simulated_chunks",
]
