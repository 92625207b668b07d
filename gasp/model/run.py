"""Run documents: one detector run, its type and times, and its raw files per subrun.

``run:<run>`` lives in the processing database. ``gasp runs register`` fills in the raw
files (with their replicas on a storage element) and ``gasp runs import`` the metadata
(type, start, end, complete flag); either may come first and neither drops what the other
wrote. Processing reads the level-2 files (``l2_files``); the level-1 files are archived.

The run types are the experiment's; ``gasp.toyrat.daq`` keeps its own copy because gasp's
domain layer must not import the stand-in application (a test checks the two agree).

A run's values have one rule each, used by every reader (sidecars, run tables, PostgreSQL):
its number (``gasp.values.check_run``), its type (``check_run_type``), its start and end
(``run_time``, ``check_run_period``) and a file's event count (``gasp.values.EventCount``,
which processing later uses as the exact number of events each job must produce).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gasp.values import MAX_COUNT, MAX_RUN, EventCount, RunNumber, parse_timestamp

RUN_TYPES = (
    "Physics",
    "DeployedSource",
    "ExternalSource",
    "TELLIE",
    "SMELLIE",
    "AMELLIE",
    "PCA",
    "ECA",
)
CALIBRATION_RUN_TYPES = ("PCA", "ECA")
LEVELS = ("L1", "L2")
RAW_KIND = "raw"

RawLevel = Literal["L1", "L2"]
SubrunNumber = Annotated[int, Field(ge=0, le=MAX_COUNT)]  # exact in every store's JSON
_ADLER32 = r"^[0-9a-f]{8}$"
_SOURCE = re.compile(r"^(register|postgres|import:.+)$")


def run_id(run: int) -> str:
    """One run document per run number."""
    return f"run:{run}"


def raw_lfn(run: int, name: str) -> str:
    """``raw/r<run rounded down to 100>/<name>``: where a raw file lives on every element."""
    return f"{RAW_KIND}/r{run // 100 * 100}/{name}"


def check_run_type(value: str) -> str:
    """The run type itself, or a ValueError naming the valid ones."""
    if value not in RUN_TYPES:
        raise ValueError(f"unknown run type {value!r}: expected one of {', '.join(RUN_TYPES)}")
    return value


def run_time(value: str | datetime) -> str:
    """A run's start or end as documents carry it: UTC ISO 8601 to the second, with ``Z``.

    The time must say its time zone: a detector's run database often keeps local time, and
    taking it for UTC would silently shift every run by hours. Range and format are the
    shared rule (``parse_timestamp``). ``ValueError`` says what is wrong.
    """
    text = value.isoformat() if isinstance(value, datetime) else value
    moment = parse_timestamp(text)
    if not _names_zone(text):
        raise ValueError(f"{text.strip()!r} has no time zone (add Z or +00:00)")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _names_zone(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.strip()).tzinfo is not None
    except ValueError:
        return False


def check_run_period(start: str | None, end: str | None) -> None:
    """A run ends no earlier than it starts (both as ``run_time`` writes them)."""
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end} is before start {start}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RawReplica(_Model):
    """One copy of a raw file on a storage element."""

    se: str = Field(min_length=1)
    url: str = Field(min_length=1)
    status: Literal["ok"] = "ok"


class RawFile(_Model):
    """One raw file of a subrun, as registered: what processing stages in."""

    level: RawLevel
    name: str = Field(min_length=1)
    lfn: str = Field(min_length=1)
    size: int = Field(ge=0)
    adler32: str = Field(pattern=_ADLER32)
    events: EventCount
    replicas: list[RawReplica] = []


class Subrun(_Model):
    subrun: SubrunNumber
    files: list[RawFile] = []

    def file(self, level: str) -> RawFile | None:
        """The subrun's file of that level, if registered."""
        return next((f for f in self.files if f.level == level), None)


class RunDocument(_Model):
    """The ``run:<run>`` document; ``to_document`` gives the JSON the store holds."""

    id: str = Field(alias="_id")
    rev: str | None = Field(default=None, alias="_rev")
    type: Literal["run"] = "run"
    run: RunNumber
    run_type: str
    start: str | None = None
    end: str | None = None
    complete: bool = False
    source: str
    subruns: list[Subrun] = []

    @field_validator("run_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return check_run_type(value)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if not _SOURCE.match(value):
            raise ValueError(f"source {value!r}: expected register, postgres or import:<file>")
        return value

    @classmethod
    def new(cls, run: int, run_type: str, source: str) -> RunDocument:
        return cls(_id=run_id(run), run=run, run_type=run_type, source=source)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> RunDocument:
        return cls.model_validate(dict(doc))

    def to_document(self) -> dict[str, Any]:
        """The stored JSON: ``_rev`` only when the document already exists."""
        doc = self.model_dump(by_alias=True, exclude={"rev"})
        if self.rev is not None:
            doc["_rev"] = self.rev
        return doc

    @property
    def is_calibration(self) -> bool:
        return self.run_type in CALIBRATION_RUN_TYPES

    def subrun(self, number: int) -> Subrun | None:
        return next((s for s in self.subruns if s.subrun == number), None)

    def files(self) -> list[tuple[int, RawFile]]:
        """Every registered file, as (subrun, file), in subrun then level order."""
        return [(s.subrun, f) for s in self.subruns for f in s.files]


def l2_files(run_doc: RunDocument | Mapping[str, Any]) -> list[tuple[int, RawFile]]:
    """The files processing reads: (subrun, level-2 file), in subrun order.

    Accepts the stored JSON or the model, so that code reading rows of a view with
    ``include_docs`` need not convert first.
    """
    doc = run_doc if isinstance(run_doc, RunDocument) else RunDocument.from_document(run_doc)
    return [
        (s.subrun, f)
        for s in sorted(doc.subruns, key=lambda s: s.subrun)
        for f in s.files
        if f.level == "L2"
    ]


__all__ = [
    "CALIBRATION_RUN_TYPES",
    "LEVELS",
    "MAX_RUN",
    "RUN_TYPES",
    "RawFile",
    "RawReplica",
    "RunDocument",
    "Subrun",
    "SubrunNumber",
    "check_run_period",
    "check_run_type",
    "l2_files",
    "raw_lfn",
    "run_id",
    "run_time",
]
