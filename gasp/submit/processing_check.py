"""Everything a processing submission checks before it writes anything.

All or nothing, as for production: the catalogue of the software version, the modules of
``-N`` and ``--force-prereq-pass``, every selected run (registered, a run type the
catalogue knows, raw L2 files with a replica), the prerequisite passes, and the raw files
themselves on the storage element (size and adler32 as registered: a file that changed
since registration would be processed into wrong data). Every problem is collected and
reported at once; the result is the plan the writer follows.

Runs after a locked calibration run are *held*: not an error, not processed, reported.

The options are checked first (safe names, a one-line tag, a bounded priority), then an
explicit run list against the site's ``[submit] max_jobs`` before any run is read, and the
finished plan against ``max_jobs`` and ``max_subjobs`` before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from gasp.calib.lock import calibration_locks
from gasp.catalog.model import ProcessingCatalogue
from gasp.catalog.stored import load_processing_catalogue
from gasp.config import SubmitSection
from gasp.errors import GaspError, InputError
from gasp.model.documents import JobDocument, PassDocument, job_document
from gasp.model.ids import job_id
from gasp.model.run import CALIBRATION_RUN_TYPES, RawFile, RunDocument, l2_files, run_id
from gasp.model.states import PassState, PassStateName
from gasp.passes.prerequisites import target_state
from gasp.storage import transfer
from gasp.store import Database
from gasp.submit.limits import size_problems
from gasp.submit.options import common_problems, names_problems, value_problems
from gasp.submit.processing_plan import ProcessingJobPlan, plan_run
from gasp.submit.request_file import raise_problems
from gasp.submit.sensing import Selection, selected_runs
from gasp.values import check_name


@dataclass(frozen=True)
class ProcessingOptions:
    """One ``gasp submit processing`` command line, parsed."""

    selection: Selection
    rat_version: str
    modules: tuple[str, ...] = ()  # -N; empty: the run type's defaults
    ratdb_tag: str | None = None
    find_prereq: bool = False
    forced: Mapping[str, int] = field(default_factory=dict)  # --force-prereq-pass
    priority: int = 0
    verify_raw: bool = True


@dataclass
class ProcessingPlan:
    """What the submission will write, and the runs it holds back."""

    catalogue: ProcessingCatalogue
    jobs: list[ProcessingJobPlan] = field(default_factory=list)
    held: list[tuple[int, str]] = field(default_factory=list)  # (run, why)
    calibrations: list[tuple[str, int]] = field(default_factory=list)  # locks to set
    prerequisite_status: dict[tuple[str, int, int], PassStateName] = field(default_factory=dict)
    runs: list[int] = field(default_factory=list)  # every run considered, in order
    skipped: list[int] = field(default_factory=list)  # already processed (sense/block)


def _passes(job: JobDocument | None) -> list[PassDocument]:
    return job.get("passes", []) if job else []


def _latest(job: JobDocument | None, *, completed: bool) -> PassDocument | None:
    passes = [p for p in _passes(job) if not completed or p["status"] == "completed"]
    return max(passes, key=lambda p: p["pass"]) if passes else None


def _check_modules(catalogue: ProcessingCatalogue, options: ProcessingOptions) -> list[str]:
    known = ", ".join(catalogue.modules)
    problems = []
    for name in options.modules:
        if name not in catalogue.modules:
            problems.append(
                f"-N {name}: no such module in the processing catalogue of "
                f"{catalogue.rat_version} (known: {known})"
            )
    for name in options.forced:
        if name not in catalogue.modules:
            problems.append(f"--force-prereq-pass {name}: no such module (known: {known})")
    return problems


def _raw_problems(run: int, raw: Sequence[tuple[int, RawFile]], verify: bool) -> list[str]:
    problems = []
    if not raw:
        return [f"run {run}: no raw L2 files registered (gasp runs register)"]
    for subrun, file in raw:
        replicas = [r for r in file.replicas if r.status == "ok"]
        if not replicas:
            problems.append(f"run {run} subrun {subrun}: {file.name} has no replica")
        elif verify:
            try:
                transfer.verify(replicas[0].url, file.size, file.adler32)
            except GaspError as exc:
                problems.append(
                    f"run {run} subrun {subrun}: {file.name} differs from its registration "
                    f"(size {file.size}, adler32 {file.adler32}): {exc}"
                )
    return problems


def _blocked(locks: dict[str, int], run: int) -> str | None:
    for calib_type, lock_run in sorted(locks.items(), key=lambda item: item[1]):
        if lock_run < run:
            return f"held by the {calib_type} calibration lock of run {lock_run}"
    return None


def _read_runs(db: Database, numbers: Sequence[int]) -> dict[int, RunDocument]:
    """The run documents of these runs (one bulk read); every one must be registered."""
    problems: list[str] = []
    runs: dict[int, RunDocument] = {}
    for run, found in zip(numbers, db.get_many([run_id(r) for r in numbers]), strict=True):
        if found is None:
            problems.append(f"run {run}: not registered (gasp runs register / gasp runs import)")
            continue
        try:
            runs[run] = RunDocument.from_document(found)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            problems.append(f"run {run}: {where}: {first['msg']}")
    raise_problems(problems)
    return runs


def _modules_of(
    catalogue: ProcessingCatalogue, runs: Mapping[int, RunDocument], options: ProcessingOptions
) -> dict[int, list[str]]:
    """The modules each run gets: ``-N``, else its run type's defaults in the catalogue."""
    problems: list[str] = []
    modules_of: dict[int, list[str]] = {}
    for run, doc in runs.items():
        names = list(options.modules) or catalogue.modules_for_run_type.get(doc.run_type)
        if names is None:
            problems.append(
                f"run {run}: run type {doc.run_type!r} has no modules in the processing "
                f"catalogue of {catalogue.rat_version} (it lists "
                f"{', '.join(catalogue.modules_for_run_type) or 'none'}); choose them with -N"
            )
            continue
        modules_of[run] = list(names)
    raise_problems(problems)
    return modules_of


