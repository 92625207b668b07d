"""The shapes of the job, pass, subjob, site and data documents, for the type checker.

Documents travel as JSON, so they are ``TypedDict``s, not classes: what is stored is what
the code holds, with no conversion on the way in or out. A field that has no value yet is
absent (``NotRequired``) until it happens (see ``gasp.model.job``), and a misspelt field is
a mypy error, not a test failure.

The store hands out ``dict[str, Any]``. The ``*_document`` functions below are the one
place where such a dictionary is taken for a document of a kind, and ``stored`` the one
place where a document goes back to the store's type: nothing is checked at run time
(these are gasp's own documents, written through ``gasp.model``), so neither costs
anything on a page of a thousand jobs. What enters from outside (run tables, job reports,
catalogue files) is validated with pydantic where it enters, never here.

``pass`` and ``from`` are Python keywords, so the types with such a field are spelt in
the functional syntax.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict, cast, get_args

from gasp.model.states import PassStateName, SubjobStateName

Kind = Literal["production", "processing"]
"""Which database, catalogue and kind of work: simulation, or detector data."""
KINDS: tuple[Kind, ...] = get_args(Kind)

DataType = Literal["ratds", "ntuple", "soc", "other_ratds", "other_ntuple"]
EventMode = Literal["time", "number", "run", "run_number"]
TemplateValue = str | int | float


def check_kind(text: str) -> Kind:
    """The kind itself, or a ``ValueError`` naming the two there are."""
    for kind in KINDS:
        if text == kind:
            return kind
    raise ValueError(f"unknown kind {text!r}: expected production or processing")


# -- job documents and their passes --------------------------------------------------------


class ClaimLock(TypedDict):
    """Who holds a pass (``lock`` while claimed): the site, its client process, the
    claim's fencing token and when it was claimed."""

    site: str
    client: str
    token: str
    since: str


HistoryEntry = TypedDict(
    "HistoryEntry",
    {
        "at": str,
        "from": PassStateName | None,  # None: the pass was created in state ``to``
        "to": PassStateName,
        "by": str,
        "why": NotRequired[str],
    },
)
"""One change of a pass's status (``history`` keeps the last ``HISTORY_LIMIT``)."""

Prerequisite = TypedDict("Prerequisite", {"module": str, "pass": int})
"""A pass of another module, of the same run, that must complete first."""


class InputFile(TypedDict):
    """A file a processing subjob reads: raw, or a prerequisite's catalogued output."""

    url: str
    name: str
    size: int
    adler32: str
    events: int
    stream: NotRequired[bool]


class OutputFile(TypedDict):
    """An output a subjob's report named (``files``), until it is catalogued."""

    data_type: DataType
    name: str
    lfn: str
    size: int
    adler32: str
    events: int
    se: str
    url: str


class PreviousAttempt(TypedDict, total=False):
    """What a reset subjob's last attempt said (``previous``)."""

    backend_id: str
    name: str
    error: str | None
    exit_code: int | None
    finished: str


class SubjobFields(TypedDict, total=False):
    """What a subjob may carry besides its subrun and status; absent until it happens."""

    n_events: int  # production: planned at submission
    duration_s: float
    inputs: list[InputFile]  # processing: raw files, known at submission
    backend: str  # from here on: written by the client
    backend_id: str
    name: str  # <module>_r<run>_s<subrun>_p<pass>_a<attempt>
    workdir: str
    submitted: str
    started: str
    finished: str
    exit_code: int | None
    cpu_s: float
    wall_s: float
    error: str | None
    retryable: bool  # an infrastructure failure: retried like a transient one
    unknown_cycles: int
    files: list[OutputFile]
    outputs: list[str]  # data document ids, once catalogued
    previous: PreviousAttempt


class NewSubjob(SubjobFields):
    """A subjob as submission plans it (``n_events``, ``duration_s`` or ``inputs``),
    before ``new_pass`` gives it its status."""

    subrun: int


class SubjobDocument(NewSubjob):
    """One subjob of a pass: one batch job on the site that holds the pass."""

    status: SubjobStateName


