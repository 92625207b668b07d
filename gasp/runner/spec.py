"""The contract between the site client and the runner: ``spec.json`` in, ``report.json`` out.

Both are validated with pydantic on the way in: the runner trusts no specification it
was handed, and the client trusts no report a worker wrote (a report is external input).
The fields use the rules of ``gasp.values``, so that a specification is refused when it is
read, before anything is copied or run: file names are plain names (an output called
``../../x`` would be written outside the work folder), logical paths and the macro stay
inside their folders, template values stay on their macro line, and numbers are finite
and in range.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from gasp.errors import InputError
from gasp.parsing import parse_json
from gasp.validation import describe_validation_error
from gasp.values import (
    Count,
    Duration,
    EventCount,
    FileName,
    FiniteFloat,
    Line,
    Name,
    PositiveCount,
    RelativePath,
    RunNumber,
    TemplateValue,
    parse_timestamp,
)

# A deliberate copy of ``gasp.model.documents``'s: a worker node loads nothing of the site
# side (docs/architecture.md, rule 3). tests/client/test_spec_types.py keeps them equal.
DataType = Literal["ratds", "ntuple", "soc", "other_ratds", "other_ntuple"]
EventMode = Literal["time", "number", "run", "run_number"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_time(text: str) -> str:
    parse_timestamp(text)
    return text


Timestamp = Annotated[str, AfterValidator(_check_time)]
"""An ISO 8601 time, kept as written (the runner writes UTC with a ``Z``)."""
Seconds = Annotated[FiniteFloat, Field(ge=0)]
Location = Annotated[str, Field(min_length=1)]
"""A local path or URL: the site's own configuration, passed as one argument, never a shell."""


class StorageElementSpec(_Model):
    """A storage element: a name and a URL prefix (``file:///...`` or ``root://host//...``)."""

    name: Line
    url: Location


class ApplicationSpec(_Model):
    """How to run the application of one software version on the worker."""

    rat_version: Name
    executable: Location
    setup: Location | None = None  # a shell script sourced before the executable, if any
    release_dir: Location  # macro paths are relative to this folder
    macro: RelativePath  # the module's macro, inside release_dir (checked when read)


class InputSpec(_Model):
    """An input file (processing): where it is and what it must hash to."""

    url: Location
    name: FileName  # downloaded into the work folder under this name
    size: Count | None = None
    adler32: str | None = Field(default=None, pattern=r"^[0-9a-f]{8}$")
    stream: bool = False  # read in place instead of downloading first


class OutputSpec(_Model):
    """An output the job must produce, and where it goes on the storage element."""

    data_type: DataType
    local_name: FileName  # the file the application writes in the work folder
    name: FileName  # <module>_r<run>_s<subrun>_p<pass>[.<tag>].root
    lfn: RelativePath  # <kind>/<module>/r<run//100*100>/<name>, inside the element
    expected_events: EventCount | None = None  # None where the mode cannot know (time, run)


class JobSpec(_Model):
    """Everything the runner needs for one subjob; nothing else is looked up."""

    name: Line  # <module>_r<run>_s<subrun>_p<pass>_a<attempt>: how backends find the job
    kind: Literal["production", "processing"]
    module: Name
    run: RunNumber
    subrun: Count
    pass_number: int = Field(ge=1)
    attempt: int = Field(ge=1)
    token: Line  # the claim's fencing token, echoed in the report
    application: ApplicationSpec
    event_mode: EventMode | None = None  # production
    n_events: PositiveCount | None = None
    duration_s: Duration | None = None
    seed: int = Field(ge=0, le=2**31 - 1)
    template: dict[Line, TemplateValue] = {}
    inputs: list[InputSpec] = []
    outputs: list[OutputSpec] = Field(min_length=1)
    primary: StorageElementSpec
    failover: StorageElementSpec | None = None
    workdir: Location  # the job's folder: spec.json, report.json, logs, scratch


class OutputReport(_Model):
    """A stored output, as the catalogue will record it."""

    data_type: DataType
    name: FileName
    lfn: RelativePath
    size: Count
    adler32: str = Field(pattern=r"^[0-9a-f]{8}$")
    events: EventCount
    se: Line
    url: Location


class JobReport(_Model):
    """What the runner learned; written atomically as ``report.json`` in the work folder."""

    name: str  # as the specification said, or "" when it could not be read
    token: str
    status: Literal["completed", "failed"]
    exit_code: int | None = Field(default=None, ge=-255, le=255)
    cpu_s: Seconds
    wall_s: Seconds
    started: Timestamp
    finished: Timestamp
    error: str | None = None
    outputs: list[OutputReport] = []
    stdout: FileName = "stdout.txt"  # log files, in the work folder
    stderr: FileName = "stderr.txt"


def parse_report(text: str | bytes, source: str) -> JobReport:
    """The report in ``text``, or ``InputError`` naming ``source`` and every problem."""
    data = parse_json(text, source)
    try:
        return JobReport.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, source)) from None