def option_problems(options: ProcessingOptions) -> list[str]:
    """The command line's own values, checked before anything is read."""
    return (
        value_problems("--rat-v", options.rat_version, check_name)
        + names_problems("-N", options.modules)
        + names_problems("--force-prereq-pass", options.forced)
        + common_problems(options.ratdb_tag, options.priority)
    )


def plan_size_problems(plan: ProcessingPlan, limits: SubmitSection) -> list[str]:
    """The plan's jobs and subjobs against the site's bounds."""
    subjobs = sum(len(job.subjobs) for job in plan.jobs)
    return size_problems("the submission makes", len(plan.jobs), subjobs, limits)


def check_processing(
    db: Database, options: ProcessingOptions, limits: SubmitSection | None = None
) -> ProcessingPlan:
    """Validate a submission and plan it; ``InputError`` lists every problem."""
    limits = limits or SubmitSection()
    raise_problems(option_problems(options))
    listed = options.selection.runs
    if listed is not None:  # every listed run makes at least one job
        what = f"the {len(listed)} runs listed make at least"
        raise_problems(size_problems(what, len(listed), 0, limits))
    catalogue = load_processing_catalogue(db, options.rat_version)  # names how to load one
    raise_problems(_check_modules(catalogue, options))
    plan = ProcessingPlan(catalogue)
    plan.runs = selected_runs(db, options.selection)
    if not plan.runs and options.selection.how == "reprocess":
        raise InputError(f"no complete registered runs in {options.selection.describe()}")
    runs = _read_runs(db, plan.runs)
    modules_of = _modules_of(catalogue, runs, options)
    jobs = _read_jobs(db, catalogue, modules_of)
    locks = {lock.calib_type: lock.run for lock in calibration_locks(db) if lock.locked}
    problems: list[str] = []
    for run in sorted(modules_of):
        problems += _plan_one_run(plan, runs[run], modules_of[run], jobs, locks, options)
    raise_problems(problems + plan_size_problems(plan, limits))
    return plan


