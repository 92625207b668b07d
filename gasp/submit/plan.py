"""From a validated request to the list of jobs it creates: pure, so it is tested alone.

Rules (README, "Production requests"):

* time: ``n_runs`` jobs of one subjob each, simulating ``t_run`` ``t_format`` of detector time;
* number: ceil(n_ev / ev_per_run) jobs of one subjob; the last takes the remainder;
* run: one job per run, ``n_runs`` subjobs each (default 1), under that run's conditions;
* run_number: one job per run with ceil(n_ev / ev_per_run) subjobs of ev_per_run events,
  the last taking the remainder.

Generic modes (time, number) take the run numbers handed to them, which the caller
allocates after the highest run already used by the module.

How many jobs and subjobs an entry makes is known by arithmetic (``entry_size``) before
any list is built, so a request for 10**30 runs is refused, not expanded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gasp.catalog.model import ProductionCatalogue
from gasp.model.documents import EventMode, TemplateValue
from gasp.submit.request_file import SECONDS_PER, RequestEntry, RequestFile

GENERIC_MODES = ("time", "number")


@dataclass(frozen=True)
class SubjobPlan:
    subrun: int
    n_events: int | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class JobPlan:
    """One (module, run) to create a pass of."""

    entry: int
    module: str
    run: int
    event_mode: EventMode
    priority: int
    labels: tuple[str, ...]
    template: Mapping[str, TemplateValue] | None
    subjobs: tuple[SubjobPlan, ...] = field(default=())

    @property
    def n_events(self) -> int | None:
        counts = [s.n_events for s in self.subjobs]
        return None if any(c is None for c in counts) else sum(c for c in counts if c)

    @property
    def duration_s(self) -> float | None:
        spans = [s.duration_s for s in self.subjobs]
        return None if any(d is None for d in spans) else sum(d for d in spans if d)


def chunks(total: int, per_job: int) -> int:
    """How many chunks of ``per_job`` ``total`` makes (the last may be smaller)."""
    return -(-total // per_job)


def split_events(total: int, per_job: int) -> list[int]:
    """``total`` events in chunks of ``per_job``; the last takes the remainder."""
    full, remainder = divmod(total, per_job)
    return [per_job] * full + ([remainder] if remainder else [])


def generic_job_count(entry: RequestEntry, event_mode: str) -> int:
    """How many run numbers a generic entry needs."""
    if event_mode == "time":
        assert entry.n_runs is not None
        return entry.n_runs
    assert entry.n_ev is not None and entry.ev_per_run is not None
    return chunks(entry.n_ev, entry.ev_per_run)


def entry_size(entry: RequestEntry, event_mode: str, n_runs_given: int) -> tuple[int, int]:
    """(jobs, subjobs) an entry makes, computed without building them.

    ``n_runs_given`` is how many runs a run-mode entry takes (its ``run_numbers`` or the
    run list); generic modes ignore it.
    """
    if event_mode in GENERIC_MODES:
        jobs = generic_job_count(entry, event_mode)
        return jobs, jobs
    if event_mode == "run":
        return n_runs_given, n_runs_given * (entry.n_runs or 1)
    assert entry.n_ev is not None and entry.ev_per_run is not None
    return n_runs_given, n_runs_given * chunks(entry.n_ev, entry.ev_per_run)


def plan_entry(
    index: int, entry: RequestEntry, event_mode: EventMode, runs: Sequence[int]
) -> list[JobPlan]:
    """The jobs of one entry, given its runs (allocated ones for generic modes)."""
    labels = (entry.label,) if entry.label else ()
    template = dict(entry.template) if entry.template else None

    def job(run: int, subjobs: tuple[SubjobPlan, ...]) -> JobPlan:
        return JobPlan(
            index, entry.module, run, event_mode, entry.priority, labels, template, subjobs
        )

    if event_mode == "time":
        assert entry.t_run is not None and entry.t_format is not None
        seconds = entry.t_run * SECONDS_PER[entry.t_format]
        return [job(run, (SubjobPlan(0, duration_s=seconds),)) for run in runs]
    if event_mode == "number":
        assert entry.n_ev is not None and entry.ev_per_run is not None
        counts = split_events(entry.n_ev, entry.ev_per_run)
        return [
            job(run, (SubjobPlan(0, n_events=count),))
            for run, count in zip(runs, counts, strict=True)
        ]
    if event_mode == "run":
        subjobs = tuple(SubjobPlan(k) for k in range(entry.n_runs or 1))
        return [job(run, subjobs) for run in runs]
    assert entry.n_ev is not None and entry.ev_per_run is not None
    counts = split_events(entry.n_ev, entry.ev_per_run)
    subjobs = tuple(SubjobPlan(k, n_events=count) for k, count in enumerate(counts))
    return [job(run, subjobs) for run in runs]


def plan_request(
    request: RequestFile,
    catalogue: ProductionCatalogue,
    runs_by_entry: Mapping[int, Sequence[int]],
) -> list[JobPlan]:
    """Every job of a request, entry by entry, in the request's order."""
    jobs: list[JobPlan] = []
    for index, entry in enumerate(request.modules):
        mode = catalogue.modules[entry.module].event_mode
        jobs.extend(plan_entry(index, entry, mode, runs_by_entry[index]))
    return jobs
