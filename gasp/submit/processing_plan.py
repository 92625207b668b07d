"""From detector runs and the processing catalogue to the passes to create: pure, so tested alone.

Subjobs by level (README, "Processing detector data"):

* ``sub_run``: one subjob per subrun; a raw module reads that subrun's L2 file, a later
  module that subrun's output of its prerequisite;
* ``run``: one subjob for the run, its inputs streamed (read in place);
* ``run_zdab`` / ``run_root``: one subjob for the run, its inputs downloaded (and their
  adler32 checked) before the application starts.

Raw inputs are known when the run is registered, so they are written on the subjob now,
with the size and adler32 the registration recorded: the runner checks the copy against
them. Inputs of a later module are the outputs of its prerequisite pass, which may not
exist yet: the client resolves them from that pass's data documents at launch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gasp.catalog.model import ProcessingCatalogue, ProcessingModule
from gasp.model.documents import InputFile
from gasp.model.run import RawFile

STREAMED_LEVELS = ("run",)
RUN_LEVELS = ("run", "run_zdab", "run_root")


@dataclass(frozen=True)
class InputPlan:
    """One input file of a subjob, as the runner stages it."""

    url: str
    name: str
    size: int
    adler32: str
    events: int
    stream: bool

    def document(self) -> InputFile:
        return {
            "url": self.url,
            "name": self.name,
            "size": self.size,
            "adler32": self.adler32,
            "events": self.events,
            "stream": self.stream,
        }


@dataclass(frozen=True)
class SubjobPlan:
    subrun: int
    inputs: tuple[InputPlan, ...] | None  # None: the prerequisite's outputs, at launch


@dataclass(frozen=True)
class Prerequisite:
    """The pass of another module this one reads; ``pass_number`` None: created alongside."""

    module: str
    pass_number: int | None


@dataclass(frozen=True)
class ProcessingJobPlan:
    """One (module, run) to add a processing pass to."""

    module: str
    run: int
    run_type: str
    level: str
    subjobs: tuple[SubjobPlan, ...]
    prerequisites: tuple[Prerequisite, ...] = ()
    catalogue_module: str | None = None  # when the job's name is not the catalogue's
    labels: tuple[str, ...] = ()
    priority: int = 0


def stream_level(level: str) -> bool:
    return level in STREAMED_LEVELS


def raw_input(file: RawFile, *, stream: bool) -> InputPlan:
    """A registered raw file as an input: its first good replica."""
    replica = next(r for r in file.replicas if r.status == "ok")
    return InputPlan(replica.url, file.name, file.size, file.adler32, file.events, stream)


def plan_subjobs(
    module: ProcessingModule, raw: Sequence[tuple[int, RawFile]]
) -> tuple[SubjobPlan, ...]:
    """The subjobs of one module for a run whose L2 files are ``raw`` (subrun, file)."""
    stream = stream_level(module.level)
    if module.level == "sub_run":
        if module.raw_processor:
            return tuple(SubjobPlan(s, (raw_input(f, stream=False),)) for s, f in raw)
        return tuple(SubjobPlan(s, None) for s in sorted({s for s, _f in raw}))
    if module.raw_processor:
        return (SubjobPlan(0, tuple(raw_input(f, stream=stream) for _s, f in raw)),)
    return (SubjobPlan(0, None),)


def modules_in_order(catalogue: ProcessingCatalogue, names: Sequence[str]) -> list[str]:
    """``names`` with every prerequisite before the modules that need it (stable otherwise)."""
    ordered: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in ordered or name in trail:
            return
        entry = catalogue.modules.get(name)  # production-processing jobs have own names
        for prerequisite in entry.prerequisites if entry else ():
            if prerequisite in names:
                visit(prerequisite, (*trail, name))
        ordered.append(name)

    for name in names:
        visit(name, ())
    return ordered


def plan_run(
    catalogue: ProcessingCatalogue,
    modules: Sequence[str],
    run: int,
    run_type: str,
    raw: Sequence[tuple[int, RawFile]],
    fixed_prerequisites: Mapping[str, int],
    *,
    forced: Mapping[str, int] | None = None,
    priority: int = 0,
) -> list[ProcessingJobPlan]:
    """The jobs of one run: every module of ``modules``, prerequisites first.

    A prerequisite pass given by the operator (``forced``) wins; otherwise one created in
    the same submission is read from that new pass, and any other from the pass
    ``fixed_prerequisites`` names (the caller found it).
    """
    forced = forced or {}
    ordered = modules_in_order(catalogue, modules)
    jobs = []
    for name in ordered:
        entry = catalogue.modules[name]
        prerequisites = tuple(
            Prerequisite(
                p,
                forced[p] if p in forced else (None if p in ordered else fixed_prerequisites[p]),
            )
            for p in entry.prerequisites
        )
        jobs.append(
            ProcessingJobPlan(
                module=name,
                run=run,
                run_type=run_type,
                level=entry.level,
                subjobs=plan_subjobs(entry, raw),
                prerequisites=prerequisites,
                priority=priority,
            )
        )
    return jobs


__all__ = [
    "InputPlan",
    "Prerequisite",
    "ProcessingJobPlan",
    "SubjobPlan",
    "modules_in_order",
    "plan_run",
    "plan_subjobs",
    "raw_input",
]
