"""``gasp summary``: how many passes of a selection are in each state, by module or by run.

A campaign of a hundred thousand passes must be summarised in a second against a remote
CouchDB without loading it, so the counts come from reduced views (the server counts and
sends one row per group), never from documents. Which view is read depends on what the
selection names; the filters a grouped key holds (module globs, status, version, run) are
applied to the grouped rows:

=============================  =========================================================
selection                      reduced view, grouped
=============================  =========================================================
``--label``                    ``ops/label_status``: [label, module, status, version]
``--request``                  ``ops/request_status``: [request, module, status, version]
``--version`` / ``--modules``  ``passes/by_version``: [version, module, status]
nothing                        ``passes/by_status``: [status, module, version]
``--by run``                   ``ops/run_status``: [run, module, status, version]
=============================  =========================================================

A filter no grouped key answers (runs by module, ``--exactly``, ``--pass``,
``--lastpass``, a label and a request together, a label or request ``--by run``) falls
back to counting the rows ``candidates`` reads from ``ops/by_module``: one row per pass,
still no document. ``Summary.source`` says which way a summary was made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple, TypedDict

from gasp.errors import InputError
from gasp.model.ids import request_id
from gasp.passes.selection import PASS_STATES, PassRow, Selection, candidates
from gasp.store import Database

SummaryBy = Literal["module", "run"]
SUMMARY_BY: tuple[SummaryBy, ...] = ("module", "run")
RowKey = str | int  # a module name, or a run number


class SummaryRowJson(TypedDict):
    """One line of ``gasp summary --json``: a module (or run) and its counts."""

    key: RowKey
    counts: dict[str, int]
    total: int


class SummaryJson(TypedDict):
    """``gasp summary --json``: the table, its totals, and how it was counted."""

    selection: str
    by: SummaryBy
    source: str
    statuses: list[str]
    rows: list[SummaryRowJson]
    totals: dict[str, int]
    total: int


@dataclass
class Summary:
    """Pass counts by row (module or run) and status."""

    by: SummaryBy
    source: str  # the view counted, e.g. "ops/label_status (reduced)"
    counts: dict[RowKey, dict[str, int]] = field(default_factory=dict)

    def add(self, row: RowKey, status: str, count: int) -> None:
        line = self.counts.setdefault(row, {})
        line[status] = line.get(status, 0) + count

    @property
    def statuses(self) -> list[str]:
        """The statuses that occur, in the order of the pass state table (an unknown one,
        which gasp never writes, last), so columns read as a pass moves along them."""
        present = {status for line in self.counts.values() for status in line}
        order = [s for s in PASS_STATES if s in present]
        return order + sorted(present - set(PASS_STATES))

    @property
    def rows(self) -> list[RowKey]:
        """Modules by name, runs by number."""
        return sorted(self.counts, key=lambda row: (isinstance(row, str), row))

    def totals(self) -> dict[str, int]:
        return {s: sum(line.get(s, 0) for line in self.counts.values()) for s in self.statuses}

    def total(self) -> int:
        return sum(sum(line.values()) for line in self.counts.values())

    def to_json(self, selection: Selection) -> SummaryJson:
        statuses = self.statuses
        return {
            "selection": selection.describe(),
            "by": self.by,
            "source": self.source,
            "statuses": statuses,
            "rows": [
                {
                    "key": row,
                    "counts": {s: self.counts[row].get(s, 0) for s in statuses},
                    "total": sum(self.counts[row].values()),
                }
                for row in self.rows
            ],
            "totals": self.totals(),
            "total": self.total(),
        }


class _Layout(NamedTuple):
    """Where a grouped key holds each field (``None``: it does not hold it)."""

    run: int | None
    module: int
    status: int
    version: int


@dataclass(frozen=True)
class _Reduced:
    """One reduced read: a view, its key range and how its keys are laid out."""

    ddoc: str
    view: str
    layout: _Layout
    start: list[object] | None = None
    end: list[object] | None = None

    @property
    def name(self) -> str:
        return f"{self.ddoc}/{self.view} (reduced)"

    @property
    def level(self) -> int:
        """Group by the whole key: every field it holds is filtered on."""
        return max(p for p in self.layout if p is not None) + 1


_BY_NAME = _Layout(None, 1, 2, 3)  # [label or request, module, status, version]
_BY_VERSION = _Layout(None, 1, 2, 0)
_BY_STATUS = _Layout(None, 1, 0, 2)
_BY_RUN = _Layout(0, 1, 2, 3)


def _prefixed(ddoc: str, view: str, layout: _Layout, prefix: object) -> _Reduced:
    return _Reduced(ddoc, view, layout, [prefix], [prefix, {}])


def _reduced_source(selection: Selection, by: SummaryBy) -> _Reduced | None:
    """The reduced view that answers the whole selection, or ``None`` if none does."""
    if selection.exactly is not None or selection.pass_number is not None or selection.last_pass:
        return None
    if by == "run":
        if selection.label is not None or selection.request is not None:
            return None
        if selection.first_run is not None:
            start: list[object] = [selection.first_run]
            return _Reduced("ops", "run_status", _BY_RUN, start, [selection.last_run, {}])
        return _Reduced("ops", "run_status", _BY_RUN)
    if selection.runs is not None or selection.first_run is not None:
        return None
    if selection.label is not None and selection.request is not None:
        return None
    if selection.label is not None:
        return _prefixed("ops", "label_status", _BY_NAME, selection.label)
    if selection.request is not None:
        return _prefixed("ops", "request_status", _BY_NAME, selection.request)
    if selection.version is not None:
        return _prefixed("passes", "by_version", _BY_VERSION, selection.version)
    if selection.modules:
        return _Reduced("passes", "by_version", _BY_VERSION)
    return _Reduced("passes", "by_status", _BY_STATUS)


def summarise(db: Database, selection: Selection, *, by: SummaryBy = "module") -> Summary:
    """Count the selection's passes by ``by`` and status, from views only."""
    source = _reduced_source(selection, by)
    if source is None:
        return _count_rows(db, selection, by)
    summary = Summary(by, source.name)
    for run, module, status, version, count in _grouped(db, source):
        if (
            selection.module_matches(module)
            and (run is None or selection.run_matches(run))
            and (selection.statuses is None or status in selection.statuses)
            and (selection.version is None or version == selection.version)
        ):
            summary.add(run if by == "run" and run is not None else module, status, count)
    if selection.request is not None and not summary.counts:
        _check_request(db, selection.request)
    return summary


