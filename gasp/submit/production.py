"""``gasp submit production``: a request file becomes job passes, all or nothing.

Order of writes, chosen so that a kill at any point leaves something ``--request ID``
completes exactly:

1. the ``request`` document (status ``approved``) with the validated specification;
2. the plan: generic run numbers reserved, recorded on the request document;
3. job passes, in bulk batches; each pass carries the request id, so a pass already
   written by an interrupted attempt is recognised and never written twice;
4. the ``.exactly`` list on the request document, status ``submitted``; then ``-o``.
"""

from __future__ import annotations

import getpass
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gasp.catalog.model import ProductionCatalogue
from gasp.catalog.stored import load_production_catalogue
from gasp.errors import Conflict, InputError, NotFound
from gasp.model.clock import utc_now
from gasp.model.ids import request_id
from gasp.model.job import new_pass
from gasp.store import Database
from gasp.submit.allocate import next_free_run, reserve_runs
from gasp.submit.exactly import Triple, compress, expand, format_lines
from gasp.submit.plan import GENERIC_MODES, JobPlan, generic_job_count, plan_request
from gasp.submit.request_file import (
    RequestFile,
    check_against_catalogue,
    parse_request_data,
    raise_problems,
    read_request,
)
from gasp.submit.runlist import read_run_list
from gasp.submit.write import BuildPass, NewPass, write_new_passes

KIND = "production"
Advance = Callable[[int], None]


@dataclass(frozen=True)
class Submission:
    """What a submission did (or, for a dry run, would do)."""

    request_name: str
    jobs: list[JobPlan]
    written: int
    already_present: int
    exactly: list[Triple]
    dry_run: bool = False

    @property
    def subjobs(self) -> int:
        return sum(len(job.subjobs) for job in self.jobs)


@dataclass(frozen=True)
class ValidRequest:
    request: RequestFile
    catalogue: ProductionCatalogue
    run_list: list[int] | None
    source: str


def validate_request(db: Database, path: Path, run_list_path: Path | None) -> ValidRequest:
    """Read and check everything first; every problem in one ``InputError``."""
    request, problems = read_request(path)
    run_list: list[int] | None = None
    if run_list_path is not None:
        run_list, list_problems = read_run_list(run_list_path)
        problems += list_problems
    catalogue = None
    if request is not None:
        try:
            catalogue = load_production_catalogue(db, request.rat_v)
        except InputError as exc:
            problems.append(f"{path}: rat_v: {exc}")
        else:
            problems += check_against_catalogue(
                request, catalogue, str(path), run_list=run_list if run_list_path else None
            )
    raise_problems(problems)
    assert request is not None and catalogue is not None
    return ValidRequest(request, catalogue, run_list, str(path))


def new_request_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def _spec(valid: ValidRequest, ratdb_tag: str | None) -> dict[str, Any]:
    """What identifies a request's content, compared when resuming."""
    return {
        "rat_version": valid.request.rat_v,
        "ratdb_tag": ratdb_tag,
        "modules": [e.model_dump(exclude_unset=True) for e in valid.request.modules],
        "run_list": valid.run_list,
    }


def _runs_of_entry(valid: ValidRequest, index: int) -> list[int]:
    entry = valid.request.modules[index]
    if entry.run_numbers is not None:
        return list(entry.run_numbers)
    return list(valid.run_list or [])


def _mode(valid: ValidRequest, index: int) -> str:
    return valid.catalogue.modules[valid.request.modules[index].module].event_mode


def _plan_runs(db: Database, valid: ValidRequest, *, reserve: bool) -> dict[int, list[int]]:
    """Runs per entry: real runs as given; generic runs reserved (or peeked in a dry run)."""
    runs: dict[int, list[int]] = {}
    peeked: dict[str, int] = {}
    for index, entry in enumerate(valid.request.modules):
        mode = _mode(valid, index)
        if mode not in GENERIC_MODES:
            runs[index] = _runs_of_entry(valid, index)
            continue
        count = generic_job_count(entry, mode)
        if reserve:
            first = reserve_runs(db, KIND, entry.module, count)
        else:
            first = peeked.get(entry.module) or next_free_run(db, KIND, entry.module)
            peeked[entry.module] = first + count
        runs[index] = list(range(first, first + count))
    return runs


