"""The sidecar ``run_<R>.json`` the data acquisition writes last beside a run's raw files.

Its presence means the run is complete (it is written atomically after every raw file);
it lists every file with its level, events, size and adler32, which registration checks
against the files themselves before anything is copied or recorded. Fields gasp does not
use (seed, software version) are allowed, since the writer is another program.

A sidecar's values follow the same rules as a run table's (``gasp.model.run``): the run
number, the run type, start and end times with their zone and in order, and event counts
in range. The counts matter most: processing later demands exactly that many events of
each job, so a wrong one would fail every job of the run, long after registration.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from gasp.errors import InputError
from gasp.model.run import SubrunNumber, check_run_period, check_run_type, run_time
from gasp.parsing import parse_json
from gasp.validation import describe_validation_error
from gasp.values import EventCount, RunNumber, parse_run

SIDECAR = re.compile(r"^run_([0-9]+)\.json$")  # ASCII digits: \d would take ٣ for 3
_FILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # a plain name: no folder, no hidden file


class SidecarFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    level: Literal["l1", "l2"]
    name: str = Field(pattern=_FILE_NAME)
    events: EventCount
    size: int = Field(ge=0)
    adler32: str = Field(pattern=r"^[0-9a-f]{8}$")


class SidecarSubrun(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    subrun: SubrunNumber
    files: list[SidecarFile]


class Sidecar(BaseModel):
    """One run as the data acquisition describes it."""

    model_config = ConfigDict(extra="allow", strict=True)

    run: RunNumber
    run_type: str
    start: str | None = None
    end: str | None = None
    complete: bool = True
    subruns: list[SidecarSubrun]

    @field_validator("run_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return check_run_type(value)

    @field_validator("start", "end")
    @classmethod
    def _time(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        moment = run_time(value)
        if info.field_name == "end":
            check_run_period(info.data.get("start"), moment)
        return moment

    def files(self) -> list[tuple[int, SidecarFile]]:
        return [(s.subrun, f) for s in self.subruns for f in s.files]


def find_sidecars(folder: Path) -> list[Path]:
    """The sidecars in ``folder``, in run order; ``InputError`` if it is not a folder.

    Ordered by their digits without leading zeros (shorter first), which is run order
    without converting a thousand-digit name to a number.
    """
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise InputError(f"{folder}: {what}")
    found = [(m.group(1).lstrip("0"), p) for p in folder.iterdir() if (m := SIDECAR.match(p.name))]
    return [path for _, path in sorted(found, key=lambda item: (len(item[0]), item))]


def named_run(path: Path) -> int:
    """The run a sidecar's file name gives (``run_0100151.json``: 100151), by the run rule."""
    match = SIDECAR.match(path.name)
    if match is None:
        raise ValueError(f"{path.name!r} is not named run_<R>.json")
    return parse_run(match.group(1))


def read_sidecar(path: Path) -> Sidecar:
    """Parse and check one sidecar; every problem is an ``InputError`` naming the file."""
    try:
        raw = parse_json(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a JSON object")
    try:
        sidecar = Sidecar.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, str(path))) from None
    if SIDECAR.match(path.name):
        try:
            named = named_run(path)
        except ValueError as exc:
            raise InputError(f"{path}: the file name: {exc}") from None
        if named != sidecar.run:
            raise InputError(f"{path}: run: {sidecar.run} is not the run the file is named for")
    _check_files(path, sidecar)
    return sidecar


def _check_files(path: Path, sidecar: Sidecar) -> None:
    if not sidecar.files():
        raise InputError(f"{path}: run {sidecar.run} has no raw files")
    seen_subruns: set[int] = set()
    seen_names: set[str] = set()
    for index, subrun in enumerate(sidecar.subruns):
        if subrun.subrun in seen_subruns:
            raise InputError(f"{path}: subruns[{index}]: subrun {subrun.subrun} is listed twice")
        seen_subruns.add(subrun.subrun)
        levels = [f.level for f in subrun.files]
        if len(set(levels)) != len(levels):
            raise InputError(f"{path}: subruns[{index}]: a level is listed twice")
        for entry in subrun.files:
            if entry.name in seen_names:
                raise InputError(f"{path}: file {entry.name} is listed twice")
            seen_names.add(entry.name)


def same_run_problems(paths: list[Path]) -> list[str]:
    """Two sidecars of one run (``run_100151.json`` and ``run_0100151.json``) are an error.

    Which of them describes the run is not ours to guess, so both are named. The run is
    the one in the file name (``read_sidecar`` holds the content to it), so the clash is
    reported even when one of the two cannot be read.
    """
    first: dict[int, Path] = {}
    problems = []
    for path in paths:
        try:
            run = named_run(path)
        except ValueError:
            continue  # read_sidecar reports the name
        if run in first:
            problems.append(
                f"{path}: run {run} is also described by {first[run]}: keep one sidecar per run"
            )
        first.setdefault(run, path)
    return problems


__all__ = [
    "Sidecar",
    "SidecarFile",
    "SidecarSubrun",
    "find_sidecars",
    "named_run",
    "read_sidecar",
    "same_run_problems",
]
