"""Run metadata from a run table (file or PostgreSQL), checked row by row, and stored.

A run table says what the detector's run database says of each run: its number, run
type, start and end, and whether it is complete. ``RunRow`` is one checked row whatever
the table's format; ``store_metadata`` writes rows into the run documents, keeping the raw
files registration recorded, in bulk and only where something changes.

The table is the authority on metadata, with one exception and one duty:

* a run is stored complete only when its document has raw files. Processing senses
  complete runs (view ``runs/complete_by_number``), and a complete run with nothing to
  process would be offered anyway; such a run is kept incomplete and reported
  (``ImportSummary.held``) until ``gasp runs register`` records its files, which marks it
  complete.
* when the table's run type differs from that of a run whose raw files are registered
  (its type came from the sidecar, or from an earlier table), the table's type is stored
  and the change is reported (``ImportSummary.retyped``), never settled silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gasp.errors import InputError, StoreError
from gasp.model.run import RunDocument, check_run_period, check_run_type, run_id, run_time
from gasp.progress_protocol import Progress, silent
from gasp.runs.merge import set_metadata
from gasp.store import Database
from gasp.values import check_run, parse_run

COLUMNS = ("run", "run_type", "start", "end", "complete")
REQUIRED = ("run", "run_type")
BATCH = 500
WRITE_ATTEMPTS = 5
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0", ""}


@dataclass(frozen=True)
class RunRow:
    """One run of a run table, checked; ``where`` says where it came from, for messages."""

    run: int
    run_type: str
    start: str | None
    end: str | None
    complete: bool
    where: str


def check_row(values: dict[str, Any], where: str) -> RunRow:
    """Check one row's values (from JSON, CSV text or PostgreSQL types) into a ``RunRow``.

    Raises ``InputError`` naming ``where`` (file and line, or table and run) and the field.
    """
    unknown = sorted(set(values) - set(COLUMNS))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r} (expected {', '.join(COLUMNS)})")
    for name in REQUIRED:
        if values.get(name) in (None, ""):
            raise InputError(f"{where}: {name}: missing")
    run = _run_number(values["run"], where)
    try:
        run_type = check_run_type(values["run_type"])
    except ValueError as exc:
        raise InputError(f"{where}: run_type: {exc}") from None
    start = _time(values.get("start"), where, "start")
    end = _time(values.get("end"), where, "end")
    try:
        check_run_period(start, end)
    except ValueError as exc:
        raise InputError(f"{where}: end: {exc}") from None
    return RunRow(run, run_type, start, end, _flag(values.get("complete"), where), where)


def _run_number(value: Any, where: str) -> int:
    """JSON and PostgreSQL give numbers, CSV text: one rule (``gasp.values``) for both."""
    try:
        if isinstance(value, str):
            return parse_run(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return check_run(value)
    except ValueError as exc:
        raise InputError(f"{where}: run: {exc}") from None
    raise InputError(f"{where}: run: not a run number: {value!r}")


def _time(value: Any, where: str, name: str) -> str | None:
    """UTC ISO-8601 with a ``Z``, the only time format documents carry (``run_time``)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str | datetime):
        raise InputError(f"{where}: {name}: not an ISO 8601 time: {value!r}")
    try:
        return run_time(value)
    except ValueError as exc:
        raise InputError(f"{where}: {name}: {exc}") from None


def _flag(value: Any, where: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InputError(f"{where}: complete: {value!r} is not true or false")


def check_unique(rows: Sequence[RunRow]) -> None:
    """A run listed twice is an error: which line should win is not ours to guess."""
    first: dict[int, RunRow] = {}
    for row in rows:
        if row.run in first:
            raise InputError(
                f"{row.where}: run {row.run} is listed twice (first at {first[row.run].where})"
            )
        first[row.run] = row


@dataclass(frozen=True)
class Retyped:
    """A run with registered files whose type the table changed: reported, not silent."""

    run: int
    old: str
    new: str
    old_source: str


@dataclass
class ImportSummary:
    """What an import did; ``held`` and ``retyped`` are facts to report, not errors."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    held: list[int] = field(default_factory=list)  # listed complete, no raw files: incomplete
    retyped: list[Retyped] = field(default_factory=list)


def store_metadata(
    db: Database, rows: Sequence[RunRow], source: str, *, progress: Progress = silent
) -> ImportSummary:
    """Write the rows into their run documents, in batches; files already there stay.

    A row listed complete is stored complete only if its run has raw files (see the
    module docstring); the summary says which were held back and which types changed.
    """
    summary = ImportSummary()
    with progress("importing runs", len(rows)) as advance:
        for begin in range(0, len(rows), BATCH):
            batch = rows[begin : begin + BATCH]
            _store_batch(db, batch, source, summary)
            advance(len(batch))
    return summary


def _store_batch(db: Database, rows: Sequence[RunRow], source: str, summary: ImportSummary) -> None:
    todo = list(rows)
    for _attempt in range(WRITE_ATTEMPTS):
        current = db.get_many([run_id(row.run) for row in todo])
        writes: list[tuple[RunRow, RunDocument, Retyped | None]] = []
        for row, doc in zip(todo, current, strict=True):
            existing = RunDocument.from_document(doc) if doc is not None else None
            base = existing or RunDocument.new(row.run, row.run_type, source)
            has_files = bool(base.files())
            wanted = set_metadata(
                base,
                run_type=row.run_type,
                start=row.start,
                end=row.end,
                complete=row.complete and has_files,
                source=source,
            )
            if row.complete and not has_files:
                summary.held.append(row.run)  # decided on this read: a retry re-reads
            if existing is not None and wanted == existing:
                summary.unchanged += 1
                continue
            retyped = None
            if existing is not None and has_files and existing.run_type != row.run_type:
                retyped = Retyped(row.run, existing.run_type, row.run_type, existing.source)
            writes.append((row, wanted, retyped))
        results = db.bulk([doc.to_document() for _, doc, _ in writes]) if writes else []
        todo = []
        for (row, written, retyped), result in zip(writes, results, strict=True):
            if result.ok:
                if written.rev is None:
                    summary.created += 1
                else:
                    summary.updated += 1
                if retyped is not None:
                    summary.retyped.append(retyped)
            else:
                if row.complete and row.run in summary.held:
                    summary.held.remove(row.run)  # merged again below, decided afresh
                todo.append(row)  # written meanwhile by someone else: merge again
        if not todo:
            return
    raise StoreError(f"run documents still conflicting after {WRITE_ATTEMPTS} attempts")


__all__ = [
    "COLUMNS",
    "ImportSummary",
    "Retyped",
    "RunRow",
    "check_row",
    "check_unique",
    "store_metadata",
]
