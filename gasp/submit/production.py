"""``gasp submit production``: a request file becomes job passes, all or nothing.

Everything is checked before the first write: the request, entry by entry and against the
catalogue; the run list; the size of the plan against the site's ``[submit]`` bounds (by
arithmetic, before any job list is built); that the generic runs it needs stay within
``MAX_RUN``; the options; and that ``-o`` can be written. A request that fails any of it
leaves the database, the run allocators and the ``-o`` file as they were.

Order of writes, chosen so that a kill at any point leaves something ``--request ID``
completes exactly:

1. generic run numbers reserved (a kill right after burns them, nothing else);
2. the ``request`` document (status ``approved``) with the validated specification and
   its plan (the runs of every entry);
3. job passes, in bulk batches; each pass carries the request id, so a pass already
   written by an interrupted attempt is recognised and never written twice;
4. the ``.exactly`` list on the request document, status ``submitted``; then ``-o``.

The ``-o`` check, the dry run, opening or resuming the request, closing it and ``-o`` are
the request path every submit command shares (``gasp.submit.lifecycle``); what is this
module's own is the request file, its runs and its passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gasp.catalog.model import ProductionCatalogue
from gasp.catalog.stored import load_production_catalogue
from gasp.config import SubmitSection
from gasp.errors import InputError
from gasp.model.documents import (
    EventMode,
    Kind,
    NewSubjob,
    PassDocument,
    PlannedRuns,
    ProductionSpec,
    RequestFields,
    stored,
)
from gasp.model.exactly import Triple
from gasp.model.job import new_pass
from gasp.model.runlist import read_run_list
from gasp.progress_protocol import Advance, Progress, silent
from gasp.store import Database
from gasp.submit.allocate import next_free_run, reserve_runs, room_problem
from gasp.submit.lifecycle import DRY_RUN, PassesWritten, RequestLifecycle, SubmitResult
from gasp.submit.limits import size_problems
from gasp.submit.options import common_problems
from gasp.submit.plan import GENERIC_MODES, JobPlan, entry_size, generic_job_count, plan_request
from gasp.submit.request_file import (
    RUN_MODES,
    ParsedRequest,
    Problems,
    RequestFile,
    check_against_catalogue,
    parse_request_data,
    raise_problems,
    read_request,
)
from gasp.submit.write import BuildPass, NewPass, write_new_passes

KIND: Kind = "production"


@dataclass(frozen=True)
class ValidRequest:
    request: RequestFile
    catalogue: ProductionCatalogue
    run_list: list[int] | None
    source: str


def validate_request(
    db: Database,
    path: Path,
    run_list_path: Path | None,
    *,
    limits: SubmitSection | None = None,
) -> ValidRequest:
    """Read and check everything first; every problem, in file order, in one ``InputError``."""
    parsed = read_request(path)
    run_list: list[int] | None = None
    list_problems: list[str] = []
    if run_list_path is not None:
        run_list, list_problems = read_run_list(run_list_path)
    catalogue = None
    if parsed.rat_v is not None:
        try:
            catalogue = load_production_catalogue(db, parsed.rat_v)
        except InputError as exc:
            parsed.top.append(f"{path}: rat_v: {exc}")
    checked: Problems = {}
    later: list[str] = []
    if catalogue is not None:
        checked = check_against_catalogue(parsed, catalogue, run_list=run_list)
        later = _run_list_unused(parsed, catalogue, run_list_path) + _size_problems(
            parsed, catalogue, checked, run_list, limits or SubmitSection()
        )
    raise_problems(parsed.in_file_order(checked) + list_problems + later)
    assert catalogue is not None
    return ValidRequest(parsed.request(), catalogue, run_list, str(path))


def _run_list_unused(
    parsed: ParsedRequest, catalogue: ProductionCatalogue, run_list_path: Path | None
) -> list[str]:
    """``-L`` given to a request none of whose entries reads it: a conflict, not ignored."""
    if run_list_path is None or len(parsed.entries) < parsed.count:
        return []
    for entry in parsed.entries.values():
        module = catalogue.modules.get(entry.module)
        if module is None or (module.event_mode in RUN_MODES and entry.run_numbers is None):
            return []
    return [
        f"-L {run_list_path}: no entry of {parsed.source} takes its runs from a run list "
        "(only run-mode entries without run_numbers do)"
    ]


def _size_problems(
    parsed: ParsedRequest,
    catalogue: ProductionCatalogue,
    checked: Problems,
    run_list: Sequence[int] | None,
    limits: SubmitSection,
) -> list[str]:
    """The jobs and subjobs of the valid entries against the site's bounds (arithmetic)."""
    jobs = subjobs = 0
    for index, entry in parsed.entries.items():
        if checked.get(index):
            continue
        runs = entry.run_numbers if entry.run_numbers is not None else run_list
        size = entry_size(entry, catalogue.modules[entry.module].event_mode, len(runs or ()))
        jobs, subjobs = jobs + size[0], subjobs + size[1]
    return size_problems(f"{parsed.source}: the request makes", jobs, subjobs, limits)


