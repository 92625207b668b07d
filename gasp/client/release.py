"""Releasing held passes nobody is looking after: stuck ones of this site, and every
unfinished pass of a site whose heartbeat went stale.

A released pass goes back to ``waiting`` with ``attempt + 1`` and no lock
(``gasp.model.transitions.requeue``): the old claim's token is gone, so anything its old
jobs still try to record is refused (fencing), and the new attempt's jobs carry new names.

Times written by other sites are read with ``read_time``, and one that cannot be read
decides on the side of releasing: a claim whose ``lock.since`` is not a time counts as
stuck, and a site whose ``heartbeat`` is not a time as silent. Either way fencing keeps a
pass from being finished twice, whereas keeping such a pass would hold it forever. A site
with no heartbeat at all is left alone, as before: it has not started yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gasp.client.context import ClientContext
from gasp.client.heartbeat import sites
from gasp.client.monitor import HELD, LIVE_SUBJOB
from gasp.model.clock import read_time
from gasp.model.documents import JobDocument, PassDocument
from gasp.model.transitions import requeue
from gasp.passes.update import PassEdit, PassKey, find_pass, row_job, update_passes


@dataclass(frozen=True)
class Held:
    """A pass a site holds, with the token of its claim."""

    key: PassKey
    token: str
    pass_doc: PassDocument


def _release_edit(ctx: ClientContext, why: str) -> PassEdit:
    now = ctx.now_iso()

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        if pass_doc["status"] not in HELD:
            return False
        requeue(pass_doc, at=now, by=ctx.by, why=why)
        return True

    return edit


def _held(ctx: ClientContext, site: str) -> list[Held]:
    held = []
    for status in HELD:
        rows = ctx.db.view(
            "passes",
            "by_site",
            startkey=[site, status],
            endkey=[site, status, {}],
            include_docs=True,
        )
        for row in rows:
            job = row_job(row)
            if job is None or not row.value[1]:
                continue
            pass_doc = find_pass(job, int(row.key[-1]))
            assert pass_doc is not None  # the view row was made from this pass
            held.append(Held((job["module"], job["run"], pass_doc["pass"]), row.value[1], pass_doc))
    return held


def _release(ctx: ClientContext, held: list[Held], why: str) -> int:
    edit = _release_edit(ctx, why)
    return len(update_passes(ctx.db, {h.key: (h.token, edit) for h in held}).written)


def release_stuck(ctx: ClientContext) -> int:
    """This site's passes held longer than the stuck limit: cancel their jobs, release."""
    limit = ctx.now() - timedelta(hours=ctx.config.limits.stuck_hours)
    stuck = [h for h in _held(ctx, ctx.site) if _claimed_before(h.pass_doc, limit)]
    if not stuck:
        return 0
    ids = [
        s["backend_id"]
        for h in stuck
        for s in h.pass_doc["subjobs"]
        if s["status"] in LIVE_SUBJOB and s.get("backend_id")
    ]
    if ids:
        ctx.backend.cancel(ids)
    return _release(ctx, stuck, f"stuck for more than {ctx.config.limits.stuck_hours} h")


def _claimed_before(pass_doc: PassDocument, limit: datetime) -> bool:
    """Whether the claim is older than ``limit`` (one whose time is unreadable is)."""
    lock = pass_doc["lock"]
    since = read_time(lock.get("since")) if lock else None
    return since is None or since < limit


def release_dead_sites(ctx: ClientContext) -> int:
    """Every unfinished pass of a site whose heartbeat is older than the stale limit."""
    limit = ctx.now() - timedelta(minutes=ctx.config.limits.heartbeat_stale_minutes)
    released = 0
    for site in sites(ctx):
        name = str(site.get("name"))
        beat = site.get("heartbeat")
        if name == ctx.site or not beat:
            continue
        seen = read_time(beat)
        if seen is not None and seen >= limit:
            continue
        held = _held(ctx, name)
        if held:
            released += _release(ctx, held, f"site {name} silent since {beat}")
    return released
