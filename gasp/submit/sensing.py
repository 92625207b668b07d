"""Which runs a processing submission takes: sensed, a block, or a reprocessing selection.

* ``--start-run RUN`` senses complete runs after RUN, or after the last run an earlier
  sensing pass handled if that is later: the ``sensing:processing`` document remembers it,
  so calling the command again (from cron or ``--loop``) never submits a run twice;
* ``--block START END``: the complete runs of that range that have no pass yet;
* ``--range``, ``--after``, ``--runs``, ``-L``: reprocessing, a new pass for each run.

Runs are read from the ``runs`` views in run order, a page at a time, without their file
lists; the documents of the chosen runs are then read in one bulk request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from gasp.errors import Conflict
from gasp.model.clock import utc_now
from gasp.model.documents import SensingDocument, sensing_document, stored
from gasp.store import UNSET, Database

SENSING_ID = "sensing:processing"
PAGE = 1000
SelectionHow = Literal["sense", "block", "reprocess"]


@dataclass(frozen=True)
class Selection:
    """How runs are chosen; exactly one way per submission."""

    how: SelectionHow
    first: int | None = None  # inclusive bounds, None: open
    last: int | None = None
    runs: tuple[int, ...] | None = None  # an explicit list (--runs, -L)

    @property
    def new_only(self) -> bool:
        """Sensing and blocks make first passes; reprocessing always a new one."""
        return self.how != "reprocess"

    def describe(self) -> str:
        if self.runs is not None:
            return f"{len(self.runs)} listed runs"
        low = "" if self.first is None else str(self.first)
        high = "" if self.last is None else str(self.last)
        return f"runs {low}..{high}"


def _read(db: Database) -> SensingDocument | None:
    """The sensing document, once a sensing submission wrote it."""
    found = db.get_many([SENSING_ID])[0]
    return sensing_document(found) if found is not None else None


def last_sensed(db: Database) -> int | None:
    """The highest run an earlier sensing pass handled, if any."""
    doc = _read(db)
    return doc["last_run"] if doc else None


def sensing_selection(db: Database, start_run: int) -> Selection:
    """Complete runs after ``start_run`` and after the last one already sensed."""
    previous = last_sensed(db)
    after = max(start_run, previous if previous is not None else start_run)
    return Selection("sense", first=after + 1)


def record_sensed(db: Database, run: int) -> None:
    """Remember that sensing handled every complete run up to ``run`` (only moves forward)."""
    while True:
        doc: SensingDocument = _read(db) or {
            "_id": SENSING_ID,
            "type": "sensing",
            "kind": "processing",
        }
        if doc.get("last_run", -1) >= run:
            return
        doc["last_run"] = run
        doc["updated"] = utc_now()
        try:
            db.put(stored(doc))
            return
        except Conflict:
            continue


def registered_runs(
    db: Database, first: int | None, last: int | None, *, complete_only: bool
) -> Iterator[tuple[int, str, bool]]:
    """(run, run type, complete) of registered runs in ``[first, last]``, in run order."""
    view = "complete_by_number" if complete_only else "by_number"
    start = first
    while True:
        rows = list(
            db.view(
                "runs",
                view,
                limit=PAGE,
                startkey=UNSET if start is None else start,
                endkey=UNSET if last is None else last,
            )
        )
        for row in rows:
            value = row.value
            if complete_only:
                yield int(row.key), str(value), True
            else:
                yield int(row.key), str(value[0]), bool(value[1])
        if len(rows) < PAGE:
            return
        start = int(rows[-1].key) + 1


def selected_runs(db: Database, selection: Selection) -> list[int]:
    """The runs a selection names (explicit lists as given; ranges: complete runs only)."""
    if selection.runs is not None:
        return list(selection.runs)
    return [
        run
        for run, _type, _complete in registered_runs(
            db, selection.first, selection.last, complete_only=True
        )
    ]


def check_bounds(first: int, last: int, option: str) -> list[str]:
    return [f"{option} {first} {last}: START is after END"] if first > last else []


def dedupe(runs: Sequence[int]) -> tuple[int, ...]:
    """Run lists in run order without repeats (processing goes run by run, in order)."""
    return tuple(sorted(set(runs)))


__all__ = [
    "SENSING_ID",
    "Selection",
    "check_bounds",
    "dedupe",
    "last_sensed",
    "record_sensed",
    "registered_runs",
    "selected_runs",
    "sensing_selection",
]
