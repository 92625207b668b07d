"""Run metadata from a run table (file or PostgreSQL), checked row by row, and stored.

A run table says what the detector's run database says of each run: its number, run
type, start and end, and whether it is complete. ``RunRow`` is one checked row whatever
the table's format; ``store_metadata`` writes rows into the run documents, keeping the raw
files registration recorded, in bulk and only where something changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def store_metadata(
    db: Database, rows: Sequence[RunRow], source: str, *, progress: Progress = silent
) -> ImportSummary:
    """Write the rows into their run documents, in batches; files already there stay."""
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
        writes: list[tuple[RunRow, RunDocument]] = []
        for row, doc in zip(todo, current, strict=True):
            existing = RunDocument.from_document(doc) if doc is not None else None
            base = existing or RunDocument.new(row.run, row.run_type, source)
            wanted = set_metadata(
                base,
                run_type=row.run_type,
                start=row.start,
                end=row.end,
                complete=row.complete,
                source=source,
            )
            if existing is not None and wanted == existing:
                summary.unchanged += 1
                continue
            writes.append((row, wanted))
        results = db.bulk([doc.to_document() for _, doc in writes]) if writes else []
        todo = []
        for (row, written), result in zip(writes, results, strict=True):
            if result.ok:
                if written.rev is None:
                    summary.created += 1
                else:
                    summary.updated += 1
            else:
                todo.append(row)  # written meanwhile by someone else: merge again
        if not todo:
            return
    raise StoreError(f"run documents still conflicting after {WRITE_ATTEMPTS} attempts")


__all__ = ["COLUMNS", "ImportSummary", "RunRow", "check_row", "check_unique", "store_metadata"]
