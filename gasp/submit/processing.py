"""``gasp submit processing``: detector runs into processing passes, all or nothing.

Order of writes, after everything was checked (``processing_check``):

1. the ``request`` document (kind ``processing``, in the processing database), so the
   passes of the submission have a home and ``gasp exactly --request`` lists them;
2. the calibration locks of the calibration runs processed (before their passes: killed
   in between, later runs are held, never processed past an unchecked calibration);
3. the passes, module by module in prerequisite order (a later module's pass names the
   pass number its prerequisite just got), each carrying the request name so a retried
   write never duplicates one;
4. dependants created ``new`` are checked once more against their prerequisites (one
   that completed while this ran is promoted now; the client promotes later ones);
5. the sensing document (``--start-run``), then the request is closed with its
   ``.exactly`` list, then ``-o`` (checked writable before step 1).
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gasp.calib.lock import set_calibration_lock
from gasp.client.prerequisites import settle_new_passes
from gasp.config import SubmitSection
from gasp.model.clock import utc_now
from gasp.model.ids import request_id
from gasp.model.job import new_pass
from gasp.model.states import PassState
from gasp.store import Database
from gasp.submit.exactly import Triple
from gasp.submit.options import append_exactly, check_outlist
from gasp.submit.processing_check import (
    ProcessingOptions,
    ProcessingPlan,
    check_processing,
    initial_status,
)
from gasp.submit.processing_plan import ProcessingJobPlan, modules_in_order
from gasp.submit.production import close_request, new_request_name
from gasp.submit.sensing import record_sensed
from gasp.submit.write import BuildPass, NewPass, write_new_passes

KIND = "processing"


@dataclass
class ProcessingSubmission:
    """What a submission did (or, for a dry run, would do)."""

    request_name: str
    jobs: list[ProcessingJobPlan]
    held: list[tuple[int, str]]
    skipped: list[int]
    exactly: list[Triple] = field(default_factory=list)
    written: int = 0
    already_present: int = 0
    dry_run: bool = False

    @property
    def subjobs(self) -> int:
        return sum(len(job.subjobs) for job in self.jobs)


def submit_processing(
    db: Database,
    options: ProcessingOptions,
    *,
    outlist: Path | None = None,
    dry_run: bool = False,
    limits: SubmitSection | None = None,
    advance_factory: Callable[[int], Any] | None = None,
) -> ProcessingSubmission:
    """Validate, then (unless ``dry_run``) write the request, locks and passes."""
    plan = check_processing(db, options, limits)
    check_outlist(outlist)
    result = ProcessingSubmission("(dry run)", plan.jobs, plan.held, plan.skipped, dry_run=dry_run)
    if dry_run:
        return result
    write_plan(db, plan, options, result, advance_factory=advance_factory)
    if options.selection.how == "sense":
        handled = _sensed_up_to(plan)
        if handled is not None:
            record_sensed(db, handled)
    append_exactly(outlist, result.exactly)
    return result


def write_plan(
    db: Database,
    plan: ProcessingPlan,
    options: ProcessingOptions,
    result: ProcessingSubmission,
    *,
    advance_factory: Callable[[int], Any] | None = None,
    source: dict[str, Any] | None = None,
) -> None:
    """Write a checked plan: request, calibration locks, passes, then close the request."""
    if not plan.jobs:
        return
    result.request_name = new_request_name()
    request_doc = _open_request(db, result.request_name, options, plan, source)
    for calib_type, run in plan.calibrations:
        set_calibration_lock(db, calib_type, run)
    context = advance_factory(len(plan.jobs)) if advance_factory else None
    advance = context.__enter__() if context else (lambda _n: None)
    try:
        _write(db, plan, options, result, advance)
    finally:
        if context:
            context.__exit__(None, None, None)
    close_request(db, request_doc, result.exactly, result.subjobs)


def _sensed_up_to(plan: ProcessingPlan) -> int | None:
    """The last run sensing may skip next time: every run before the first held one."""
    first_held = min((run for run, _why in plan.held), default=None)
    handled = [r for r in plan.runs if first_held is None or r < first_held]
    return max(handled) if handled else None


def _write(
    db: Database,
    plan: ProcessingPlan,
    options: ProcessingOptions,
    result: ProcessingSubmission,
    advance: Callable[[int], None],
) -> None:
    created: dict[tuple[str, int], int] = {}
    order = modules_in_order(plan.catalogue, list(dict.fromkeys(j.module for j in plan.jobs)))
    waiting_on_existing: list[tuple[str, int, int]] = []
    for module in order:
        jobs = [j for j in plan.jobs if j.module == module]
        items = [
            NewPass(
                j.module,
                j.run,
                _builder(j, created, plan, options, result.request_name),
                j.labels,
                first_only=options.selection.new_only,
            )
            for j in jobs
        ]
        done = write_new_passes(db, KIND, items, result.request_name, advance)
        created.update(done.passes)
        result.written += done.written
        result.already_present += done.present
        for job in jobs:
            number = done.passes.get((job.module, job.run))
            if number is None:
                continue  # someone else made its first pass meanwhile (sense/block)
            result.exactly.append((job.module, job.run, number))
            if job.prerequisites and all(p.pass_number is not None for p in job.prerequisites):
                waiting_on_existing.append((job.module, job.run, number))
    settle_new_passes(db, waiting_on_existing, by=f"submit:{result.request_name}")


def _builder(
    job: ProcessingJobPlan,
    created: dict[tuple[str, int], int],
    plan: ProcessingPlan,
    options: ProcessingOptions,
    request_name: str,
) -> BuildPass:
    def build(number: int, now: str, by: str) -> dict[str, Any]:
        prerequisites = [
            {
                "module": p.module,
                "pass": p.pass_number
                if p.pass_number is not None
                else created[(p.module, job.run)],
            }
            for p in job.prerequisites
        ]
        subjobs: list[dict[str, Any]] = []
        for subjob in job.subjobs:
            entry: dict[str, Any] = {"subrun": subjob.subrun}
            if subjob.inputs is not None:
                entry["inputs"] = [i.document() for i in subjob.inputs]
            subjobs.append(entry)
        fields: dict[str, Any] = {}
        if job.catalogue_module:
            fields["catalogue_module"] = job.catalogue_module
        return new_pass(
            pass_number=number,
            rat_version=options.rat_version,
            created=now,
            subjobs=subjobs,
            status=PassState(initial_status(job, plan.prerequisite_status)),
            by=by,
            ratdb_tag=options.ratdb_tag,
            priority=job.priority,
            request=request_name,
            labels=list(job.labels),
            level=job.level,
            run_type=job.run_type,
            prerequisites=prerequisites,
            **fields,
        )

    return build


def _open_request(
    db: Database,
    name: str,
    options: ProcessingOptions,
    plan: ProcessingPlan,
    source: dict[str, Any] | None,
) -> dict[str, Any]:
    now = utc_now()
    user = getpass.getuser()
    selection = options.selection
    doc: dict[str, Any] = {
        "_id": request_id(name),
        "type": "request",
        "kind": KIND,
        "name": name,
        "status": "approved",
        "requester": user,
        "created": now,
        "rat_version": options.rat_version,
        "ratdb_tag": options.ratdb_tag,
        "labels": sorted({label for job in plan.jobs for label in job.labels}),
        "spec": {
            "source": source,
            "selection": selection.how,
            "first": selection.first,
            "last": selection.last,
            "runs": list(selection.runs) if selection.runs is not None else None,
            "modules": list(options.modules),
            "find_prereq": options.find_prereq,
            "forced": dict(options.forced),
        },
        "plan": [
            {"module": m, "runs": sorted({j.run for j in plan.jobs if j.module == m})}
            for m in dict.fromkeys(j.module for j in plan.jobs)
        ],
        "held": [{"run": run, "why": why} for run, why in plan.held],
        "n_jobs": len(plan.jobs),
        "exactly": [],
        "history": [{"at": now, "status": "approved", "by": user}],
    }
    db.put(doc)
    return doc


__all__ = [
    "ProcessingOptions",
    "ProcessingSubmission",
    "submit_processing",
    "write_plan",
]
