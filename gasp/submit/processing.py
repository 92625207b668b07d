"""``gasp submit processing``: detector runs into processing passes, all or nothing.

Order of writes, after everything was checked (``processing_check``) and ``-o`` was found
writable:

1. the ``request`` document (kind ``processing``, in the processing database), so the
   passes of the submission have a home and ``gasp exactly --request`` lists them;
2. the calibration locks of the calibration runs processed (before their passes: killed
   in between, later runs are held, never processed past an unchecked calibration);
3. the passes, module by module in prerequisite order (a later module's pass names the
   pass number its prerequisite just got), each carrying the request name so a retried
   write never duplicates one;
4. dependants created ``new`` are checked once more against their prerequisites (one
   that completed while this ran is promoted now; the client promotes later ones);
5. the request is closed with its ``.exactly`` list, then the sensing document
   (``--start-run``), then ``-o``.

Opening and closing the request, the ``-o`` check and append and the dry run are the
request path every submit command shares (``gasp.submit.lifecycle``); a plan without
jobs opens no request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gasp.calib.lock import set_calibration_lock
from gasp.config import SubmitSection
from gasp.model.documents import (
    Kind,
    NewSubjob,
    PassDocument,
    PassFields,
    Prerequisite,
    ProcessingSpec,
    RequestFields,
    RequestSource,
)
from gasp.model.exactly import Triple
from gasp.model.job import new_pass
from gasp.passes.prerequisites import settle_new_passes
from gasp.progress_protocol import Advance, Progress, silent
from gasp.store import Database
from gasp.submit.lifecycle import DRY_RUN, PassesWritten, RequestLifecycle, SubmitResult
from gasp.submit.processing_check import (
    ProcessingOptions,
    ProcessingPlan,
    check_processing,
    initial_status,
)
from gasp.submit.processing_plan import ProcessingJobPlan, modules_in_order
from gasp.submit.sensing import record_sensed
from gasp.submit.write import BuildPass, NewPass, write_new_passes

KIND: Kind = "processing"


@dataclass(frozen=True)
class ProcessingSubmitResult(SubmitResult[ProcessingJobPlan]):
    """What a processing submission did (or would do), and the runs it did not process."""

    held: list[tuple[int, str]] = field(default_factory=list)  # (run, why)
    skipped: list[int] = field(default_factory=list)  # already processed (sense/block)


def submit_processing(
    db: Database,
    options: ProcessingOptions,
    *,
    outlist: Path | None = None,
    dry_run: bool = False,
    limits: SubmitSection | None = None,
    progress: Progress = silent,
) -> ProcessingSubmitResult:
    """Validate, then (unless ``dry_run``) write the request, locks and passes."""
    plan = check_processing(db, options, limits)
    lifecycle = RequestLifecycle(db, KIND, outlist, progress)
    if dry_run:
        return ProcessingSubmitResult(
            DRY_RUN, plan.jobs, dry_run=True, held=plan.held, skipped=plan.skipped
        )
    result = write_plan(lifecycle, plan, options)
    if options.selection.how == "sense":
        handled = _sensed_up_to(plan)
        if handled is not None:
            record_sensed(db, handled)
    lifecycle.output(result.exactly)
    return result


def write_plan(
    lifecycle: RequestLifecycle,
    plan: ProcessingPlan,
    options: ProcessingOptions,
    source: RequestSource | None = None,
) -> ProcessingSubmitResult:
    """Write a checked plan: request, calibration locks, passes, then close the request."""
    if not plan.jobs:
        return ProcessingSubmitResult(DRY_RUN, plan.jobs, held=plan.held, skipped=plan.skipped)
    request_doc = lifecycle.open(_request_fields(options, plan, source))
    name = request_doc["name"]
    for calib_type, run in plan.calibrations:
        set_calibration_lock(lifecycle.db, calib_type, run)
    done = lifecycle.complete(
        request_doc,
        plan.jobs,
        lambda advance: _write(lifecycle.db, plan, options, name, advance),
    )
    return ProcessingSubmitResult(
        name,
        plan.jobs,
        done.written,
        done.present,
        done.exactly,
        held=plan.held,
        skipped=plan.skipped,
    )


def _sensed_up_to(plan: ProcessingPlan) -> int | None:
    """The last run sensing may skip next time: every run before the first held one."""
    first_held = min((run for run, _why in plan.held), default=None)
    handled = [r for r in plan.runs if first_held is None or r < first_held]
    return max(handled) if handled else None


def _write(
    db: Database,
    plan: ProcessingPlan,
    options: ProcessingOptions,
    request_name: str,
    advance: Advance,
) -> PassesWritten:
    created: dict[tuple[str, int], int] = {}
    order = modules_in_order(plan.catalogue, list(dict.fromkeys(j.module for j in plan.jobs)))
    exactly: list[Triple] = []
    written = present = 0
    waiting_on_existing: list[tuple[str, int, int]] = []
    for module in order:
        jobs = [j for j in plan.jobs if j.module == module]
        items = [
            NewPass(
                j.module,
                j.run,
                _builder(j, created, plan, options, request_name),
                j.labels,
                first_only=options.selection.new_only,
            )
            for j in jobs
        ]
        done = write_new_passes(db, KIND, items, request_name, advance)
        created.update(done.passes)
        written += done.written
        present += done.present
        for job in jobs:
            number = done.passes.get((job.module, job.run))
            if number is None:
                continue  # someone else made its first pass meanwhile (sense/block)
            exactly.append((job.module, job.run, number))
            if job.prerequisites and all(p.pass_number is not None for p in job.prerequisites):
                waiting_on_existing.append((job.module, job.run, number))
    settle_new_passes(db, waiting_on_existing, by=f"submit:{request_name}")
    return PassesWritten(exactly, written, present)


def _builder(
    job: ProcessingJobPlan,
    created: dict[tuple[str, int], int],
    plan: ProcessingPlan,
    options: ProcessingOptions,
    request_name: str,
) -> BuildPass:
    def build(number: int, now: str, by: str) -> PassDocument:
        prerequisites: list[Prerequisite] = [
            {
                "module": p.module,
                "pass": p.pass_number
                if p.pass_number is not None
                else created[(p.module, job.run)],
            }
            for p in job.prerequisites
        ]
        subjobs: list[NewSubjob] = []
        for subjob in job.subjobs:
            entry: NewSubjob = {"subrun": subjob.subrun}
            if subjob.inputs is not None:
                entry["inputs"] = [i.document() for i in subjob.inputs]
            subjobs.append(entry)
        fields: PassFields = {
            "ratdb_tag": options.ratdb_tag,
            "priority": job.priority,
            "request": request_name,
            "labels": list(job.labels),
            "level": job.level,
            "run_type": job.run_type,
            "prerequisites": prerequisites,
        }
        if job.catalogue_module:
            fields["catalogue_module"] = job.catalogue_module
        return new_pass(
            pass_number=number,
            rat_version=options.rat_version,
            created=now,
            subjobs=subjobs,
            status=initial_status(job, plan.prerequisite_status),
            by=by,
            **fields,
        )

    return build


def _request_fields(
    options: ProcessingOptions, plan: ProcessingPlan, source: RequestSource | None
) -> RequestFields:
    """What a processing request document holds beside the common fields."""
    selection = options.selection
    spec: ProcessingSpec = {
        "source": source,
        "selection": selection.how,
        "first": selection.first,
        "last": selection.last,
        "runs": list(selection.runs) if selection.runs is not None else None,
        "modules": list(options.modules),
        "find_prereq": options.find_prereq,
        "forced": dict(options.forced),
    }
    return {
        "rat_version": options.rat_version,
        "ratdb_tag": options.ratdb_tag,
        "labels": sorted({label for job in plan.jobs for label in job.labels}),
        "spec": spec,
        "plan": [
            {"module": m, "runs": sorted({j.run for j in plan.jobs if j.module == m})}
            for m in dict.fromkeys(j.module for j in plan.jobs)
        ],
        "held": [{"run": run, "why": why} for run, why in plan.held],
        "n_jobs": len(plan.jobs),
    }


__all__ = [
    "ProcessingOptions",
    "ProcessingSubmitResult",
    "submit_processing",
    "write_plan",
]
