"""The contract between the site client and the runner: ``spec.json`` in, ``report.json`` out.

Both are validated with pydantic on the way in: the runner trusts no specification it
was handed, and the client trusts no report a worker wrote (a report is external input).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DataType = Literal["ratds", "ntuple", "soc", "other_ratds", "other_ntuple"]
EventMode = Literal["time", "number", "run", "run_number"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageElementSpec(_Model):
    """A storage element: a name and a URL prefix (``file:///...`` or ``root://host//...``)."""

    name: str = Field(min_length=1)
    url: str = Field(min_length=1)


class ApplicationSpec(_Model):
    """How to run the application of one software version on the worker."""

    rat_version: str
    executable: str = Field(min_length=1)
    setup: str | None = None  # a shell script sourced before the executable, if any
    release_dir: str  # macro paths are relative to this folder
    macro: str  # path of the module's macro, relative to release_dir


class InputSpec(_Model):
    """An input file (processing): where it is and what it must hash to."""

    url: str
    name: str
    size: int | None = None
    adler32: str | None = Field(default=None, pattern=r"^[0-9a-f]{8}$")
    stream: bool = False  # read in place instead of downloading first


class OutputSpec(_Model):
    """An output the job must produce, and where it goes on the storage element."""

    data_type: DataType
    local_name: str  # the file the application writes in the work folder
    name: str  # <module>_r<run>_s<subrun>_p<pass>[.<tag>].root
    lfn: str  # <kind>/<module>/r<run//100*100>/<name>
    expected_events: int | None = None  # None where the mode cannot know (time, run)


class JobSpec(_Model):
    """Everything the runner needs for one subjob; nothing else is looked up."""

    name: str  # <module>_r<run>_s<subrun>_p<pass>_a<attempt>: how backends find the job
    kind: Literal["production", "processing"]
    module: str
    run: int
    subrun: int
    pass_number: int
    attempt: int
    token: str  # the claim's fencing token, echoed in the report
    application: ApplicationSpec
    event_mode: EventMode | None = None  # production
    n_events: int | None = None
    duration_s: float | None = None
    seed: int
    template: dict[str, str | int | float] = {}
    inputs: list[InputSpec] = []
    outputs: list[OutputSpec] = Field(min_length=1)
    primary: StorageElementSpec
    failover: StorageElementSpec | None = None
    workdir: str  # the job's folder: spec.json, report.json, logs, scratch


class OutputReport(_Model):
    data_type: DataType
    name: str
    lfn: str
    size: int = Field(ge=0)
    adler32: str = Field(pattern=r"^[0-9a-f]{8}$")
    events: int = Field(ge=0)
    se: str
    url: str


class JobReport(_Model):
    """What the runner learned; written atomically as ``report.json`` in the work folder."""

    name: str
    token: str
    status: Literal["completed", "failed"]
    exit_code: int | None = None
    cpu_s: float = Field(ge=0)
    wall_s: float = Field(ge=0)
    started: str
    finished: str
    error: str | None = None
    outputs: list[OutputReport] = []
    stdout: str = "stdout.txt"  # log files, relative to the work folder
    stderr: str = "stderr.txt"


SPEC_FILE = "spec.json"
REPORT_FILE = "report.json"
