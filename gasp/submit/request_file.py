"""Production request files: parsed, shape-checked entry by entry, then checked against the
module catalogue.

Every problem is collected and reported in file order, so one run of ``gasp submit
--dry-run`` lists them all. Entries are validated one at a time: a type error in one entry
must not hide the catalogue problems of the others, as one validation of the whole file
would (pydantic builds no partial model).

The values themselves follow the shared rules of ``gasp.values``: run numbers from 1 to
``MAX_RUN``, counts up to ``MAX_COUNT``, finite durations, single-line template text.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gasp.catalog.model import ProductionCatalogue, ProductionModule
from gasp.errors import InputError
from gasp.parsing import parse_json
from gasp.validation import validation_problems
from gasp.values import Duration, Name, PositiveCount, Priority, RunNumber, TemplateValue

TimeFormat = Literal["s", "min", "hour", "day", "year"]
SECONDS_PER: dict[str, float] = {
    "s": 1.0,
    "min": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "year": 365.25 * 86400.0,
}

# Fields each event mode takes (besides module, priority, label, template).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "time": ("t_run", "t_format", "n_runs"),
    "number": ("n_ev", "ev_per_run"),
    "run": (),
    "run_number": ("n_ev", "ev_per_run"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "time": (),
    "number": (),
    "run": ("run_numbers", "n_runs"),
    "run_number": ("run_numbers",),
}
_MODE_FIELDS = ("t_run", "t_format", "n_runs", "n_ev", "ev_per_run", "run_numbers")
RUN_MODES = ("run", "run_number")

Problems = dict[int, list[str]]  # by entry index
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


class RequestEntry(BaseModel):
    """One entry of ``modules``: a module and how much of it to produce."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    module: Name
    priority: Priority = 0
    label: Name | None = None
    template: dict[str, TemplateValue] | None = None
    t_run: Duration | None = None
    t_format: TimeFormat | None = None
    n_runs: PositiveCount | None = None
    n_ev: PositiveCount | None = None
    ev_per_run: PositiveCount | None = None
    run_numbers: list[RunNumber] | None = None

    def given(self, name: str) -> bool:
        return name in self.model_fields_set


class RequestFile(BaseModel):
    """A whole, valid request: a software version and its module entries."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rat_v: Name
    modules: list[RequestEntry] = Field(min_length=1)


class _TopLevel(BaseModel):
    """The file's own fields; the entries are validated one by one afterwards."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rat_v: Name
    modules: list[object] = Field(min_length=1)


@dataclass
class ParsedRequest:
    """A request file as far as it could be read: its valid parts and its problems."""

    source: str
    rat_v: str | None = None
    entries: dict[int, RequestEntry] = field(default_factory=dict)  # valid ones, by index
    count: int = 0  # entries in the file, valid or not
    top: list[str] = field(default_factory=list)  # problems of the file itself
    by_entry: Problems = field(default_factory=dict)  # shape problems of each entry

    def in_file_order(self, *more: Problems) -> list[str]:
        """The file's problems, then each entry's (its shape first, then ``more``)."""
        problems = list(self.top)
        for index in range(self.count):
            problems += self.by_entry.get(index, [])
            for extra in more:
                problems += extra.get(index, [])
        return problems

    def request(self) -> RequestFile:
        """The whole request, once every entry is known valid."""
        assert self.rat_v is not None and len(self.entries) == self.count
        return RequestFile.model_construct(
            rat_v=self.rat_v, modules=[self.entries[i] for i in range(self.count)]
        )


def parse_request_text(text: str | bytes, source: str) -> ParsedRequest:
    """Parse and shape-check a request, entry by entry."""
    if not text.strip():
        return ParsedRequest(source, top=[f"{source}: the file is empty"])
    try:
        raw = parse_json(text, source)
    except InputError as exc:
        return ParsedRequest(source, top=[str(exc)])
    return parse_request_data(raw, source)


def parse_request_data(raw: object, source: str) -> ParsedRequest:
    """Shape-check parsed JSON: the top level, then every entry on its own."""
    parsed = ParsedRequest(source)
    if not isinstance(raw, dict):
        parsed.top.append(f"{source}: the request must be a JSON object with rat_v and modules")
        return parsed
    bad_fields: set[int | str] = set()
    try:
        _TopLevel.model_validate(raw)
    except ValidationError as exc:
        bad_fields = {error["loc"][0] for error in exc.errors() if error["loc"]}
        parsed.top += [f"{source}: {_one_line(problem)}" for problem in validation_problems(exc)]
    if "rat_v" not in bad_fields:
        parsed.rat_v = raw["rat_v"]
    entries = raw.get("modules")
    if not isinstance(entries, list):
        return parsed
    parsed.count = len(entries)
    for index, entry in enumerate(entries):
        try:
            parsed.entries[index] = RequestEntry.model_validate(entry)
        except ValidationError as exc:
            parsed.by_entry[index] = [
                f"{source}: modules[{index}]{_within_entry(problem)}"
                for problem in validation_problems(exc)
            ]
    return parsed