def submit_production(
    db: Database,
    path: Path,
    *,
    ratdb_tag: str | None = None,
    run_list_path: Path | None = None,
    outlist: Path | None = None,
    resume: str | None = None,
    dry_run: bool = False,
    advance_factory: Callable[[int], Any] | None = None,
    on_request: Callable[[str], None] | None = None,
) -> Submission:
    """Validate, then (unless ``dry_run``) write the request and its passes."""
    valid = validate_request(db, path, run_list_path)
    if outlist is not None and not outlist.resolve().parent.is_dir():
        raise InputError(f"-o {outlist}: the folder {outlist.resolve().parent} does not exist")
    spec = _spec(valid, ratdb_tag)
    if dry_run:
        runs = _plan_runs(db, valid, reserve=False)
        jobs = plan_request(valid.request, valid.catalogue, runs)
        return Submission("(dry run)", jobs, 0, 0, [], dry_run=True)

    name = resume or new_request_name()
    request_doc = _open_request(db, name, spec, valid, resume=resume is not None)
    if on_request is not None:
        on_request(name)
    if request_doc.get("plan") is None:
        runs = _plan_runs(db, valid, reserve=True)
        request_doc["plan"] = [
            {"entry": i, "module": valid.request.modules[i].module, "runs": runs[i]}
            for i in sorted(runs)
        ]
        request_doc["n_jobs"] = sum(len(r) for r in runs.values())
        db.put(request_doc)
    runs = {int(p["entry"]): [int(r) for r in p["runs"]] for p in request_doc["plan"]}
    jobs = plan_request(valid.request, valid.catalogue, runs)

    if request_doc["status"] == "submitted":
        exactly = list(expand(request_doc["exactly"]))
        written, present = 0, len(exactly)
    else:
        context = advance_factory(len(jobs)) if advance_factory else None
        advance: Advance = context.__enter__() if context else (lambda _n: None)
        try:
            exactly, written, present = write_passes(
                db, jobs, name, valid.request.rat_v, ratdb_tag, advance
            )
        finally:
            if context:
                context.__exit__(None, None, None)
        close_request(db, request_doc, exactly, sum(len(j.subjobs) for j in jobs))
    if outlist is not None:
        _append_exactly(outlist, exactly)
    return Submission(name, jobs, written, present, exactly)


def _open_request(
    db: Database, name: str, spec: dict[str, Any], valid: ValidRequest, *, resume: bool
) -> dict[str, Any]:
    """Create the request document, or on resume find it and check it is the same request."""
    doc_id = request_id(name)
    if resume:
        try:
            doc = db.get(doc_id)
        except NotFound:
            raise InputError(f"--request {name}: no such request in the database") from None
        if doc.get("spec") != spec:
            raise InputError(
                f"--request {name}: the request was made from a different file, run list "
                "or database tag; give the same ones to complete it"
            )
        return doc
    now = utc_now()
    user = getpass.getuser()
    labels = sorted({e.label for e in valid.request.modules if e.label})
    new: dict[str, Any] = {
        "_id": doc_id,
        "type": "request",
        "kind": KIND,
        "name": name,
        "status": "approved",
        "requester": user,
        "created": now,
        "source": Path(valid.source).name,
        "rat_version": valid.request.rat_v,
        "ratdb_tag": spec["ratdb_tag"],
        "labels": labels,
        "spec": spec,
        "plan": None,
        "exactly": [],
        "history": [{"at": now, "status": "approved", "by": user}],
    }
    db.put(new)
    return new


def write_passes(
    db: Database,
    jobs: Sequence[JobPlan],
    request_name: str,
    rat_version: str,
    ratdb_tag: str | None,
    advance: Advance,
) -> tuple[list[Triple], int, int]:
    """Add one pass per job, in bulk; passes of this request already there are kept.

    Returns the ``.exactly`` triples in job order, how many passes were written now, and
    how many an earlier, interrupted attempt had written.
    """

    def builder(plan: JobPlan) -> BuildPass:
        def build(number: int, now: str, by: str) -> dict[str, Any]:
            return _pass_for(plan, number, rat_version, ratdb_tag, request_name, now, by)

        return build

    items = [NewPass(j.module, j.run, builder(j), tuple(j.labels)) for j in jobs]
    done = write_new_passes(db, KIND, items, request_name, advance)
    exactly = [(j.module, j.run, done.passes[(j.module, j.run)]) for j in jobs]
    return exactly, done.written, done.present


def _pass_for(
    plan: JobPlan,
    number: int,
    rat_version: str,
    ratdb_tag: str | None,
    request_name: str,
    now: str,
    by: str,
) -> dict[str, Any]:
    subjobs = []
    for subjob in plan.subjobs:
        entry: dict[str, Any] = {"subrun": subjob.subrun}
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


def close_request(db: Database, doc: dict[str, Any], exactly: list[Triple], subjobs: int) -> None:
    """Mark a request submitted with its ``.exactly`` list (retried on conflict)."""
    now = utc_now()
    while True:
        doc["status"] = "submitted"
        doc["exactly"] = compress(exactly)
        doc["n_jobs"] = len(exactly)
        doc["n_subjobs"] = subjobs
        doc["submitted"] = now
        doc["history"] = [*doc.get("history", []), {"at": now, "status": "submitted"}][-20:]
        try:
            db.put(doc)
            return
        except Conflict:
            fresh = db.get(doc["_id"])
            doc.clear()
            doc.update(fresh)


def _append_exactly(path: Path, exactly: list[Triple]) -> None:
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(format_lines(exactly))
    except OSError as exc:
        raise InputError(f"cannot write the .exactly list to {path}: {exc.strerror}") from exc


__all__ = ["Submission", "parse_request_data", "submit_production", "validate_request"]