def _read_jobs(
    db: Database, catalogue: ProcessingCatalogue, modules_of: Mapping[int, Sequence[str]]
) -> dict[str, JobDocument | None]:
    """Every job document the plan may read: the modules and their prerequisites, one read."""
    wanted = {
        job_id(name, run)
        for run, names in modules_of.items()
        for module in names
        for name in (module, *catalogue.modules[module].prerequisites)
    }
    ids = sorted(wanted)
    return {
        doc_id: job_document(found) if found is not None else None
        for doc_id, found in zip(ids, db.get_many(ids), strict=True)
    }


def _plan_one_run(
    plan: ProcessingPlan,
    doc: RunDocument,
    names: Sequence[str],
    jobs: Mapping[str, JobDocument | None],
    locks: dict[str, int],
    options: ProcessingOptions,
) -> list[str]:
    """Add one run's jobs to ``plan`` (or note it skipped or held); its problems, if any.

    A calibration run planned here moves ``locks`` on, so that later runs of the same
    submission are held behind it.
    """
    run = doc.run
    if options.selection.new_only:
        names = [n for n in names if not _passes(jobs.get(job_id(n, run)))]
        if not names:
            plan.skipped.append(run)
            return []
    why = _blocked(locks, run)
    if why is not None:
        plan.held.append((run, why))
        return []
    if doc.run_type in CALIBRATION_RUN_TYPES:
        plan.calibrations.append((doc.run_type, run))
        locks[doc.run_type] = max(run, locks.get(doc.run_type, run))
    if not doc.complete:
        return [f"run {run}: not complete yet"]
    raw = l2_files(doc)
    run_problems = _raw_problems(run, raw, options.verify_raw)
    fixed, prerequisite_problems = _prerequisites(
        plan.catalogue, names, run, jobs, options, plan.prerequisite_status
    )
    if run_problems or prerequisite_problems:
        return run_problems + prerequisite_problems
    plan.jobs += plan_run(
        plan.catalogue,
        names,
        run,
        doc.run_type,
        raw,
        fixed,
        forced=options.forced,
        priority=options.priority,
    )
    return []


def _prerequisites(
    catalogue: ProcessingCatalogue,
    names: Sequence[str],
    run: int,
    jobs: Mapping[str, JobDocument | None],
    options: ProcessingOptions,
    status: dict[tuple[str, int, int], PassStateName],
) -> tuple[dict[str, int], list[str]]:
    """The existing prerequisite passes each module of this run reads, and what is wrong."""
    fixed: dict[str, int] = {}
    problems: list[str] = []
    needed = {p for n in names for p in catalogue.modules[n].prerequisites}
    for prerequisite in sorted(needed):
        job = jobs.get(job_id(prerequisite, run))
        if prerequisite in options.forced:
            number = options.forced[prerequisite]
            found = next((p for p in _passes(job) if p["pass"] == number), None)
            if found is None:
                problems.append(
                    f"--force-prereq-pass {prerequisite} {number}: run {run} has no such pass "
                    f"of {prerequisite}"
                )
                continue
        elif prerequisite in names:
            continue  # created alongside, in this submission
        else:
            found = _latest(job, completed=options.find_prereq)
            if found is None:
                how = "completed pass" if options.find_prereq else "pass"
                problems.append(
                    f"run {run}: needs a {how} of its prerequisite {prerequisite} and has "
                    f"none (add -N {prerequisite}, or --force-prereq-pass)"
                )
                continue
        fixed[prerequisite] = found["pass"]
        status[(prerequisite, run, found["pass"])] = found["status"]
    return fixed, problems


def initial_status(
    job: ProcessingJobPlan, status: Mapping[tuple[str, int, int], PassStateName]
) -> PassState:
    """What a new pass starts as, given its prerequisite passes (those created alongside
    are ``new``): the same rule the client applies later (``target_state``)."""
    states: list[PassState | PassStateName] = [
        PassState.NEW
        if p.pass_number is None
        else status.get((p.module, job.run, p.pass_number), PassState.NEW)
        for p in job.prerequisites
    ]
    return target_state(states) if states else PassState.WAITING


__all__ = [
    "ProcessingOptions",
    "ProcessingPlan",
    "check_processing",
    "initial_status",
    "option_problems",
    "plan_size_problems",
]
