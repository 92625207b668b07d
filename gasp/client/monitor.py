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
from typing import Any

from gasp.backends.base import BackendState, JobStatus
from gasp.client.context import ClientContext
from gasp.client.passes import Change, PassKey, update_passes
from gasp.errors import GaspError, InputError
from gasp.model.states import PassState, SubjobState
from gasp.model.transitions import move_pass, move_subjob
from gasp.runner.spec import REPORT_FILE, JobReport, parse_report

LIVE_SUBJOB = (SubjobState.SUBMITTED, SubjobState.RUNNING, SubjobState.UNKNOWN)
TERMINAL_SUBJOB = (SubjobState.COMPLETED, SubjobState.FAILED, SubjobState.CANCELED)


@dataclass
class LivePass:
    key: PassKey
    token: str
    job: dict[str, Any]
    pass_doc: dict[str, Any]


@dataclass
class MonitorResult:
    to_launch: dict[PassKey, str] = field(default_factory=dict)  # claimed, subjobs waiting
    to_finalize: list[PassKey] = field(default_factory=list)  # every subjob terminal
    tokens: dict[PassKey, str] = field(default_factory=dict)  # the claim of every live pass
    live: int = 0
    changed: int = 0


def live_passes(ctx: ClientContext) -> list[LivePass]:
    """This site's passes that are submitted or running, with their documents."""
    found: list[LivePass] = []
    for status in (PassState.SUBMITTED, PassState.RUNNING):
        rows = ctx.db.view(
            "passes",
            "by_site",
            startkey=[ctx.site, str(status)],
            endkey=[ctx.site, str(status), {}],
            include_docs=True,
        )
        for row in rows:
            if row.doc is None:
                continue
            number = int(row.key[-1])
            pass_doc = next(p for p in row.doc["passes"] if int(p["pass"]) == number)
            lock = pass_doc.get("lock") or {}
            if lock.get("site") != ctx.site or not lock.get("token"):
                continue
            key = (str(row.key[2]), int(row.key[3]), number)
            found.append(LivePass(key, str(lock["token"]), row.doc, pass_doc))
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


def _apply(
    ctx: ClientContext, subjob: dict[str, Any], status: JobStatus, token: str, now: str
) -> None:
    """Move one subjob according to what the backend (and the report) says."""
    state = status.state
    if state == BackendState.QUEUED:
        if subjob["status"] == SubjobState.UNKNOWN:
            move_subjob(subjob, SubjobState.SUBMITTED)
        subjob.pop("unknown_cycles", None)
    elif state == BackendState.RUNNING:
        move_subjob(subjob, SubjobState.RUNNING)
        subjob.setdefault("started", now)
        subjob.pop("unknown_cycles", None)
    elif state == BackendState.FINISHED:
        try:
            report = read_report(ctx, Path(subjob["workdir"]), str(subjob["name"]), token)
        except UnusableReport as exc:
            move_subjob(subjob, SubjobState.FAILED)
            why = " ".join(str(exc).split())[:500]
            subjob.update(
                finished=now, error=f"the job ended without a valid report: {why}", retryable=True
            )
            return
        subjob.update(
            started=report.started,
            finished=report.finished,
            exit_code=report.exit_code,
            cpu_s=round(report.cpu_s, 3),
            wall_s=round(report.wall_s, 3),
            error=report.error,
        )
        if report.status == "completed":
            subjob["files"] = [o.model_dump() for o in report.outputs]
            move_subjob(subjob, SubjobState.COMPLETED)
        else:
            move_subjob(subjob, SubjobState.FAILED)
    elif state == BackendState.FAILED:
        move_subjob(subjob, SubjobState.FAILED)
        subjob.update(
            finished=now,
            error=f"{ctx.backend.name}: {status.reason or 'job failed'}",
            retryable=True,
        )
    else:  # UNKNOWN: never read as finished; failed only after several cycles
        cycles = int(subjob.get("unknown_cycles", 0)) + 1
        if cycles >= ctx.config.limits.unknown_cycles:
            if subjob["status"] != SubjobState.UNKNOWN:
                move_subjob(subjob, SubjobState.UNKNOWN)
            move_subjob(subjob, SubjobState.FAILED)
            subjob.update(
                finished=now, error=f"{ctx.backend.name} lost track of the job", retryable=True
            )
            subjob.pop("unknown_cycles", None)
        else:
            move_subjob(subjob, SubjobState.UNKNOWN)
            subjob["unknown_cycles"] = cycles


def count_live(ctx: ClientContext) -> int:
    """How many passes this site holds, without asking the backend anything."""
    return sum(
        row.value
        for status in (PassState.SUBMITTED, PassState.RUNNING)
        for row in ctx.db.view(
            "passes",
            "by_site_count",
            startkey=[ctx.site, str(status)],
            endkey=[ctx.site, str(status), {}],
            reduce=True,
        )
    )


def _recorder(
    ctx: ClientContext,
    touched: dict[str, JobStatus],
    key: PassKey,
    now: str,
    ready: dict[PassKey, bool],
) -> Change:
    """The change that records what the backend said of one pass's subjobs."""

    def change(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
        before = json.dumps(pass_doc, sort_keys=True)
        for subjob in pass_doc["subjobs"]:
            status = touched.get(str(subjob.get("backend_id")))
            if status is not None and subjob["status"] in LIVE_SUBJOB:
                _apply(ctx, subjob, status, str(pass_doc["lock"]["token"]), now)
        if pass_doc["status"] == PassState.SUBMITTED and any(
            s["status"] not in (SubjobState.WAITING, SubjobState.SUBMITTED)
            for s in pass_doc["subjobs"]
        ):
            move_pass(pass_doc, PassState.RUNNING, at=now, by=ctx.by)
        ready[key] = all(s["status"] in TERMINAL_SUBJOB for s in pass_doc["subjobs"])
        return json.dumps(pass_doc, sort_keys=True) != before

    return change


def monitor(ctx: ClientContext) -> MonitorResult:
    """One batched status query; record what changed; say what to launch and finalize."""
    result = MonitorResult()
    passes = live_passes(ctx)
    result.live = len(passes)
    result.tokens = {p.key: p.token for p in passes}
    ids = [
        str(s["backend_id"])
        for p in passes
        for s in p.pass_doc["subjobs"]
        if s["status"] in LIVE_SUBJOB and s.get("backend_id")
    ]
    statuses = ctx.backend.status(ids) if ids else {}
    now = ctx.now_iso()
    changes = {}
    ready: dict[PassKey, bool] = {}
    for live in passes:
        subjobs = live.pass_doc["subjobs"]
        if any(s["status"] == SubjobState.WAITING for s in subjobs):
            result.to_launch[live.key] = live.token
        if all(s["status"] in TERMINAL_SUBJOB for s in subjobs):
            result.to_finalize.append(live.key)
            continue
        touched = {
            str(s["backend_id"]): statuses[str(s["backend_id"])]
            for s in subjobs
            if s["status"] in LIVE_SUBJOB and str(s.get("backend_id")) in statuses
        }
        if not touched:
            continue

        changes[live.key] = (live.token, _recorder(ctx, touched, live.key, now, ready))
    outcome = update_passes(ctx.db, changes)
    result.changed = len(outcome.written)
    result.to_finalize.extend(key for key in outcome.written if ready.get(key))
    return result
