"""Selecting waiting passes by queue policy and claiming them in bulk.

The queue is a view, read in its order a page at a time; each page's claimable passes are
claimed with one bulk write, each on the revision just read, so two sites racing for the
same pass cannot both win: the loser gets a conflict and simply moves on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from gasp.client.context import ClientContext
from gasp.model.clock import read_time
from gasp.model.documents import JobDocument, PassDocument
from gasp.model.ids import job_id
from gasp.model.transitions import move_pass
from gasp.passes.update import PassEdit, PassKey, find_pass, read_jobs, row_job, update_passes
from gasp.store import UNSET, ViewRow
from gasp.turn.fence import TurnFence

# The queue views have a design document of their own, so that claiming (which rewrites
# the passes it reads) only makes the embedded store re-map these four views.
QUEUE_DESIGN = "queue"
QUEUE_POLICIES = ("priority", "runlevel", "newfirst", "serial")


@dataclass(frozen=True)
class Claimed:
    key: PassKey
    token: str


@dataclass
class Claims:
    """The passes this client won, and their job documents as written by the claim."""

    won: list[Claimed]
    documents: dict[str, JobDocument]

    def __len__(self) -> int:
        return len(self.won)


def _candidates(ctx: ClientContext, policy: str, page: int) -> Iterator[list[ViewRow]]:
    """Pages of the queue, each resumed from the last key seen (queue keys are unique).

    Not ``skip=1``: the last row seen is usually claimed by then and gone from the queue,
    and skipping would silently pass over the next waiting pass instead.
    """
    start: Any = UNSET  # the last key seen: a queue key is a JSON list
    while True:
        found = ctx.db.view(QUEUE_DESIGN, policy, startkey=start, limit=page + 1, include_docs=True)
        rows = [r for r in found if r.key != start][:page]
        if rows:
            yield rows
        if len(rows) < page:
            return
        start = rows[-1].key


class Candidate(NamedTuple):
    """One waiting pass of a queue page, with its job document as read with the page."""

    key: PassKey
    job: JobDocument
    pass_doc: PassDocument
    version: str


def _candidate(row: ViewRow) -> Candidate | None:
    """Queue keys differ in order by policy; the pass number is always last."""
    job = row_job(row)
    pass_doc = find_pass(job, int(row.key[-1])) if job else None
    if job is None or pass_doc is None:
        return None
    return Candidate((job["module"], job["run"], pass_doc["pass"]), job, pass_doc, row.value[0])


def _claimable(ctx: ClientContext, candidate: Candidate) -> bool:
    """Runnable here and now: a version this site runs, past its back-off, prerequisites met.

    A ``not_before`` that cannot be read as a time is no back-off: the pass is claimable
    (the claim removes it), rather than stuck in the queue or stopping the cycle.
    """
    if ctx.catalogue(candidate.version) is None:
        return False
    if candidate.pass_doc["status"] != "waiting":
        return False
    not_before = read_time(candidate.pass_doc.get("not_before"))
    return not (not_before is not None and not_before > ctx.now())


def _prerequisites_met(ctx: ClientContext, candidates: list[Candidate]) -> list[Candidate]:
    """Keep passes whose prerequisite passes are completed (one bulk read for the page)."""
    needed: dict[str, list[tuple[Candidate, int]]] = {}
    plain: list[Candidate] = []
    for candidate in candidates:
        prerequisites = candidate.pass_doc.get("prerequisites") or []
        if not prerequisites:
            plain.append(candidate)
            continue
        for item in prerequisites:
            needed.setdefault(job_id(item["module"], candidate.job["run"]), []).append(
                (candidate, item["pass"])
            )
    if not needed:
        return plain
    ids = list(needed)
    unmet: set[PassKey] = set()
    for doc_id, doc in zip(ids, read_jobs(ctx.db, ids), strict=True):
        for candidate, number in needed[doc_id]:
            prerequisite = find_pass(doc, number) if doc else None
            if prerequisite is None or prerequisite["status"] != "completed":
                unmet.add(candidate.key)
    met = [c for pairs in needed.values() for c, _n in pairs if c.key not in unmet]
    return plain + list({c.key: c for c in met}.values())


def _take(ctx: ClientContext, token: str, now: str) -> PassEdit:
    """The edit that claims one waiting pass for this client, under a fresh token."""

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        if pass_doc["status"] != "waiting":
            return False  # someone else claimed it since the page was read
        move_pass(pass_doc, "submitted", at=now, by=ctx.by, why="claimed")
        pass_doc["lock"] = {"site": ctx.site, "client": ctx.client_id, "token": token, "since": now}
        pass_doc["site"] = ctx.site
        pass_doc.pop("not_before", None)
        return True

    return edit


def claim(ctx: ClientContext, policy: str, wanted: int, fence: TurnFence | None = None) -> Claims:
    """Claim up to ``wanted`` passes in queue order; returns what this client won.

    Under ``gasp enqueue`` (``fence`` given) each batch is claimed only after one read
    shows the turn is still current; once it is not, claiming stops (``fence.lost``).
    """
    claims = Claims([], {})
    if wanted <= 0:
        return claims
    batch = ctx.config.limits.claim_batch
    won = claims.won
    for rows in _candidates(ctx, policy, page=batch):
        page = [c for c in map(_candidate, rows) if c is not None and _claimable(ctx, c)]
        chosen = _prerequisites_met(ctx, page)[: wanted - len(won)]
        if not chosen:
            continue
        tokens = {c.key: uuid.uuid4().hex for c in chosen}
        now = ctx.now_iso()
        if fence is not None and not fence.holds(ctx.db):
            break
        # Claimed on the revisions the page was read at: no second read.
        page_docs = {c.job["_id"]: c.job for c in chosen}
        outcome = update_passes(
            ctx.db,
            {key: (None, _take(ctx, token, now)) for key, token in tokens.items()},
            known=page_docs,
        )
        won.extend(Claimed(key, tokens[key]) for key in outcome.written)
        claims.documents.update(outcome.documents)
        ctx.conflicts += outcome.conflicts
        if len(won) >= wanted:
            break
    return claims