class PassFields(TypedDict, total=False):
    """What a pass may carry besides what it always has; absent until it happens.

    A submission gives the first group to ``new_pass``; the client writes the rest.
    """

    request: str
    priority: int
    labels: list[str]
    ratdb_tag: str | None
    event_mode: EventMode | None  # production
    n_events: int | None
    duration_s: float | None
    template: dict[str, TemplateValue] | None
    prerequisites: list[Prerequisite]
    level: str  # processing
    run_type: str
    catalogue_module: str  # production-processing: the catalogue entry the pass runs
    site: str  # from here on: the last site that claimed it (kept after release)
    not_before: str  # retry back-off: not claimable before then
    error: str  # could not start


_PassNumber = TypedDict("_PassNumber", {"pass": int})


class PassDocument(_PassNumber, PassFields):
    """One attempt at producing a (module, run)'s outputs, inside its job document."""

    status: PassStateName
    rat_version: str
    created: str
    attempt: int
    lock: ClaimLock | None
    subjobs: list[SubjobDocument]
    history: list[HistoryEntry]


class JobDocument(TypedDict):
    """``job:<module>:<run>``: every pass of one (module, run)."""

    _id: str
    _rev: NotRequired[str]
    _attachments: NotRequired[dict[str, Any]]  # log tails of failed subjobs
    type: Literal["job"]
    kind: Kind
    module: str
    run: int
    labels: list[str]
    passes: list[PassDocument]


# -- data documents ------------------------------------------------------------------------


class Replica(TypedDict):
    se: str
    url: str
    status: Literal["ok"]


class FileEntry(TypedDict):
    """One subrun's file of a data document."""

    subrun: int
    name: str
    lfn: str
    size: int
    adler32: str
    events: int
    replicas: list[Replica]


_DataPass = TypedDict("_DataPass", {"pass": int})


class DataDocument(_DataPass):
    """``data:<module>:<run>:<pass>:<data_type>``: the catalogue of one pass's outputs."""

    _id: str
    _rev: NotRequired[str]
    type: Literal["data"]
    kind: Kind
    module: str
    run: int
    data_type: DataType
    rat_version: str
    labels: list[str]
    files: list[FileEntry]


# -- site documents ------------------------------------------------------------------------


class SiteDocument(TypedDict):
    """``site:<name>``: a site client and when it was last alive (its heartbeat)."""

    _id: str
    _rev: NotRequired[str]
    type: Literal["site"]
    name: NotRequired[str]
    client_version: NotRequired[str]
    client: NotRequired[str]
    backends: NotRequired[list[str]]
    software: NotRequired[list[str]]
    limits: NotRequired[dict[str, object]]
    heartbeat: NotRequired[str]


# -- the boundary with the store -----------------------------------------------------------

StoredDocument = JobDocument | DataDocument | SiteDocument


def job_document(doc: Mapping[str, Any]) -> JobDocument:
    """A stored job document, as its type (taken on trust: gasp wrote it)."""
    return cast(JobDocument, doc)


def data_document(doc: Mapping[str, Any]) -> DataDocument:
    """A stored data document, as its type (taken on trust: gasp wrote it)."""
    return cast(DataDocument, doc)


def site_document(doc: Mapping[str, Any]) -> SiteDocument:
    """A stored site document, as its type (taken on trust: gasp wrote it)."""
    return cast(SiteDocument, doc)


def stored(doc: StoredDocument) -> dict[str, Any]:
    """A document as the store's protocol takes it (the same dictionary)."""
    return cast(dict[str, Any], doc)


__all__ = [
    "KINDS",
    "ClaimLock",
    "DataDocument",
    "DataType",
    "EventMode",
    "FileEntry",
    "HistoryEntry",
    "InputFile",
    "JobDocument",
    "Kind",
    "NewSubjob",
    "OutputFile",
    "PassDocument",
    "PassFields",
    "PassStateName",
    "Prerequisite",
    "PreviousAttempt",
    "Replica",
    "SiteDocument",
    "StoredDocument",
    "SubjobDocument",
    "SubjobFields",
    "SubjobStateName",
    "TemplateValue",
    "check_kind",
    "data_document",
    "job_document",
    "site_document",
    "stored",
]
