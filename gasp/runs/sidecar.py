"""The sidecar ``run_<R>.json`` the data acquisition writes last beside a run's raw files.

Its presence means the run is complete (it is written atomically after every raw file);
it lists every file with its level, events, size and adler32, which registration checks
against the files themselves before anything is copied or recorded. Fields gasp does not
use (seed, software version) are allowed, since the writer is another program.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gasp.errors import InputError
from gasp.model.run import MAX_RUN, check_run_type
from gasp.validation import describe_validation_error, json_error_location

SIDECAR = re.compile(r"^run_(\d+)\.json$")
_FILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # a plain name: no folder, no hidden file


class SidecarFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    level: Literal["l1", "l2"]
    name: str = Field(pattern=_FILE_NAME)
    events: int = Field(ge=0)
    size: int = Field(ge=0)
    adler32: str = Field(pattern=r"^[0-9a-f]{8}$")


class SidecarSubrun(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    subrun: int = Field(ge=0)
    files: list[SidecarFile]


class Sidecar(BaseModel):
    """One run as the data acquisition describes it."""

    model_config = ConfigDict(extra="allow", strict=True)

    run: int = Field(ge=0, le=MAX_RUN)
    run_type: str
    start: str | None = None
    end: str | None = None
    complete: bool = True
    subruns: list[SidecarSubrun]

    @field_validator("run_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return check_run_type(value)

    def files(self) -> list[tuple[int, SidecarFile]]:
        return [(s.subrun, f) for s in self.subruns for f in s.files]


def find_sidecars(folder: Path) -> list[Path]:
    """The sidecars in ``folder``, in run order; ``InputError`` if it is not a folder."""
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise InputError(f"{folder}: {what}")
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := SIDECAR.match(p.name))]
    return [path for _, path in sorted(found)]


def read_sidecar(path: Path) -> Sidecar:
    """Parse and check one sidecar; every problem is an ``InputError`` naming the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: {json_error_location(exc)}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a JSON object")
    try:
        sidecar = Sidecar.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, str(path))) from exc
    match = SIDECAR.match(path.name)
    if match and int(match.group(1)) != sidecar.run:
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


__all__ = ["Sidecar", "SidecarFile", "SidecarSubrun", "find_sidecars", "read_sidecar"]
