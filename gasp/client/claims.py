"""Selecting waiting passes by queue policy and claiming them in bulk.

The queue is a view, read in its order a page at a time; each page's claimable passes are
claimed with one bulk write, each on the revision just read, so two sites racing for the
same pass cannot both win: the loser gets a conflict and simply moves on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gasp.client.context import ClientContext, parse_iso
from gasp.client.passes import PassKey, find_pass, update_passes
from gasp.lock.fence import TurnFence
from gasp.model.ids import job_id
from gasp.model.states import PassState
from gasp.model.transitions import move_pass
from gasp.store import ViewRow

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
    documents: dict[str, dict[str, Any]]

    def __len__(self) -> int:
        return len(self.won)


def _candidates(ctx: ClientContext, policy: str, page: int) -> Iterator[list[ViewRow]]:
    """Pages of the queue, each resumed from the last key seen (queue keys are unique).

    Not ``skip=1``: the last row seen is usually claimed by then and gone from the queue,
    and skipping would silently pass over the next waiting pass instead.
    """
    start: Any = None
    while True:
        options: dict[str, Any] = {"limit": page + 1, "include_docs": True}
        if start is not None:
            options["startkey"] = start
        rows = [r for r in ctx.db.view(QUEUE_DESIGN, policy, **options) if r.key != start]
        rows = rows[:page]
        if rows:
            yield rows
        if len(rows) < page:
            return
        start = rows[-1].key


def _pass_key(row: ViewRow) -> PassKey:
    """Queue keys differ in order by policy; the pass number is always last."""
    assert row.doc is not None
    return (str(row.doc["module"]), int(row.doc["run"]), int(row.key[-1]))


def _claimable(ctx: ClientContext, row: ViewRow) -> bool:
    """Runnable here and now: a version this site runs, past its back-off, prerequisites met."""
    version = row.value[0]
    if ctx.catalogue(version) is None:
        return False
    if row.doc is None:
        return False
    pass_doc = find_pass(row.doc, int(row.key[-1]))
    if pass_doc is None or pass_doc["status"] != PassState.WAITING:
        return False
    not_before = pass_doc.get("not_before")
    return not (not_before and parse_iso(not_before) > ctx.now())


def _prerequisites_met(ctx: ClientContext, rows: list[ViewRow]) -> list[ViewRow]:
    """Keep rows whose prerequisite passes are completed (one bulk read for the page)."""
    needed: dict[str, list[tuple[ViewRow, int]]] = {}
    plain: list[ViewRow] = []
    for row in rows:
        assert row.doc is not None
        pass_doc = find_pass(row.doc, int(row.key[-1]))
        prerequisites = (pass_doc or {}).get("prerequisites") or []
        if not prerequisites:
            plain.append(row)
            continue
        for item in prerequisites:
            needed.setdefault(job_id(item["module"], row.doc["run"]), []).append(
                (row, int(item["pass"]))
            )
    if not needed:
        return plain
    ids = list(needed)
    unmet: set[int] = set()
    for doc_id, doc in zip(ids, ctx.db.get_many(ids), strict=True):
        for row, number in needed[doc_id]:
            prerequisite = find_pass(doc, number) if doc else None
            if prerequisite is None or prerequisite["status"] != PassState.COMPLETED:
                unmet.add(id(row))
    met = [row for rows_ in needed.values() for row, _n in rows_ if id(row) not in unmet]
    return plain + list({id(r): r for r in met}.values())


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
        chosen = _prerequisites_met(ctx, [r for r in rows if _claimable(ctx, r)])
        chosen = chosen[: wanted - len(won)]
        if not chosen:
            continue
        tokens = {_pass_key(r): uuid.uuid4().hex for r in chosen}
        now = ctx.now_iso()

        def take(token: str, now: str = now) -> Any:
            def change(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
                if pass_doc["status"] != PassState.WAITING:
                    return False  # someone else claimed it since the page was read
                move_pass(pass_doc, PassState.SUBMITTED, at=now, by=ctx.by, why="claimed")
                pass_doc["lock"] = {
                    "site": ctx.site,
                    "client": ctx.client_id,
                    "token": token,
                    "since": now,
                }
                pass_doc["site"] = ctx.site
                pass_doc.pop("not_before", None)
                return True

            return change

        if fence is not None and not fence.holds(ctx.db):
            break
        # Claimed on the revisions the page was read at: no second read.
        page_docs = {str(r.doc["_id"]): r.doc for r in chosen if r.doc is not None}
        outcome = update_passes(
            ctx.db, {key: (None, take(token)) for key, token in tokens.items()}, known=page_docs
        )
        won.extend(Claimed(key, tokens[key]) for key in outcome.written)
        claims.documents.update(outcome.documents)
        ctx.conflicts += outcome.conflicts
        if len(won) >= wanted:
            break
    return claims
