"""Production request files: parsed, shape-checked by pydantic, then checked against the
module catalogue. Every problem is collected, so one run of ``gasp submit --dry-run``
lists them all.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, ValidationError

from gasp.catalog.model import ProductionCatalogue
from gasp.errors import InputError
from gasp.validation import json_error_location, validation_problems

TimeFormat = Literal["s", "min", "hour", "day", "year"]
SECONDS_PER: dict[str, float] = {
    "s": 1.0,
    "min": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "year": 365.25 * 86400.0,
}
TemplateValue = str | int | float

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


class RequestEntry(BaseModel):
    """One entry of ``modules``: a module and how much of it to produce."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    module: str = Field(min_length=1)
    priority: int = 0
    label: str | None = Field(default=None, min_length=1, pattern=r"^[A-Za-z0-9_.+-]+$")
    template: dict[str, TemplateValue] | None = None
    t_run: PositiveFloat | None = None
    t_format: TimeFormat | None = None
    n_runs: PositiveInt | None = None
    n_ev: PositiveInt | None = None
    ev_per_run: PositiveInt | None = None
    run_numbers: list[PositiveInt] | None = None

    def given(self, field: str) -> bool:
        return field in self.model_fields_set


class RequestFile(BaseModel):
    """A whole request file: a software version and its module entries."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    rat_v: str = Field(min_length=1)
    modules: list[RequestEntry] = Field(min_length=1)


def parse_request_text(text: str, source: str) -> tuple[RequestFile | None, list[str]]:
    """Parse and shape-check a request; returns the request or the problems found."""
    if not text.strip():
        return None, [f"{source}: the file is empty"]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"{source}: {json_error_location(exc)}"]
    return parse_request_data(raw, source)


def parse_request_data(raw: Any, source: str) -> tuple[RequestFile | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{source}: the request must be a JSON object with rat_v and modules"]
    try:
        return RequestFile.model_validate(raw), []
    except ValidationError as exc:
        return None, [f"{source}: {problem}" for problem in validation_problems(exc)]


def read_request(path: Path) -> tuple[RequestFile | None, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: cannot read request: {getattr(exc, 'strerror', None) or exc}"]
    return parse_request_text(text, str(path))


def check_against_catalogue(
    request: RequestFile,
    catalogue: ProductionCatalogue,
    source: str,
    *,
    run_list: Sequence[int] | None,
) -> list[str]:
    """Every problem of a shape-valid request that only the catalogue can reveal."""
    problems: list[str] = []
    seen_runs: dict[tuple[str, int], int] = {}
    for index, entry in enumerate(request.modules):
        where = f"{source}: modules[{index}]"
        module = catalogue.modules.get(entry.module)
        if module is None:
            close = difflib.get_close_matches(entry.module, list(catalogue.modules), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(
                f"{where}.module: unknown module {entry.module!r} for rat_v {request.rat_v}{hint}"
            )
            continue
        mode = module.event_mode
        allowed = set(_REQUIRED[mode]) | set(_OPTIONAL[mode])
        for field in _MODE_FIELDS:
            if entry.given(field) and field not in allowed:
                problems.append(
                    f"{where}.{field}: not a field of {mode}-mode module {entry.module}"
                )
        for field in _REQUIRED[mode]:
            if not entry.given(field):
                problems.append(f"{where}.{field}: required for {mode}-mode module {entry.module}")
        if (
            entry.n_ev is not None
            and entry.ev_per_run is not None
            and entry.ev_per_run > entry.n_ev
        ):
            problems.append(
                f"{where}.ev_per_run: {entry.ev_per_run} is larger than n_ev {entry.n_ev}"
            )
        problems.extend(_template_problems(where, entry, module.template))
        if mode in ("run", "run_number"):
            runs = entry.run_numbers if entry.run_numbers is not None else run_list
            if runs is None:
                problems.append(
                    f"{where}.run_numbers: {mode}-mode module {entry.module} needs runs "
                    "(run_numbers, or a run list with -L)"
                )
                continue
            if not runs:
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
    given = entry.template or {}
    problems = [
        f"{where}.template: missing field {name!r} (the macro has ${{{name}}})"
        for name in needed
        if name not in given
    ]
    problems += [
        f"{where}.template.{name}: unknown field (the macro's fields: "
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
