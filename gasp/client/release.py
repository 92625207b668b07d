"""Releasing held passes nobody is looking after: stuck ones of this site, and every
unfinished pass of a site whose heartbeat went stale.

A released pass goes back to ``waiting`` with ``attempt + 1`` and no lock: the old
claim's token is gone, so anything its old jobs still try to record is refused (fencing),
and the new attempt's jobs carry new names.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gasp.client.context import ClientContext, parse_iso
from gasp.client.finalize import reset_subjob
from gasp.client.heartbeat import sites
from gasp.client.monitor import LIVE_SUBJOB
from gasp.client.passes import PassKey, update_passes
from gasp.model.states import PassState, SubjobState
from gasp.model.transitions import move_pass


def _release_change(ctx: ClientContext, why: str) -> Any:
    now = ctx.now_iso()

    def change(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
        if pass_doc["status"] not in (PassState.SUBMITTED, PassState.RUNNING):
            return False
        move_pass(pass_doc, PassState.WAITING, at=now, by=ctx.by, why=why)
        pass_doc["attempt"] = int(pass_doc.get("attempt", 1)) + 1
        pass_doc["lock"] = None
        for subjob in pass_doc["subjobs"]:
            if subjob["status"] != SubjobState.COMPLETED:
                reset_subjob(subjob)
        return True

    return change


def _held(ctx: ClientContext, site: str) -> list[tuple[PassKey, str, dict[str, Any]]]:
    held = []
    for status in (PassState.SUBMITTED, PassState.RUNNING):
        rows = ctx.db.view(
            "passes",
            "by_site",
            startkey=[site, str(status)],
            endkey=[site, str(status), {}],
            include_docs=True,
        )
        for row in rows:
            if not row.doc or not row.value[1]:
                continue
            number = int(row.key[-1])
            pass_doc = next(p for p in row.doc["passes"] if int(p["pass"]) == number)
            held.append(((str(row.key[2]), int(row.key[3]), number), str(row.value[1]), pass_doc))
    return held


def release_stuck(ctx: ClientContext) -> int:
    """This site's passes held longer than the stuck limit: cancel their jobs, release."""
    limit = ctx.now() - timedelta(hours=ctx.config.limits.stuck_hours)
    stuck = [
        (key, token, p)
        for key, token, p in _held(ctx, ctx.site)
        if parse_iso(str(p["lock"]["since"])) < limit
    ]
    if not stuck:
        return 0
    ids = [
        str(s["backend_id"])
        for _key, _token, p in stuck
        for s in p["subjobs"]
        if s["status"] in LIVE_SUBJOB and s.get("backend_id")
    ]
    if ids:
        ctx.backend.cancel(ids)
    change = _release_change(ctx, f"stuck for more than {ctx.config.limits.stuck_hours} h")
    return len(update_passes(ctx.db, {key: (token, change) for key, token, _p in stuck}).written)


def release_dead_sites(ctx: ClientContext) -> int:
    """Every unfinished pass of a site whose heartbeat is older than the stale limit."""
    limit = ctx.now() - timedelta(minutes=ctx.config.limits.heartbeat_stale_minutes)
    released = 0
    for site in sites(ctx):
        name = str(site.get("name"))
        beat = site.get("heartbeat")
        if name == ctx.site or not beat or parse_iso(str(beat)) >= limit:
            continue
        held = _held(ctx, name)
        if held:
            change = _release_change(ctx, f"site {name} silent since {beat}")
            outcome = update_passes(ctx.db, {key: (token, change) for key, token, _p in held})
            released += len(outcome.written)
    return released