def _spec(valid: ValidRequest, ratdb_tag: str | None) -> ProductionSpec:
    """What identifies a request's content, compared when resuming."""
    return {
        "rat_version": valid.request.rat_v,
        "ratdb_tag": ratdb_tag,
        "modules": [e.model_dump(exclude_unset=True) for e in valid.request.modules],
        "run_list": valid.run_list,
    }


def _mode(valid: ValidRequest, index: int) -> EventMode:
    return valid.catalogue.modules[valid.request.modules[index].module].event_mode


def _generic_needs(valid: ValidRequest) -> dict[int, tuple[str, int]]:
    """(module, how many runs) of each generic entry, by entry index."""
    return {
        index: (entry.module, generic_job_count(entry, _mode(valid, index)))
        for index, entry in enumerate(valid.request.modules)
        if _mode(valid, index) in GENERIC_MODES
    }


def _peek_runs(db: Database, valid: ValidRequest) -> dict[int, list[int]]:
    """The runs each entry would get now, reserving nothing; refused past ``MAX_RUN``."""
    runs: dict[int, list[int]] = {}
    following: dict[str, int] = {}
    problems: list[str] = []
    for index, entry in enumerate(valid.request.modules):
        runs[index] = (
            list(entry.run_numbers) if entry.run_numbers is not None else list(valid.run_list or [])
        )
    for index, (module, count) in _generic_needs(valid).items():
        first = following.get(module) or next_free_run(db, KIND, module)
        following[module] = first + count
        problem = room_problem(module, first, count)
        if problem is not None:
            problems.append(f"{valid.source}: modules[{index}]: {problem}")
            continue
        runs[index] = list(range(first, first + count))
    raise_problems(problems)
    return runs


def _reserve_runs(
    db: Database, valid: ValidRequest, peeked: dict[int, list[int]]
) -> list[PlannedRuns]:
    """The request's plan: generic runs reserved now, the others as given."""
    runs = dict(peeked)
    for index, (module, count) in _generic_needs(valid).items():
        first = reserve_runs(db, KIND, module, count)
        runs[index] = list(range(first, first + count))
    return [
        {"entry": i, "module": valid.request.modules[i].module, "runs": runs[i]}
        for i in sorted(runs)
    ]


