"""Following this site's live passes: one status query to the backend for all of them.

Reports that workers leave in job folders are external input: each is parsed with the
same bounds as every other file (``gasp.runner.spec.parse_report``: finite, non-negative
times, plain file names), and one whose token or name does not match the claim is ignored
as stale (it belongs to an attempt that was released and retried). A subjob whose report
is unusable fails, retryably, with the reason in its ``error``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gasp.backends.base import BackendState, JobStatus
from gasp.client.context import ClientContext
from gasp.errors import GaspError, InputError
from gasp.jobfolder import REPORT_FILE
from gasp.model.documents import (
    JobDocument,
    OutputFile,
    PassDocument,
    PassStateName,
    SubjobDocument,
    SubjobStateName,
)
from gasp.model.transitions import move_pass, move_subjob
from gasp.passes.update import PassEdit, PassKey, find_pass, row_job, update_passes
from gasp.runner.spec import JobReport, OutputReport, parse_report

HELD: tuple[PassStateName, ...] = ("submitted", "running")  # a site's claim is live
LIVE_SUBJOB: tuple[SubjobStateName, ...] = ("submitted", "running", "unknown")
TERMINAL_SUBJOB: tuple[SubjobStateName, ...] = ("completed", "failed", "canceled")


@dataclass
class LivePass:
    key: PassKey
    token: str
    job: JobDocument
    pass_doc: PassDocument


@dataclass
class MonitorResult:
    to_launch: dict[PassKey, str] = field(default_factory=dict)  # claimed, subjobs waiting
    to_finalize: list[PassKey] = field(default_factory=list)  # every subjob terminal
    tokens: dict[PassKey, str] = field(default_factory=dict)  # the claim of every live pass
    cancel_requested: list[PassKey] = field(default_factory=list)  # by an operator (cancel.py)
    live: int = 0
    changed: int = 0


def live_passes(ctx: ClientContext) -> list[LivePass]:
    """This site's passes that are submitted or running, with their documents."""
    found: list[LivePass] = []
    for status in HELD:
        rows = ctx.db.view(
            "passes",
            "by_site",
            startkey=[ctx.site, status],
            endkey=[ctx.site, status, {}],
            include_docs=True,
        )
        for row in rows:
            job = row_job(row)
            if job is None:
                continue
            pass_doc = find_pass(job, int(row.key[-1]))
            assert pass_doc is not None  # the view row was made from this pass
            lock = pass_doc.get("lock")
            if not lock or lock.get("site") != ctx.site or not lock.get("token"):
                continue
            key = (job["module"], job["run"], pass_doc["pass"])
            found.append(LivePass(key, lock["token"], job, pass_doc))
    return found


class UnusableReport(GaspError):
    """A finished job left no report, an invalid one, or one of another attempt."""


def read_report(ctx: ClientContext, workdir: Path, name: str, token: str) -> JobReport:
    """The report of a finished job; ``UnusableReport`` saying why it cannot be used."""
    text = ctx.backend.read_report(name, workdir)
    if text is None:
        raise UnusableReport("no report.json")
    try:
        report = parse_report(text, str(workdir / REPORT_FILE))
    except InputError as exc:
        raise UnusableReport(str(exc)) from None
    if report.name != name or report.token != token:
        raise UnusableReport(f"report.json belongs to another attempt ({report.name!r})")
    return report


def _output_file(output: OutputReport) -> OutputFile:
    """A stored output as the report names it; finalize registers it in its data document."""
    return {
        "data_type": output.data_type,
        "name": output.name,
        "lfn": output.lfn,
        "size": output.size,
        "adler32": output.adler32,
        "events": output.events,
        "se": output.se,
        "url": output.url,
    }


def _apply(
    ctx: ClientContext, subjob: SubjobDocument, status: JobStatus, token: str, now: str
) -> None:
    """Move one subjob according to what the backend (and the report) says."""
    state = status.state
    if state == BackendState.QUEUED:
        if subjob["status"] == "unknown":
            move_subjob(subjob, "submitted")
        subjob.pop("unknown_cycles", None)
    elif state == BackendState.RUNNING:
        move_subjob(subjob, "running")
        subjob.setdefault("started", now)
        subjob.pop("unknown_cycles", None)
    elif state == BackendState.FINISHED:
        _finished(ctx, subjob, token, now)
    elif state == BackendState.FAILED:
        _fail_retryable(subjob, now, f"{ctx.backend.name}: {status.reason or 'job failed'}")
    else:  # UNKNOWN: never read as finished; failed only after several cycles
        _unknown(ctx, subjob, now)


