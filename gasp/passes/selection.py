"""Which passes an operator's command acts on: one selection, shared by every command.

Every operator command (``summary``, ``errors``, ``retry``, ``cancel``, ``labels``,
``delete``, ``stats``, ...) takes the same options and means the same passes by them, so
an operator who checked a selection with ``gasp summary`` retries exactly those passes
with ``gasp retry``. The options are checked here, all at once, before anything is read
or written (``make_selection``): a bad one is an ``InputError`` listing every problem.

A selection is resolved in two steps. ``candidates`` reads views only (never a job
document): the label's or request's passes, or a module's runs, with their status,
version and request, and drops what those already rule out. ``Selection.matches`` is then
the one full test, applied to the pass itself when a command reads its document to change
it, so a pass that changed between the two steps is judged on what it is now.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, get_args

from gasp.errors import InputError
from gasp.model.documents import (
    Kind,
    PassDocument,
    PassStateName,
    check_kind,
    request_document,
)
from gasp.model.exactly import Triple, expand, read_exactly
from gasp.model.ids import request_id
from gasp.model.runlist import read_run_list
from gasp.store import Database
from gasp.values import check_name, shown

PassKey = tuple[str, int, int]  # (module, run, pass)
PASS_STATES: tuple[PassStateName, ...] = get_args(PassStateName)
KEYS_PER_QUERY = 1000  # view keys asked in one request


@dataclass(frozen=True)
class Selection:
    """The options every operator command shares; ``None``/empty means "any"."""

    kind: Kind = "production"
    label: str | None = None
    request: str | None = None
    exactly: tuple[Triple, ...] | None = None
    exactly_source: str | None = None
    modules: tuple[str, ...] = ()  # shell-style globs
    version: str | None = None
    first_run: int | None = None
    last_run: int | None = None
    runs: frozenset[int] | None = None
    statuses: frozenset[PassStateName] | None = None
    pass_number: int | None = None
    last_pass: bool = False

    @property
    def scoped(self) -> bool:
        """Whether it names a campaign, a request, a list, modules or a version.

        Commands that change state refuse an unscoped selection: "every failed pass of
        every campaign" must be asked for (``--modules '*'``), not reached by omission.
        """
        return bool(
            self.label or self.request or self.exactly is not None or self.modules or self.version
        )

    def describe(self) -> str:
        """The selection in the words of its options, for plans and summaries."""
        parts = [f"kind {self.kind}"]
        if self.label:
            parts.append(f"label {self.label}")
        if self.request:
            parts.append(f"request {self.request}")
        if self.exactly_source:
            parts.append(f"list {self.exactly_source}")
        if self.modules:
            parts.append("modules " + ",".join(self.modules))
        if self.version:
            parts.append(f"version {self.version}")
        if self.first_run is not None:
            parts.append(f"runs {self.first_run}-{self.last_run}")
        if self.runs is not None:
            parts.append(f"{len(self.runs)} listed runs")
        if self.statuses is not None:
            parts.append("status " + ",".join(sorted(self.statuses)))
        if self.pass_number is not None:
            parts.append(f"pass {self.pass_number}")
        if self.last_pass:
            parts.append("last pass")
        return ", ".join(parts)

    def module_matches(self, module: str) -> bool:
        return not self.modules or any(fnmatch.fnmatchcase(module, g) for g in self.modules)

    def run_matches(self, run: int) -> bool:
        if (
            self.first_run is not None
            and self.last_run is not None
            and not self.first_run <= run <= self.last_run
        ):
            return False
        return self.runs is None or run in self.runs

    def row_matches(self, row: PassRow) -> bool:
        """What a view row can tell: everything but ``--lastpass``."""
        module, run, pass_number = row.key
        return (
            self.module_matches(module)
            and self.run_matches(run)
            and (self.statuses is None or row.status in self.statuses)
            and (self.version is None or row.version == self.version)
            and (self.request is None or row.request == self.request)
            and (self.pass_number is None or pass_number == self.pass_number)
        )

    def matches(self, module: str, run: int, pass_doc: PassDocument, last: int) -> bool:
        """The full test, on a pass as its job document holds it now (``last``: the job's
        highest pass number, for ``--lastpass``)."""
        row = PassRow(
            (module, run, pass_doc["pass"]),
            pass_doc["status"],
            pass_doc.get("rat_version"),
            pass_doc.get("request"),
            pass_doc.get("attempt", 1),
            None,
        )
        return self.row_matches(row) and (not self.last_pass or pass_doc["pass"] == last)


class PassRow(NamedTuple):
    """One pass as the ``ops/by_module`` view shows it."""

    key: PassKey
    status: str
    version: str | None
    request: str | None
    attempt: int
    site: str | None


@dataclass
class SelectionOptions:
    """The options as the command line (or a web form) gives them, unchecked."""

    kind: str | None = None
    label: str | None = None
    request: str | None = None
    exactly: Path | None = None
    modules: Sequence[str] = ()
    version: str | None = None
    runrange: tuple[int, int] | None = None
    runs: Sequence[int] = ()
    runlist: Path | None = None
    statuses: Sequence[str] = ()
    pass_number: int | None = None
    last_pass: bool = False
    problems: list[str] = field(default_factory=list)


def parse_statuses(texts: Iterable[str]) -> tuple[frozenset[PassStateName], list[str]]:
    """``--status S,S`` (repeatable) as states, and a problem for each unknown name."""
    states: set[PassStateName] = set()
    problems: list[str] = []
    by_name = {name: name for name in PASS_STATES}
    for text in texts:
        for name in (part.strip() for part in text.split(",")):
            if name in by_name:
                states.add(by_name[name])
            else:
                problems.append(
                    f"--status: unknown pass status {shown(name)} (one of {', '.join(PASS_STATES)})"
                )
    return frozenset(states), problems


def make_selection(options: SelectionOptions, *, default_statuses: Iterable[str] = ()) -> Selection:
    """Check every option and build the selection; ``InputError`` lists every problem."""
    problems = list(options.problems)
    kind: Kind = "production"
    if options.kind is not None:
        try:
            kind = check_kind(options.kind)
        except ValueError as exc:
            problems.append(f"--kind: {exc}")
    label = _checked_name("--label", options.label, problems)
    request = _checked_name("--request", options.request, problems)
    version = _checked_name("--version", options.version, problems)
    for glob in options.modules:
        if not glob or len(glob) > 100 or any(ch.isspace() or ord(ch) < 32 for ch in glob):
            problems.append(f"--modules: {shown(glob)} is not a module name or glob")
    exactly: tuple[Triple, ...] | None = None
    if options.exactly is not None:
        try:
            exactly = tuple(read_exactly(options.exactly))
        except InputError as exc:
            problems.append(str(exc))
    runs: set[int] | None = set(options.runs) if options.runs else None
    if options.runlist is not None:
        listed, list_problems = read_run_list(options.runlist)
        problems.extend(list_problems)
        runs = (runs or set()) | set(listed)
    first = last = None
    if options.runrange is not None:
        first, last = options.runrange
        if first > last:
            problems.append(f"--runrange: {first} is after {last} (give the smaller run first)")
    statuses: frozenset[PassStateName] | None = None
    status_texts = list(options.statuses) or list(default_statuses)
    if status_texts:
        statuses, status_problems = parse_statuses(status_texts)
        problems.extend(status_problems)
    if options.pass_number is not None and options.last_pass:
        problems.append("--pass and --lastpass: give one of them")
    sources = [opt for opt, value in (("--request", request), ("--exactly", exactly)) if value]
    if len(sources) > 1:
        problems.append("--request and --exactly: give one of them (a request has its list)")
    if problems:
        raise InputError("; ".join(problems))
    return Selection(
        kind=kind,
        label=label,
        request=request,
        exactly=exactly,
        exactly_source=str(options.exactly) if options.exactly else None,
        modules=tuple(options.modules),
        version=version,
        first_run=first,
        last_run=last,
        runs=frozenset(runs) if runs is not None else None,
        statuses=statuses,
        pass_number=options.pass_number,
        last_pass=options.last_pass,
    )


def _checked_name(option: str, value: str | None, problems: list[str]) -> str | None:
    if value is None:
        return None
    try:
        return check_name(value)
    except ValueError as exc:
        problems.append(f"{option}: {exc}")
        return None


def request_kind(databases: dict[Kind, Database], name: str) -> Kind:
    """The kind of a request by name (production first); ``InputError`` if there is none."""
    for kind, db in databases.items():
        if db.get_many([request_id(name)])[0] is not None:
            return kind
    raise InputError(f"--request: no request {name!r} (gasp requests list)")


def candidates(db: Database, selection: Selection) -> Iterator[PassRow]:
    """The passes a selection may mean, from views only, each once, in key order within
    each source (no document is read; ``Selection.matches`` has the last word)."""
    for row in _source_rows(db, selection):
        if selection.row_matches(row):
            yield row


def _source_rows(db: Database, selection: Selection) -> Iterator[PassRow]:
    if selection.exactly is not None:
        yield from _rows_of_keys(db, selection.exactly)
    elif selection.request is not None:
        found = db.get_many([request_id(selection.request)])[0]
        if found is None:
            raise InputError(f"--request: no {selection.kind} request {selection.request!r}")
        yield from _rows_of_keys(db, list(expand(request_document(found).get("exactly", []))))
    elif selection.label is not None:
        label = selection.label
        rows = db.view("passes", "by_label", startkey=[label], endkey=[label, {}])
        keys = [(r.key[1], r.key[2], r.key[3]) for r in rows if selection.module_matches(r.key[1])]
        yield from _rows_of_keys(db, [k for k in keys if selection.run_matches(k[1])])
    else:
        for module in modules_present(db, selection):
            yield from _rows_of_module(db, module, selection)


def modules_present(db: Database, selection: Selection) -> list[str]:
    """The modules with passes that the selection's globs and version allow (one reduced
    read of ``passes/by_version``: [version, module] groups, not documents)."""
    found: set[str] = set()
    version = selection.version
    rows = (
        db.view("passes", "by_version", startkey=[version], endkey=[version, {}], group_level=2)
        if version is not None
        else db.view("passes", "by_version", group_level=2)
    )
    for row in rows:
        module = row.key[1]
        if selection.module_matches(module):
            found.add(module)
    return sorted(found)


def _rows_of_module(db: Database, module: str, selection: Selection) -> Iterator[PassRow]:
    if selection.first_run is not None:
        start: list[object] = [module, selection.first_run]
        end: list[object] = [module, selection.last_run, {}]
    else:
        start, end = [module], [module, {}]
    for row in db.view("ops", "by_module", startkey=start, endkey=end):
        yield _pass_row(row.key, row.value)


def _rows_of_keys(db: Database, keys: Sequence[PassKey]) -> Iterator[PassRow]:
    """Rows of listed passes, ``KEYS_PER_QUERY`` keys a request; unknown ones are absent."""
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), KEYS_PER_QUERY):
        chunk = [list(key) for key in unique[start : start + KEYS_PER_QUERY]]
        for row in db.view("ops", "by_module", keys=chunk):
            yield _pass_row(row.key, row.value)


def _pass_row(key: list[object], value: list[object]) -> PassRow:
    module, run, pass_number = key
    status, version, request, attempt, site = value
    return PassRow(
        (str(module), int(str(run)), int(str(pass_number))),
        str(status),
        str(version) if version is not None else None,
        str(request) if request is not None else None,
        int(str(attempt)),
        str(site) if site is not None else None,
    )


__all__ = [
    "KEYS_PER_QUERY",
    "PASS_STATES",
    "PassKey",
    "PassRow",
    "Selection",
    "SelectionOptions",
    "candidates",
    "make_selection",
    "modules_present",
    "parse_statuses",
    "request_kind",
]
