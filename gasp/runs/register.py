"""``gasp runs register FOLDER``: check a folder's raw files, archive them, record them.

Two phases, so that bad input writes nothing:

1. **Check** every complete run in the folder (one with its sidecar ``run_<R>.json``):
   the sidecar is valid, no other sidecar names the same run (``run_0100151.json`` beside
   ``run_100151.json``), every file it lists is there with the size and adler32 it states
   (streamed), and no file registered before has changed since (its recorded adler32 and
   size still match). Every problem found is reported, and nothing is copied or written.
2. **Store and record**: each file not yet registered is uploaded to the site's primary
   storage element under ``raw/r<run//100*100>/<name>`` (the failover element for the rest
   of the command once the primary fails), checksummed on the way and published under its
   final name only when verified; then the run's document is written, in batches.

Crash safety: a run's document is written only after all its files are stored, and a
file is recorded only once stored. Killed in between, a re-run finds the stored files
identical (the upload of an identical file under its final name succeeds without copying
again) and records them; a killed upload leaves only a hidden temporary copy, which the
re-run removes. Registering again changes nothing: files already recorded with the same
checksum are neither copied nor written again.

A run's type belongs to the imported run table (``gasp runs import``): registration sets
it only on a new run document. When the sidecar says another type than the document
already has, the document's is kept and the disagreement is reported (``RunPlan.
type_disagreement``), so that neither side is overruled silently.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gasp.crashpoints import crashpoint
from gasp.errors import InputError, StoreError
from gasp.model.run import RawFile, RawReplica, RunDocument, raw_lfn, run_id
from gasp.progress_protocol import Progress, silent
from gasp.runs.merge import fill_metadata, registered_file, with_files
from gasp.runs.sidecar import (
    Sidecar,
    SidecarFile,
    find_sidecars,
    read_sidecar,
    same_run_problems,
)
from gasp.storage import StorageElement, StorageError, file_adler32, is_temporary
from gasp.store import Database

BATCH_RUNS = 25  # run documents per bulk write
WRITE_ATTEMPTS = 5
Say = Callable[[str], None]


@dataclass
class RunPlan:
    """One run of the folder, checked: what is already registered and what to copy."""

    sidecar: Sidecar
    existing: RunDocument | None
    to_copy: list[tuple[int, SidecarFile]] = field(default_factory=list)
    already: int = 0
    type_disagreement: str | None = None  # a line to report; the document's type is kept


@dataclass
class RegisterSummary:
    runs: int = 0
    copied: int = 0
    already: int = 0
    written: int = 0
    elements: set[str] = field(default_factory=set)
    type_disagreements: int = 0  # runs whose sidecar type differs from the document's


def check_folder(db: Database, folder: Path, *, progress: Progress = silent) -> list[RunPlan]:
    """Phase 1: every run of the folder checked; ``InputError`` listing every problem."""
    sidecars = find_sidecars(folder)
    problems: list[str] = []
    parsed: list[Sidecar] = []
    paths: list[Path] = []
    for path in sidecars:
        try:
            parsed.append(read_sidecar(path))
        except InputError as exc:
            problems.append(str(exc))
        else:
            paths.append(path)
    problems += same_run_problems(sidecars)
    docs = db.get_many([run_id(s.run) for s in parsed]) if parsed else []
    plans = []
    total = sum(len(s.files()) for s in parsed)
    with progress("checking raw files", total) as advance:
        for sidecar, path, doc in zip(parsed, paths, docs, strict=True):
            existing = _existing(doc, problems)
            plan = RunPlan(
                sidecar, existing, type_disagreement=_disagreement(path, sidecar, existing)
            )
            for subrun, entry in sidecar.files():
                problem = _check_file(folder, sidecar, existing, entry)
                advance(1)
                if problem:
                    problems.append(problem)
                elif registered_file(existing, entry.name):
                    plan.already += 1
                else:
                    plan.to_copy.append((subrun, entry))
            plans.append(plan)
    if problems:
        head = f"{folder}: nothing registered, {len(problems)} problem(s):\n  "
        raise InputError(problems[0] if len(problems) == 1 else head + "\n  ".join(problems))
    return plans


def _disagreement(path: Path, side: Sidecar, existing: RunDocument | None) -> str | None:
    """The line reporting that ``path`` gives its run another type than its document.

    Not a problem that stops registration: the files are what they are, and the type is
    the run table's to say (an import), or was said first by an earlier sidecar.
    """
    if existing is None or side.run_type == existing.run_type:
        return None
    return (
        f"run {side.run}: {path} says run type {side.run_type}, the run document says "
        f"{existing.run_type} (from {existing.source}): kept {existing.run_type} (the run "
        f"table is the authority on run types: gasp runs import)"
    )


def _existing(doc: dict[str, object] | None, problems: list[str]) -> RunDocument | None:
    if doc is None:
        return None
    try:
        return RunDocument.from_document(doc)
    except ValueError as exc:
        problems.append(f"{doc.get('_id')}: the stored run document is not valid: {exc}")
        return None


def _check_file(
    folder: Path, sidecar: Sidecar, existing: RunDocument | None, entry: SidecarFile
) -> str | None:
    """The problem with one listed file, or None if it may be registered."""
    path = folder / entry.name
    if not path.is_file():
        return f"{path}: listed in run_{sidecar.run}.json but missing"
    size, adler32 = file_adler32(path)
    if (size, adler32) != (entry.size, entry.adler32):
        return (
            f"{path}: run_{sidecar.run}.json says size {entry.size}, adler32 {entry.adler32}; "
            f"the file has size {size}, adler32 {adler32}"
        )
    found = registered_file(existing, entry.name)
    if found is not None:
        _, recorded = found
        if (recorded.size, recorded.adler32) != (size, adler32):
            return (
                f"{path}: checksum changed since registration: run {sidecar.run} recorded "
                f"adler32 {recorded.adler32} (size {recorded.size}), the file now has "
                f"adler32 {adler32} (size {size})"
            )
    return None


class Archiver:
    """Uploads to the primary element, else the failover for the rest of the command."""

    def __init__(self, elements: Sequence[StorageElement], say: Say) -> None:
        self.elements = list(elements)
        self.say = say

    def store(self, path: Path, lfn: str, entry: SidecarFile) -> tuple[StorageElement, str]:
        errors = []
        while self.elements:
            element = self.elements[0]
            try:
                _remove_leftovers(element, lfn)
                stored = element.upload(path, lfn)
            except StorageError as exc:
                self.say(f"copy to {element.name} failed: {exc}")
                errors.append(f"{element.name}: {exc}")
                self.elements.pop(0)
                continue
            if (stored.size, stored.adler32) != (entry.size, entry.adler32):
                raise InputError(
                    f"{path}: changed while it was being registered (stored size "
                    f"{stored.size}, adler32 {stored.adler32}; expected {entry.size}, "
                    f"{entry.adler32})"
                )
            return element, stored.url
        raise StoreError(f"{path}: could not be stored anywhere: {'; '.join(errors)}")


def _remove_leftovers(element: StorageElement, lfn: str) -> None:
    """Hidden temporary copies of ``lfn`` that a killed registration left behind."""
    folder, name = posixpath.split(lfn)
    for url, _size in element.walk(folder, include_temporary=True):
        base = posixpath.basename(url)
        if is_temporary(base) and base.startswith(f".{name}.part-"):
            element.delete(url)


def register_runs(
    db: Database,
    folder: Path,
    plans: Sequence[RunPlan],
    elements: Sequence[StorageElement],
    say: Say,
    *,
    progress: Progress = silent,
) -> RegisterSummary:
    """Phase 2: copy what is not yet stored and write the run documents in batches."""
    archiver = Archiver(elements, say)
    summary = RegisterSummary(runs=len(plans))
    pending: list[RunDocument] = []
    total = sum(len(p.to_copy) for p in plans)
    with progress("copying raw files", total) as advance:
        for plan in plans:
            copied: list[tuple[int, RawFile]] = []
            for subrun, entry in plan.to_copy:
                lfn = raw_lfn(plan.sidecar.run, entry.name)
                element, url = archiver.store(folder / entry.name, lfn, entry)
                copied.append((subrun, _raw_file(entry, lfn, element.name, url)))
                summary.elements.add(element.name)
                advance(1)
                crashpoint("runs-register-copied")
            summary.copied += len(copied)
            summary.already += plan.already
            doc = _updated(plan, copied)
            if doc is not None:
                pending.append(doc)
            say(_line(plan, len(copied)))
            if plan.type_disagreement is not None:
                say(plan.type_disagreement)
                summary.type_disagreements += 1
            if len(pending) >= BATCH_RUNS:
                summary.written += write_documents(db, pending, plans_by_run(plans))
                pending = []
    if pending:
        summary.written += write_documents(db, pending, plans_by_run(plans))
    return summary


def _raw_file(entry: SidecarFile, lfn: str, se: str, url: str) -> RawFile:
    return RawFile(
        level="L1" if entry.level == "l1" else "L2",
        name=entry.name,
        lfn=lfn,
        size=entry.size,
        adler32=entry.adler32,
        events=entry.events,
        replicas=[RawReplica(se=se, url=url)],
    )


def _updated(plan: RunPlan, copied: list[tuple[int, RawFile]]) -> RunDocument | None:
    """The run document to write, or None when nothing in it would change."""
    side = plan.sidecar
    base = plan.existing or RunDocument.new(side.run, side.run_type, "register")
    doc = fill_metadata(with_files(base, copied), start=side.start, end=side.end, complete=True)
    return None if plan.existing is not None and doc == plan.existing else doc


def plans_by_run(plans: Sequence[RunPlan]) -> dict[int, RunPlan]:
    return {p.sidecar.run: p for p in plans}


def write_documents(db: Database, docs: list[RunDocument], plans: dict[int, RunPlan]) -> int:
    """Write run documents in one bulk request; on a conflict merge into the fresh one."""
    todo = docs
    for _attempt in range(WRITE_ATTEMPTS):
        results = db.bulk([d.to_document() for d in todo])
        crashpoint("runs-register-written")
        failed = [d for d, r in zip(todo, results, strict=True) if not r.ok]
        if not failed:
            return len(docs)
        # Someone else (an import, another register) wrote these runs meanwhile.
        fresh = db.get_many([d.id for d in failed])
        todo = []
        for mine, theirs in zip(failed, fresh, strict=True):
            current = RunDocument.from_document(theirs) if theirs is not None else None
            plan = plans[mine.run]
            again = RunPlan(plan.sidecar, current)
            todo.append(_merged_again(again, mine))
    raise StoreError(f"run documents still conflicting after {WRITE_ATTEMPTS} attempts")


def _merged_again(plan: RunPlan, mine: RunDocument) -> RunDocument:
    side = plan.sidecar
    base = plan.existing or RunDocument.new(side.run, side.run_type, "register")
    doc = with_files(base, mine.files())
    return fill_metadata(doc, start=side.start, end=side.end, complete=True)


def _line(plan: RunPlan, copied: int) -> str:
    side = plan.sidecar
    files = len(side.files())
    parts = [f"{copied} copied"] if copied else []
    if plan.already:
        parts.append(f"{plan.already} already registered")
    return (
        f"run {side.run} ({side.run_type}, {len(side.subruns)} subruns): "
        f"{files} files, {', '.join(parts)}"
    )


__all__ = ["RegisterSummary", "RunPlan", "check_folder", "register_runs", "write_documents"]
