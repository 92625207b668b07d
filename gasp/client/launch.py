"""Handing claimed passes to the backend: job folders, reconciliation, one bulk submit.

Crash safety rests on names: every subjob attempt has a name derived from (module, run,
subrun, pass, attempt). Before submitting, the backend is asked which of those names it
already knows: a client killed between its submit call and recording the result finds
those jobs on restart and records them instead of submitting them again.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gasp.backends.base import Submission
from gasp.catalog.model import ProductionCatalogue
from gasp.client.context import ClientContext
from gasp.client.passes import PassKey, find_pass, update_passes
from gasp.client.prerequisites import promote_dependants
from gasp.client.processing_spec import Inputs, input_documents, processing_spec
from gasp.client.spec_parts import application_spec, output_specs
from gasp.crashpoints import crashpoint
from gasp.errors import GaspError
from gasp.model.ids import job_id
from gasp.model.states import PassState, SubjobState
from gasp.model.transitions import move_pass, move_subjob
from gasp.runner.spec import JobSpec
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


def job_name(module: str, run: int, subrun: int, pass_number: int, attempt: int) -> str:
    return f"{module}_r{run}_s{subrun}_p{pass_number}_a{attempt}"


def seed_of(module: str, run: int, subrun: int, pass_number: int) -> int:
    """The same job always simulates the same events (reproducible reruns)."""
    return zlib.crc32(f"{module}:{run}:{subrun}:{pass_number}".encode()) & 0x7FFFFFFF


def build_spec(
    ctx: ClientContext,
    job: dict[str, Any],
    pass_doc: dict[str, Any],
    subjob: dict[str, Any],
    workdir: Path,
    inputs: Inputs | None = None,
) -> JobSpec:
    """The runner's whole world for one subjob, from the pass and the catalogue.

    ``inputs``: the data documents processing passes read (``input_documents``).
    """
    module, run, number = str(job["module"]), int(job["run"]), int(pass_doc["pass"])
    subrun, attempt = int(subjob["subrun"]), int(pass_doc.get("attempt", 1))
    if ctx.kind == "processing":
        name = job_name(module, run, subrun, number, attempt)
        seed = seed_of(module, run, subrun, number)
        return processing_spec(
            ctx, job, pass_doc, subjob, workdir, inputs or {}, name=name, seed=seed
        )
    version = str(pass_doc["rat_version"])
    catalogue = ctx.catalogue(version)
    if not isinstance(catalogue, ProductionCatalogue) or module not in catalogue.modules:
        raise GaspError(f"{module}: no catalogue entry for software version {version}")
    entry = catalogue.modules[module]
    mode = str(pass_doc.get("event_mode") or entry.event_mode)
    events = subjob.get("n_events")
    expected = int(events) if events is not None and mode in ("number", "run_number") else None
    outputs = output_specs(
        ctx.kind,
        module,
        run,
        subrun,
        number,
        entry.outputs,
        entry.other_suffix,
        expected,
    )
    return JobSpec(
        name=job_name(module, run, subrun, number, attempt),
        kind=ctx.kind,  # type: ignore[arg-type]
        module=module,
        run=run,
        subrun=subrun,
        pass_number=number,
        attempt=attempt,
        token=str(pass_doc["lock"]["token"]),
        application=application_spec(ctx, version, entry.path),
        event_mode=mode,  # type: ignore[arg-type]
        n_events=int(events) if events is not None else None,
        duration_s=subjob.get("duration_s"),
        seed=seed_of(module, run, subrun, number),
        template=pass_doc.get("template") or {},
        outputs=outputs,
        primary=ctx.primary,
        failover=ctx.failover,
        workdir=str(workdir),
    )


def pending_subjobs(
    ctx: ClientContext,
    claims: dict[PassKey, str],
    known: Mapping[str, dict[str, Any]] | None = None,
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
        docs: list[dict[str, Any] | None] = [known[i] for i in ids]
    else:
        docs = ctx.db.get_many(ids)
    pairs = [(j, p) for j, k in zip(docs, keys, strict=True) if j and (p := find_pass(j, k[2]))]
    inputs = input_documents(ctx, pairs) if ctx.kind == "processing" else {}
    pending: list[Pending] = []
    for key, job in zip(keys, docs, strict=True):
        pass_doc = find_pass(job, key[2]) if job else None
        if (
            job is None
            or pass_doc is None
            or (pass_doc.get("lock") or {}).get("token") != claims[key]
        ):
            continue
        of_pass: list[Pending] = []
        try:
            for subjob in pass_doc["subjobs"]:
                if subjob["status"] != SubjobState.WAITING:
                    continue
                attempt = int(pass_doc.get("attempt", 1))
                name = job_name(key[0], key[1], int(subjob["subrun"]), key[2], attempt)
                workdir = ctx.workdir / name
                spec = build_spec(ctx, job, pass_doc, subjob, workdir, inputs).model_dump_json()
                of_pass.append(
                    Pending(key, claims[key], int(subjob["subrun"]), name, workdir, spec)
                )
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

    def fail(reason: str) -> Any:
        def change(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
            move_pass(pass_doc, PassState.FAILED, at=now, by=ctx.by, why="could not start")
            pass_doc["error"] = f"could not start: {reason}"
            pass_doc["lock"] = None
            return True

        return change

    outcome = update_passes(
        ctx.db, {key: (claims[key], fail(reason)) for key, reason in why.items()}
    )
    promote_dependants(ctx.db, outcome.written, by=ctx.by)
    return len(outcome.written)


def launch(
    ctx: ClientContext,
    claims: dict[PassKey, str],
    known: Mapping[str, dict[str, Any]] | None = None,
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

    def record(items: list[Pending]) -> Any:
        def change(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
            changed = False
            for item in items:
                subjob = next(s for s in pass_doc["subjobs"] if int(s["subrun"]) == item.subrun)
                if subjob["status"] != SubjobState.WAITING:
                    continue
                move_subjob(subjob, SubjobState.SUBMITTED)
                subjob.update(
                    backend=ctx.backend.name,
                    backend_id=ids[item.name],
                    name=item.name,
                    workdir=str(item.workdir),
                    submitted=now,
                )
                changed = True
            return changed

        return change

    # Recorded on the revisions the claim wrote (``known``): a conflict, if another writer
    # came in between, re-reads and re-applies, so nothing is recorded on a stale read.
    update_passes(
        ctx.db,
        {key: (items[0].token, record(items)) for key, items in by_pass.items()},
        known=known,
    )
    return len(fresh)