class _Group(NamedTuple):
    run: int | None
    module: str
    status: str
    version: str | None
    passes: int


def _grouped(db: Database, source: _Reduced) -> Iterator[_Group]:
    """The grouped rows of one reduced read, as (run, module, status, version, passes)."""
    if source.start is None:
        rows = db.view(source.ddoc, source.view, reduce=True, group_level=source.level)
    else:
        rows = db.view(
            source.ddoc,
            source.view,
            startkey=source.start,
            endkey=source.end,
            reduce=True,
            group_level=source.level,
        )
    layout = source.layout
    for row in rows:
        key = row.key
        version = key[layout.version]
        yield _Group(
            int(key[layout.run]) if layout.run is not None else None,
            str(key[layout.module]),
            str(key[layout.status]),
            str(version) if version is not None else None,
            int(row.value),
        )


def _check_request(db: Database, name: str) -> None:
    """A request with no pass counted: a bad name must not read as an empty table."""
    if db.get_many([request_id(name)])[0] is None:
        raise InputError(f"--request: no request {name!r} in this database (gasp requests list)")


def _count_rows(db: Database, selection: Selection, by: SummaryBy) -> Summary:
    """The fallback: one ``ops/by_module`` row per pass, counted here."""
    summary = Summary(by, "ops/by_module (rows)")
    rows: Iterable[PassRow] = (
        _last_rows(db, selection) if selection.last_pass else candidates(db, selection)
    )
    for row in rows:
        module, run, _ = row.key
        summary.add(run if by == "run" else module, row.status, 1)
    return summary


def _last_rows(db: Database, selection: Selection) -> list[PassRow]:
    """``--lastpass`` from views: a job's last pass is its highest pass number whatever
    the other filters say, so every pass of the selected jobs is read (``_last_passes``)."""
    wide = list(candidates(db, replace(selection, statuses=None, version=None, last_pass=False)))
    last = _last_passes(db, {(row.key[0], row.key[1]) for row in wide})
    return [
        row
        for row in wide
        if selection.row_matches(row) and row.key[2] == last.get((row.key[0], row.key[1]))
    ]


def _last_passes(db: Database, jobs: set[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The highest pass number of each (module, run): one ``ops/by_module`` read per
    module, over the span of its runs (rows, not documents)."""
    spans: dict[str, tuple[int, int]] = {}
    for module, run in jobs:
        low, high = spans.get(module, (run, run))
        spans[module] = (min(low, run), max(high, run))
    last: dict[tuple[str, int], int] = {}
    for module, (low, high) in sorted(spans.items()):
        for row in db.view("ops", "by_module", startkey=[module, low], endkey=[module, high, {}]):
            job = (module, int(row.key[1]))
            if job in jobs:
                last[job] = max(last.get(job, 0), int(row.key[2]))
    return last


__all__ = ["SUMMARY_BY", "Summary", "SummaryBy", "SummaryJson", "SummaryRowJson", "summarise"]
