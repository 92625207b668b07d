"""Finishing passes whose subjobs have all ended: verify, register, then decide.

Order matters for crash safety: outputs are verified on the storage element (size and
adler32), then registered in data documents, and only then is the pass moved to
``completed``. Killed in between, the next cycle does the same steps again; each is
idempotent. A pass is never completed on the word of a report alone.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from gasp.client.context import ClientContext
from gasp.client.register import register_outputs
from gasp.crashpoints import crashpoint
from gasp.errors import Conflict, GaspError, NotFound
from gasp.model.clock import format_time
from gasp.model.documents import JobDocument, PassDocument, PassStateName, SubjobDocument
from gasp.model.ids import job_id
from gasp.model.naming import file_name, logical_path
from gasp.model.transitions import move_pass, move_subjob, requeue
from gasp.passes.update import PassKey, find_pass, read_jobs, update_passes
from gasp.storage.element import StorageElement
from gasp.storage.errors import TransferError


@dataclass
class FinalizeResult:
    completed: int = 0
    part_failed: int = 0
    failed: int = 0
    retried: int = 0
    # Each concluded pass and the state it is left in: prerequisites of others (cycle.py).
    concluded: list[tuple[PassKey, PassStateName]] = field(default_factory=list)


def _verify(ctx: ClientContext, subjob: SubjobDocument) -> str | None:
    """None if every reported output is on its storage element as reported, else why not."""
    for output in subjob.get("files", []):
        element = ctx.config.storage.elements.get(output["se"])
        if element is None:
            return f"{output['name']}: unknown storage element {output['se']!r}"
        try:
            StorageElement(output["se"], element.url).verify(
                output["url"], output["size"], output["adler32"]
            )
        except TransferError:
            raise  # the element could not be asked: try again next cycle, decide nothing
        except GaspError as exc:
            return f"{output['name']}: {exc}"
    return None


def _log_tail(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read()
    except OSError:
        return b""


def _attach_logs(ctx: ClientContext, key: PassKey, subjobs: list[SubjobDocument]) -> str:
    """Attach the stdout/stderr tails of failed subjobs to the job; returns their text."""
    limit = ctx.config.retry.log_limit_bytes
    text = ""
    doc_id = job_id(key[0], key[1])
    for subjob in subjobs:
        workdir = Path(subjob.get("workdir", ""))
        for stream in ("stdout", "stderr"):
            data = _log_tail(workdir / f"{stream}.txt", limit)
            runner = _log_tail(workdir / "runner.log", limit) if stream == "stdout" else b""
            if not data and not runner:
                continue
            text += data.decode("utf-8", "replace") + runner.decode("utf-8", "replace")
            name = f"{subjob.get('name', key[0])}.{stream}.txt"
            for _attempt in range(10):
                try:
                    current = ctx.db.get(doc_id)
                    ctx.db.put_attachment(
                        doc_id, current["_rev"], name, data + runner, "text/plain"
                    )
                    break
                except Conflict:
                    continue
                except NotFound:
                    return text
    return text


def _transient(ctx: ClientContext, text: str) -> bool:
    return any(re.search(re.escape(p), text) for p in ctx.config.retry.transient_patterns)


def _remove_outputs(
    ctx: ClientContext, key: PassKey, rat_version: str, subjob: SubjobDocument
) -> None:
    """Outputs of a failed subjob are not trusted: remove whatever it may have left.

    Not only the files its report named: a runner killed between upload and report leaves
    files no report mentions. The expected names are known, so those are looked for on
    every storage element this site writes to; none of them is in a data document (the
    subjob failed), and the next attempt will upload them afresh.
    """
    module, run, number = key
    catalogue = ctx.catalogue(rat_version)
    lfns = {o["lfn"] for o in subjob.get("files", [])}
    if catalogue is not None and module in catalogue.modules:
        entry = catalogue.modules[module]
        for data_type in entry.outputs:
            name = file_name(module, run, subjob["subrun"], number, data_type, entry.other_suffix)
            lfns.add(logical_path(ctx.kind, module, run, name))
    for se_name in filter(None, (ctx.config.storage.primary, ctx.config.storage.failover)):
        element = StorageElement(se_name, ctx.config.storage.elements[se_name].url)
        for lfn in lfns:
            with contextlib.suppress(GaspError):
                element.discard(lfn)  # the final name and any half-written copies


def finalize(ctx: ClientContext, keys: list[PassKey], tokens: dict[PassKey, str]) -> FinalizeResult:
    """Verify, register in data documents and conclude each of these passes (all ended)."""
    result = FinalizeResult()
    docs = read_jobs(ctx.db, [job_id(k[0], k[1]) for k in keys])
    for key, job in zip(keys, docs, strict=True):
        pass_doc = find_pass(job, key[2]) if job else None
        if job is None or pass_doc is None:
            continue
        token = tokens[key]
        verdicts: dict[int, str | None] = {}
        try:
            for subjob in pass_doc["subjobs"]:
                if subjob["status"] == "completed" and not subjob.get("outputs"):
                    verdicts[subjob["subrun"]] = _verify(ctx, subjob)
        except TransferError:
            continue
        good = [
            s
            for s in pass_doc["subjobs"]
            if s["status"] == "completed" and verdicts.get(s["subrun"]) is None
        ]
        data_ids = register_outputs(ctx.db, kind=ctx.kind, job=job, pass_doc=pass_doc, subjobs=good)
        crashpoint("client-after-catalogue")  # registered (the crash tests know this name)
        bad = [
            s
            for s in pass_doc["subjobs"]
            if s["status"] != "completed" or verdicts.get(s["subrun"]) is not None
        ]
        log_text = _attach_logs(ctx, key, bad) if bad else ""
        for subjob in bad:
            _remove_outputs(ctx, key, pass_doc["rat_version"], subjob)
        failure_text = log_text + " ".join(s.get("error") or "" for s in bad)
        # Infrastructure failures (killed, lost, no report) are retried like transient ones.
        transient = any(s.get("retryable") for s in bad) or _transient(ctx, failure_text)
        retry = transient and pass_doc.get("attempt", 1) < ctx.config.retry.max_attempts
        outcome = _conclude(ctx, key, token, verdicts, data_ids, retry)
        if outcome is not None:
            result.concluded.append((key, "waiting" if retry else outcome))
        if outcome == "completed":
            result.completed += 1
        elif retry:
            result.retried += 1
        elif outcome == "partFail":
            result.part_failed += 1
        elif outcome == "failed":
            result.failed += 1
    return result


def _conclude(
    ctx: ClientContext,
    key: PassKey,
    token: str,
    verdicts: dict[int, str | None],
    data_ids: list[str],
    retry: bool,
) -> PassStateName | None:
    now = ctx.now_iso()
    decided: PassStateName | None = None

    def edit(_job: JobDocument, pass_doc: PassDocument) -> bool:
        nonlocal decided
        for subjob in pass_doc["subjobs"]:
            problem = verdicts.get(subjob["subrun"])
            if subjob["status"] == "completed" and problem is not None:
                move_subjob(subjob, "failed")
                subjob["error"] = f"output not verified on storage: {problem}"
            if subjob["status"] == "completed" and subjob.get("files"):
                types = {f["data_type"] for f in subjob["files"]}
                subjob["outputs"] = [d for d in data_ids if d.rsplit(":", 1)[1] in types]
        done = [s for s in pass_doc["subjobs"] if s["status"] == "completed"]
        target: PassStateName
        if len(done) == len(pass_doc["subjobs"]):
            target = "completed"
        elif done:
            target = "partFail"
        else:
            target = "failed"
        move_pass(pass_doc, target, at=now, by=ctx.by)
        if retry:
            attempt = pass_doc.get("attempt", 1)
            delay = min(
                ctx.config.retry.backoff_s * 2 ** (attempt - 1), ctx.config.retry.backoff_max_s
            )
            requeue(pass_doc, at=now, by=ctx.by, why="transient failure: retry")
            pass_doc["not_before"] = format_time(ctx.now() + timedelta(seconds=delay))
        pass_doc["lock"] = None
        decided = target
        return True

    update_passes(ctx.db, {key: (token, edit)})
    return decided