def submit_production(
    db: Database,
    path: Path,
    *,
    ratdb_tag: str | None = None,
    run_list_path: Path | None = None,
    outlist: Path | None = None,
    resume: str | None = None,
    dry_run: bool = False,
    limits: SubmitSection | None = None,
    progress: Progress = silent,
    on_request: Callable[[str], None] | None = None,
) -> SubmitResult[JobPlan]:
    """Validate everything, then (unless ``dry_run``) write the request and its passes."""
    raise_problems(common_problems(ratdb_tag))
    if resume is not None and dry_run:
        raise InputError("--request completes a submission; it cannot be a --dry-run")
    valid = validate_request(db, path, run_list_path, limits=limits)
    lifecycle = RequestLifecycle(db, KIND, outlist, progress)
    spec = _spec(valid, ratdb_tag)
    if resume is not None:
        request_doc = lifecycle.resume(resume, spec)
        if request_doc.get("plan") is None:  # made before plans were written with the request
            request_doc["plan"] = _reserve_runs(db, valid, _peek_runs(db, valid))
            db.put(stored(request_doc))
        name = resume
    else:
        peeked = _peek_runs(db, valid)
        if dry_run:
            jobs = plan_request(valid.request, valid.catalogue, peeked)
            return SubmitResult(DRY_RUN, jobs, dry_run=True)
        request_doc = lifecycle.open(_request_fields(valid, spec, _reserve_runs(db, valid, peeked)))
        name = request_doc["name"]
    if on_request is not None:
        on_request(name)
    runs = {p["entry"]: p["runs"] for p in request_doc["plan"]}
    jobs = plan_request(valid.request, valid.catalogue, runs)
    done = lifecycle.complete(
        request_doc,
        jobs,
        lambda advance: write_passes(db, jobs, name, valid.request.rat_v, ratdb_tag, advance),
    )
    lifecycle.output(done.exactly)
    return SubmitResult(name, jobs, done.written, done.present, done.exactly)


def _request_fields(
    valid: ValidRequest, spec: ProductionSpec, plan: list[PlannedRuns]
) -> RequestFields:
    """What a production request document holds beside the common fields."""
    return {
        "source": Path(valid.source).name,
        "rat_version": valid.request.rat_v,
        "ratdb_tag": spec["ratdb_tag"],
        "labels": sorted({e.label for e in valid.request.modules if e.label}),
        "spec": spec,
        "plan": plan,
        "n_jobs": sum(len(p["runs"]) for p in plan),
    }


def write_passes(
    db: Database,
    jobs: Sequence[JobPlan],
    request_name: str,
    rat_version: str,
    ratdb_tag: str | None,
    advance: Advance,
) -> PassesWritten:
    """Add one pass per job, in bulk; passes of this request already there are kept.

    The ``.exactly`` triples come in job order; ``present`` counts the passes an earlier,
    interrupted attempt had written.
    """

    def builder(plan: JobPlan) -> BuildPass:
        def build(number: int, now: str, by: str) -> PassDocument:
            return _pass_for(plan, number, rat_version, ratdb_tag, request_name, now, by)

        return build

    items = [NewPass(j.module, j.run, builder(j), tuple(j.labels)) for j in jobs]
    done = write_new_passes(db, KIND, items, request_name, advance)
    exactly: list[Triple] = [(j.module, j.run, done.passes[(j.module, j.run)]) for j in jobs]
    return PassesWritten(exactly, done.written, done.present)


def _pass_for(
    plan: JobPlan,
    number: int,
    rat_version: str,
    ratdb_tag: str | None,
    request_name: str,
    now: str,
    by: str,
) -> PassDocument:
    subjobs: list[NewSubjob] = []
    for subjob in plan.subjobs:
        entry: NewSubjob = {"subrun": subjob.subrun}
        if subjob.n_events is not None:
            entry["n_events"] = subjob.n_events
        if subjob.duration_s is not None:
            entry["duration_s"] = subjob.duration_s
        subjobs.append(entry)
    return new_pass(
        pass_number=number,
        rat_version=rat_version,
        created=now,
        subjobs=subjobs,
        by=by,
        ratdb_tag=ratdb_tag,
        priority=plan.priority,
        request=request_name,
        labels=list(plan.labels),
        event_mode=plan.event_mode,
        n_events=plan.n_events,
        duration_s=plan.duration_s,
        template=dict(plan.template) if plan.template else None,
        prerequisites=[],
    )


__all__ = ["parse_request_data", "submit_production", "validate_request"]