def _finished(ctx: ClientContext, subjob: SubjobDocument, token: str, now: str) -> None:
    """A job that ended: its report says how; without a usable one it failed, retryably."""
    try:
        report = read_report(ctx, Path(subjob["workdir"]), subjob["name"], token)
    except UnusableReport as exc:
        why = " ".join(str(exc).split())[:500]
        _fail_retryable(subjob, now, f"the job ended without a valid report: {why}")
        return
    subjob.update(
        {
            "started": report.started,
            "finished": report.finished,
            "exit_code": report.exit_code,
            "cpu_s": round(report.cpu_s, 3),
            "wall_s": round(report.wall_s, 3),
            "error": report.error,
        }
    )
    if report.status == "completed":
        subjob["files"] = [_output_file(o) for o in report.outputs]
        move_subjob(subjob, "completed")
    else:
        move_subjob(subjob, "failed")


def _unknown(ctx: ClientContext, subjob: SubjobDocument, now: str) -> None:
    """A job the backend cannot find this cycle: ``unknown`` for a few cycles, then lost."""
    cycles = subjob.get("unknown_cycles", 0) + 1
    if cycles < ctx.config.limits.unknown_cycles:
        move_subjob(subjob, "unknown")
        subjob["unknown_cycles"] = cycles
        return
    if subjob["status"] != "unknown":
        move_subjob(subjob, "unknown")
    _fail_retryable(subjob, now, f"{ctx.backend.name} lost track of the job")
    subjob.pop("unknown_cycles", None)


def _fail_retryable(subjob: SubjobDocument, now: str, error: str) -> None:
    """Failed for a reason of the infrastructure, not the job's: worth another attempt."""
    move_subjob(subjob, "failed")
    subjob.update({"finished": now, "error": error, "retryable": True})


def count_live(ctx: ClientContext) -> int:
    """How many passes this site holds, without asking the backend anything."""
    return sum(
        row.value
        for status in HELD
        for row in ctx.db.view(
            "passes",
            "by_site_count",
            startkey=[ctx.site, status],
            endkey=[ctx.site, status, {}],
            reduce=True,
        )
    )


def _recorder(
    ctx: ClientContext,
    touched: dict[str, JobStatus],
    key: PassKey,
    token: str,
    now: str,
    ready: dict[PassKey, bool],
) -> PassEdit:
    """The edit that records what the backend said of one pass's subjobs."""

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        before = json.dumps(pass_doc, sort_keys=True)
        for subjob in pass_doc["subjobs"]:
            status = touched.get(subjob.get("backend_id", ""))
            if status is not None and subjob["status"] in LIVE_SUBJOB:
                _apply(ctx, subjob, status, token, now)
        if pass_doc["status"] == "submitted" and any(
            s["status"] not in ("waiting", "submitted") for s in pass_doc["subjobs"]
        ):
            move_pass(pass_doc, "running", at=now, by=ctx.by)
        ready[key] = all(s["status"] in TERMINAL_SUBJOB for s in pass_doc["subjobs"])
        return json.dumps(pass_doc, sort_keys=True) != before

    return edit


def monitor(ctx: ClientContext) -> MonitorResult:
    """One batched status query; record what changed; say what to launch and finalize."""
    result = MonitorResult()
    passes = live_passes(ctx)
    result.live = len(passes)
    result.tokens = {p.key: p.token for p in passes}
    ids = [
        s["backend_id"]
        for p in passes
        for s in p.pass_doc["subjobs"]
        if s["status"] in LIVE_SUBJOB and s.get("backend_id")
    ]
    statuses = ctx.backend.status(ids) if ids else {}
    now = ctx.now_iso()
    edits: dict[PassKey, tuple[str | None, PassEdit]] = {}
    ready: dict[PassKey, bool] = {}
    for live in passes:
        subjobs = live.pass_doc["subjobs"]
        if "cancel_requested" in live.pass_doc:
            result.cancel_requested.append(live.key)
        if any(s["status"] == "waiting" for s in subjobs):
            result.to_launch[live.key] = live.token
        if all(s["status"] in TERMINAL_SUBJOB for s in subjobs):
            result.to_finalize.append(live.key)
            continue
        touched = {
            s["backend_id"]: statuses[s["backend_id"]]
            for s in subjobs
            if s["status"] in LIVE_SUBJOB and s.get("backend_id") in statuses
        }
        if not touched:
            continue

        edits[live.key] = (live.token, _recorder(ctx, touched, live.key, live.token, now, ready))
    outcome = update_passes(ctx.db, edits)
    result.changed = len(outcome.written)
    result.to_finalize.extend(key for key in outcome.written if ready.get(key))
    return result
