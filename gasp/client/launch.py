"""Handing claimed passes to the backend: job folders, reconciliation, one bulk submit.

Crash safety rests on names: every subjob attempt has a name derived from (module, run,
subrun, pass, attempt). Before submitting, the backend is asked which of those names it
already knows: a client killed between its submit call and recording the result finds
those jobs on restart and records them instead of submitting them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from gasp.backends.base import Submission
from gasp.client.context import ClientContext
from gasp.client.job_spec import build_spec, job_name
from gasp.client.processing_spec import input_documents
from gasp.crashpoints import crashpoint
from gasp.errors import GaspError
from gasp.model.documents import JobDocument, PassDocument
from gasp.model.ids import job_id
from gasp.model.transitions import move_pass, move_subjob
from gasp.passes.prerequisites import promote_dependants
from gasp.passes.update import PassEdit, PassKey, find_pass, holds, read_jobs, update_passes
from gasp.validation import describe_validation_error


@dataclass(frozen=True)
class Pending:
    """One subjob to launch, with the claim it belongs to."""

    key: PassKey
    token: str
    subrun: int
    name: str
    workdir: Path
    spec: str


def pending_subjobs(
    ctx: ClientContext,
    claims: dict[PassKey, str],
    known: Mapping[str, JobDocument] | None = None,
    unstartable: dict[PassKey, str] | None = None,
) -> list[Pending]:
    """Every waiting subjob of these claims, with its specification; what is left to submit.

    A pass whose specification cannot be built (its catalogue entry or its prerequisite's
    outputs are gone) is left out, with the reason in ``unstartable``: one such pass must
    not stop the client from launching all the others.
    """
    keys = list(claims)
    ids = [job_id(k[0], k[1]) for k in keys]
    if known and all(i in known for i in ids):
        docs: list[JobDocument | None] = [known[i] for i in ids]
    else:
        docs = read_jobs(ctx.db, ids)
    pairs = [(j, p) for j, k in zip(docs, keys, strict=True) if j and (p := find_pass(j, k[2]))]
    inputs = input_documents(ctx, pairs) if ctx.kind == "processing" else {}
    pending: list[Pending] = []
    for key, job in zip(keys, docs, strict=True):
        pass_doc = find_pass(job, key[2]) if job else None
        if job is None or pass_doc is None or not holds(pass_doc, claims[key]):
            continue
        of_pass: list[Pending] = []
        try:
            for subjob in pass_doc["subjobs"]:
                if subjob["status"] != "waiting":
                    continue
                attempt = pass_doc.get("attempt", 1)
                name = job_name(key[0], key[1], subjob["subrun"], key[2], attempt)
                workdir = ctx.workdir / name
                spec = build_spec(ctx, job, pass_doc, subjob, workdir, inputs).model_dump_json()
                of_pass.append(Pending(key, claims[key], subjob["subrun"], name, workdir, spec))
        except (GaspError, ValidationError) as exc:
            if unstartable is None:
                raise
            unstartable[key] = _why_unstartable(exc)
            continue
        pending.extend(of_pass)
    return pending


def _why_unstartable(exc: GaspError | ValidationError) -> str:
    """A pass's values that the runner's specification refuses (a template value written
    before the rule existed, say) make that pass unstartable, never the cycle fail."""
    if isinstance(exc, ValidationError):
        return describe_validation_error(exc, "job specification")
    return str(exc)


def fail_unstartable(
    ctx: ClientContext, claims: dict[PassKey, str], why: dict[PassKey, str]
) -> int:
    """Passes that cannot start end ``failed`` with the reason, releasing their claim.

    Their dependants are settled at once (``unsatisfied``), as after any failure.
    """
    now = ctx.now_iso()

    def fail(reason: str) -> PassEdit:
        def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
            move_pass(pass_doc, "failed", at=now, by=ctx.by, why="could not start")
            pass_doc["error"] = f"could not start: {reason}"
            pass_doc["lock"] = None
            return True

        return edit

    outcome = update_passes(
        ctx.db, {key: (claims[key], fail(reason)) for key, reason in why.items()}
    )
    promote_dependants(ctx.db, outcome.written, by=ctx.by)
    return len(outcome.written)


def launch(
    ctx: ClientContext,
    claims: dict[PassKey, str],
    known: Mapping[str, JobDocument] | None = None,
) -> int:
    """Submit every waiting subjob of these claims; returns how many went to the backend.

    ``known``: the job documents as the claim wrote them, so that neither building the
    specifications nor recording the submission has to read them again.
    """
    unstartable: dict[PassKey, str] = {}
    pending = pending_subjobs(ctx, claims, known, unstartable)
    if unstartable:
        fail_unstartable(ctx, claims, unstartable)
    if not pending:
        return 0
    found = ctx.backend.find([p.name for p in pending])
    fresh = [p for p in pending if p.name not in found]
    ids = dict(found)
    if fresh:
        submitted = ctx.backend.submit([Submission(p.name, p.workdir, p.spec) for p in fresh])
        crashpoint("client-after-submit")
        ids.update(zip((p.name for p in fresh), submitted, strict=True))
    now = ctx.now_iso()
    by_pass: dict[PassKey, list[Pending]] = {}
    for item in pending:
        by_pass.setdefault(item.key, []).append(item)

    def record(items: list[Pending]) -> PassEdit:
        def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
            changed = False
            for item in items:
                subjob = next(s for s in pass_doc["subjobs"] if s["subrun"] == item.subrun)
                if subjob["status"] != "waiting":
                    continue
                move_subjob(subjob, "submitted")
                subjob.update(
                    {
                        "backend": ctx.backend.name,
                        "backend_id": ids[item.name],
                        "name": item.name,
                        "workdir": str(item.workdir),
                        "submitted": now,
                    }
                )
                changed = True
            return changed

        return edit

    # Recorded on the revisions the claim wrote (``known``): a conflict, if another writer
    # came in between, re-reads and re-applies, so nothing is recorded on a stale read.
    update_passes(
        ctx.db,
        {key: (items[0].token, record(items)) for key, items in by_pass.items()},
        known=known,
    )
    return len(fresh)
