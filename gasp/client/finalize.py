"""Finishing passes whose subjobs have all ended: verify, catalogue, then decide.

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
from typing import Any

from gasp.client.catalogue import register_outputs
from gasp.client.context import ClientContext, iso
from gasp.client.passes import PassKey, find_pass, update_passes
from gasp.crashpoints import crashpoint
from gasp.errors import Conflict, GaspError, NotFound
from gasp.model.ids import job_id
from gasp.model.naming import file_name, logical_path
from gasp.model.states import PassState, SubjobState
from gasp.model.transitions import move_pass, move_subjob
from gasp.storage.element import StorageElement
from gasp.storage.errors import TransferError


@dataclass
class FinalizeResult:
    completed: int = 0
    part_failed: int = 0
    failed: int = 0
    retried: int = 0
    # Each concluded pass and the state it is left in: prerequisites of others (cycle.py).
    concluded: list[tuple[PassKey, str]] = field(default_factory=list)


def _verify(ctx: ClientContext, subjob: dict[str, Any]) -> str | None:
    """None if every reported output is on its storage element as reported, else why not."""
    for output in subjob.get("files", []):
        element = ctx.config.storage.elements.get(output["se"])
        if element is None:
            return f"{output['name']}: unknown storage element {output['se']!r}"
        try:
            StorageElement(output["se"], element.url).verify(
                output["url"], int(output["size"]), str(output["adler32"])
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


def _attach_logs(ctx: ClientContext, key: PassKey, subjobs: list[dict[str, Any]]) -> str:
    """Attach the stdout/stderr tails of failed subjobs to the job; returns their text."""
    limit = ctx.config.retry.log_limit_bytes
    text = ""
    doc_id = job_id(key[0], key[1])
    for subjob in subjobs:
        workdir = Path(str(subjob.get("workdir", "")))
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


def _remove_outputs(ctx: ClientContext, key: PassKey, subjob: dict[str, Any]) -> None:
    """Outputs of a failed subjob are not trusted: remove whatever it may have left.

    Not only the files its report named: a runner killed between upload and report leaves
    files no report mentions. The expected names are known, so those are looked for on
    every storage element this site writes to; none of them is catalogued (the subjob
    failed), and the next attempt will upload them afresh.
    """
    module, run, number = key
    catalogue = ctx.catalogue(str(subjob.get("rat_version") or ""))
    lfns = {str(o["lfn"]) for o in subjob.get("files", [])}
    if catalogue is not None and module in catalogue.modules:
        entry = catalogue.modules[module]
        for data_type in entry.outputs:
            name = file_name(
                module, run, int(subjob["subrun"]), number, data_type, entry.other_suffix
            )
            lfns.add(logical_path(ctx.kind, module, run, name))
    for se_name in filter(None, (ctx.config.storage.primary, ctx.config.storage.failover)):
        element = StorageElement(se_name, ctx.config.storage.elements[se_name].url)
        for lfn in lfns:
            with contextlib.suppress(GaspError):
                element.discard(lfn)  # the final name and any half-written copies


def finalize(ctx: ClientContext, keys: list[PassKey], tokens: dict[PassKey, str]) -> FinalizeResult:
    """Verify, catalogue and conclude each of these passes (all subjobs ended)."""
    result = FinalizeResult()
    docs = ctx.db.get_many([job_id(k[0], k[1]) for k in keys])
    for key, job in zip(keys, docs, strict=True):
        pass_doc = find_pass(job, key[2]) if job else None
        if job is None or pass_doc is None:
            continue
        token = tokens[key]
        verdicts: dict[int, str | None] = {}
        try:
            for subjob in pass_doc["subjobs"]:
                if subjob["status"] == SubjobState.COMPLETED and not subjob.get("outputs"):
                    verdicts[int(subjob["subrun"])] = _verify(ctx, subjob)
        except TransferError:
            continue
        good = [
            s
            for s in pass_doc["subjobs"]
            if s["status"] == SubjobState.COMPLETED and verdicts.get(int(s["subrun"])) is None
        ]
        data_ids = register_outputs(ctx.db, kind=ctx.kind, job=job, pass_doc=pass_doc, subjobs=good)
        crashpoint("client-after-catalogue")
        bad = [
            s
            for s in pass_doc["subjobs"]
            if s["status"] != SubjobState.COMPLETED or verdicts.get(int(s["subrun"])) is not None
        ]
        log_text = _attach_logs(ctx, key, bad) if bad else ""
        for subjob in bad:
            _remove_outputs(ctx, key, {**subjob, "rat_version": pass_doc["rat_version"]})
        failure_text = log_text + " ".join(str(s.get("error") or "") for s in bad)
        # Infrastructure failures (killed, lost, no report) are retried like transient ones.
        transient = any(s.get("retryable") for s in bad) or _transient(ctx, failure_text)
        retry = transient and int(pass_doc.get("attempt", 1)) < ctx.config.retry.max_attempts
        outcome = _conclude(ctx, key, token, verdicts, data_ids, retry)
        if outcome is not None:
            result.concluded.append((key, PassState.WAITING if retry else outcome))
        if outcome == PassState.COMPLETED:
            result.completed += 1
        elif retry:
            result.retried += 1
        elif outcome == PassState.PART_FAIL:
            result.part_failed += 1
        elif outcome == PassState.FAILED:
            result.failed += 1
    return result


def _conclude(
    ctx: ClientContext,
    key: PassKey,
    token: str,
    verdicts: dict[int, str | None],
    data_ids: list[str],
    retry: bool,
) -> str | None:
    now = ctx.now_iso()
    decided: dict[str, str] = {}

    def change(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
        for subjob in pass_doc["subjobs"]:
            problem = verdicts.get(int(subjob["subrun"]))
            if subjob["status"] == SubjobState.COMPLETED and problem is not None:
                move_subjob(subjob, SubjobState.FAILED)
                subjob["error"] = f"output not verified on storage: {problem}"
            if subjob["status"] == SubjobState.COMPLETED and subjob.get("files"):
                types = {f["data_type"] for f in subjob["files"]}
                subjob["outputs"] = [d for d in data_ids if d.rsplit(":", 1)[1] in types]
        done = [s for s in pass_doc["subjobs"] if s["status"] == SubjobState.COMPLETED]
        if len(done) == len(pass_doc["subjobs"]):
            target = PassState.COMPLETED
        elif done:
            target = PassState.PART_FAIL
        else:
            target = PassState.FAILED
        move_pass(pass_doc, target, at=now, by=ctx.by)
        if retry:
            attempt = int(pass_doc.get("attempt", 1))
            delay = min(
                ctx.config.retry.backoff_s * 2 ** (attempt - 1), ctx.config.retry.backoff_max_s
            )
            move_pass(
                pass_doc, PassState.WAITING, at=now, by=ctx.by, why="transient failure: retry"
            )
            pass_doc["attempt"] = attempt + 1
            pass_doc["not_before"] = iso(ctx.now() + timedelta(seconds=delay))
            for subjob in pass_doc["subjobs"]:
                if subjob["status"] != SubjobState.COMPLETED:
                    reset_subjob(subjob)
        pass_doc["lock"] = None
        decided["status"] = target
        return True

    update_passes(ctx.db, {key: (token, change)})
    return decided.get("status")


def reset_subjob(subjob: dict[str, Any]) -> None:
    """Back to waiting for a new attempt; what the old attempt said stays in ``previous``."""
    if subjob["status"] == SubjobState.WAITING:
        return
    previous = {
        k: subjob.pop(k)
        for k in ("backend_id", "name", "error", "exit_code", "finished")
        if k in subjob
    }
    for k in (
        "backend",
        "workdir",
        "submitted",
        "started",
        "cpu_s",
        "wall_s",
        "files",
        "unknown_cycles",
        "retryable",
    ):
        subjob.pop(k, None)
    subjob["previous"] = previous
    move_subjob(subjob, SubjobState.WAITING)