def _within_entry(problem: str) -> str:
    """``field: message`` of one entry, to follow ``modules[i]``."""
    problem = _one_line(problem)
    if problem.startswith("(top level)"):
        return problem.removeprefix("(top level)")
    return f".{problem}"


def _one_line(text: str) -> str:
    """A message part quoting the file's text (a key) kept on one line."""
    return _CONTROL.sub(lambda found: repr(found.group())[1:-1], text)


def read_request(path: Path) -> ParsedRequest:
    try:
        text = path.read_bytes()
    except OSError as exc:
        return ParsedRequest(str(path), top=[f"{path}: cannot read request: {exc.strerror or exc}"])
    return parse_request_text(text, str(path))


def check_against_catalogue(
    parsed: ParsedRequest,
    catalogue: ProductionCatalogue,
    *,
    run_list: Sequence[int] | None,
) -> Problems:
    """Every problem of the shape-valid entries that only the catalogue can reveal."""
    problems: Problems = {}
    seen_runs: dict[tuple[str, int], int] = {}
    for index, entry in sorted(parsed.entries.items()):
        where = f"{parsed.source}: modules[{index}]"
        found = problems.setdefault(index, [])
        module = catalogue.modules.get(entry.module)
        if module is None:
            close = difflib.get_close_matches(entry.module, list(catalogue.modules), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            found.append(
                f"{where}.module: unknown module {entry.module!r} for rat_v "
                f"{catalogue.rat_version}{hint}"
            )
            continue
        found += _mode_problems(where, entry, module.event_mode)
        found += _template_problems(where, entry, module.template)
        if module.event_mode in RUN_MODES:
            found += _run_problems(where, index, entry, module, run_list, seen_runs)
    return problems


def _mode_problems(where: str, entry: RequestEntry, mode: str) -> list[str]:
    """The fields the module's event mode takes, and arithmetic on them that cannot work."""
    problems = []
    allowed = set(_REQUIRED[mode]) | set(_OPTIONAL[mode])
    for name in _MODE_FIELDS:
        if entry.given(name) and name not in allowed:
            problems.append(f"{where}.{name}: not a field of {mode}-mode module {entry.module}")
    for name in _REQUIRED[mode]:
        if not entry.given(name):
            problems.append(f"{where}.{name}: required for {mode}-mode module {entry.module}")
    if entry.n_ev is not None and entry.ev_per_run is not None and entry.ev_per_run > entry.n_ev:
        problems.append(f"{where}.ev_per_run: {entry.ev_per_run} is larger than n_ev {entry.n_ev}")
    seconds = (entry.t_run or 0.0) * SECONDS_PER[entry.t_format or "s"]
    if not math.isfinite(seconds):
        problems.append(
            f"{where}.t_run: {entry.t_run} {entry.t_format} is more seconds than a number can hold"
        )
    return problems


def _run_problems(
    where: str,
    index: int,
    entry: RequestEntry,
    module: ProductionModule,
    run_list: Sequence[int] | None,
    seen_runs: dict[tuple[str, int], int],
) -> list[str]:
    """A run-mode entry's runs: given, not repeated, not requested by an earlier entry."""
    runs = entry.run_numbers if entry.run_numbers is not None else run_list
    if runs is None:
        return [
            f"{where}.run_numbers: {module.event_mode}-mode module {entry.module} needs runs "
            "(run_numbers, or a run list with -L)"
        ]
    problems = []
    if not runs and entry.run_numbers is not None:  # an empty -L list is its own problem
        problems.append(f"{where}.run_numbers: the list of runs is empty")
    counted: dict[int, int] = {}
    for run in runs:
        counted[run] = counted.get(run, 0) + 1
    for run, count in counted.items():
        if count > 1:
            problems.append(f"{where}.run_numbers: run {run} is listed {count} times")
        previous = seen_runs.setdefault((entry.module, run), index)
        if previous != index:
            problems.append(
                f"{where}.run_numbers: run {run} of {entry.module} is already "
                f"requested by modules[{previous}]"
            )
    return problems


def _template_problems(where: str, entry: RequestEntry, needed: Sequence[str]) -> list[str]:
    given: Mapping[str, object] = entry.template or {}
    problems = [
        f"{where}.template: missing field {name!r} (the macro has ${{{name}}})"
        for name in needed
        if name not in given
    ]
    problems += [
        f"{where}.template.{_one_line(name)}: unknown field (the macro's fields: "
        f"{', '.join(needed) or 'none'})"
        for name in given
        if name not in needed
    ]
    return problems


def raise_problems(problems: list[str]) -> None:
    """One ``InputError`` listing every problem, or nothing if there are none."""
    if not problems:
        return
    if len(problems) == 1:
        raise InputError(problems[0])
    raise InputError(
        f"{len(problems)} problems, nothing written:\n" + "\n".join(f"  {p}" for p in problems)
    )
