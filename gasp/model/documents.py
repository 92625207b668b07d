"""The shapes of gasp's documents (job, pass, subjob, data, site, request), for mypy.

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
from typing import Any, Literal, NotRequired, TypedDict, cast, final, get_args

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


class Claim(TypedDict):
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


class CancelRequest(TypedDict):
    """An operator's request to cancel a held pass (``cancel_requested``): the site that
    holds it acts on it at its next cycle, since only it can reach its batch system."""

    at: str
    by: str


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
    cancel_requested: CancelRequest  # by an operator, while a site holds it


_PassNumber = TypedDict("_PassNumber", {"pass": int})


class PassDocument(_PassNumber, PassFields):
    """One attempt at producing a (module, run)'s outputs, inside its job document."""

    status: PassStateName
    rat_version: str
    created: str
    attempt: int
    lock: Claim | None
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


ReplicaStatus = Literal["ok", "bad"]
"""``bad``: ``gasp validate`` found it lost or changed; downloads skip it."""


class Replica(TypedDict):
    se: str
    url: str
    status: ReplicaStatus


class FileEntry(TypedDict):
    """One subrun's file of a data document.

    ``catalogued`` is when these bytes (this size and adler32) entered the catalogue: a
    local copy written after it and of the right size is taken as that file by ``gasp
    grab`` without reading it again (older entries lack it: their copies are checksummed).
    """

    subrun: int
    name: str
    lfn: str
    size: int
    adler32: str
    events: int
    replicas: list[Replica]
    catalogued: NotRequired[str]


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


# -- request documents, run allocators and sensing -----------------------------------------

RequestStatus = Literal["approved", "submitted", "running", "completed", "partFail", "failed"]
"""``approved`` when opened, ``submitted`` once every pass is (both written by the
submission); then its passes decide: ``running`` while any is unfinished, else
``completed`` (all completed), ``partFail`` (some completed) or ``failed`` (none)."""


class RequestHistoryEntry(TypedDict):
    """One change of a request's status (the last ``HISTORY_LIMIT`` are kept)."""

    at: str
    status: RequestStatus
    by: NotRequired[str]  # who opened it


ExactlyGroup = TypedDict("ExactlyGroup", {"module": str, "pass": int, "runs": list[list[int]]})
"""The ``.exactly`` lines of one (module, pass), their runs folded into ``[first, last]``."""


class PlannedRuns(TypedDict):
    """The runs a request gives one entry of its file (production) or one module."""

    entry: NotRequired[int]  # production: the index of the request file's entry
    module: str
    runs: list[int]


class HeldRun(TypedDict):
    """A run a processing submission did not process, and why (a calibration lock)."""

    run: int
    why: str


# The two specs are final so that ``"run_list" in spec`` tells them apart for mypy.
@final
class ProductionSpec(TypedDict):
    """What identifies a production request, compared when it is resumed."""

    rat_version: str
    ratdb_tag: str | None
    modules: list[dict[str, object]]  # the request file's entries, as given
    run_list: list[int] | None


class RequestSource(TypedDict):
    """The production output a production-processing request processes."""

    module: str
    label: str | None
    data_type: str


@final
class ProcessingSpec(TypedDict):
    """The command line of a processing (or production-processing) request."""

    source: RequestSource | None
    selection: str
    first: int | None
    last: int | None
    runs: list[int] | None
    modules: list[str]
    find_prereq: bool
    forced: dict[str, int]


class RequestFields(TypedDict, total=False):
    """What a request carries besides its common fields, each absent until it happens:
    the submitter's own, given when it is opened (``source``, and ``entry`` in ``plan``:
    production; ``held``: processing), and what closing it adds (``n_subjobs``,
    ``submitted``). ``_rev`` is here, not with ``_id``, so that the submitter's fields can
    be spread into a new request (a ``**`` item must name every key that may be absent)."""

    _rev: str  # once stored
    source: str  # the request file's name
    rat_version: str
    ratdb_tag: str | None
    labels: list[str]
    spec: ProductionSpec | ProcessingSpec
    plan: list[PlannedRuns]
    held: list[HeldRun]
    n_jobs: int
    n_subjobs: int
    submitted: str


class RequestDocument(RequestFields):
    """``request:<name>``: one submission, its specification and the passes it made."""

    _id: str
    type: Literal["request"]
    kind: Kind
    name: str
    status: RequestStatus
    requester: str
    created: str
    exactly: list[ExactlyGroup]
    history: list[RequestHistoryEntry]


class AllocatorDocument(TypedDict):
    """``runs:<kind>:<module>``: the next generic run number of a module."""

    _id: str
    _rev: NotRequired[str]
    type: Literal["run_allocator"]
    kind: Kind
    module: str
    next_run: NotRequired[int]  # absent until the first reservation


class SensingDocument(TypedDict):
    """``sensing:processing``: the last run the processing sensing handled."""

    _id: str
    _rev: NotRequired[str]
    type: Literal["sensing"]
    kind: Literal["processing"]
    last_run: NotRequired[int]
    updated: NotRequired[str]


# -- usage records -------------------------------------------------------------------------


class UsageCount(TypedDict):
    """Files and bytes of one (kind, label) on a storage element."""

    kind: Kind
    label: str | None
    files: int
    bytes: int


class StorageUsageDocument(TypedDict):
    """``usage:se:<se>:<date>``: what one storage element held on one day (UTC)."""

    _id: str
    _rev: NotRequired[str]
    type: Literal["usage"]
    scope: Literal["se"]
    se: str
    date: str  # YYYY-MM-DD
    files: int
    bytes: int
    by_label: list[UsageCount]
    recorded: str


class CpuUsageDocument(TypedDict):
    """``usage:cpu:<site>:<date>``: what one site ran on one day (UTC)."""

    _id: str
    _rev: NotRequired[str]
    type: Literal["usage"]
    scope: Literal["cpu"]
    site: str
    date: str  # YYYY-MM-DD
    cpu_hours: float
    wall_hours: float
    jobs: int
    recorded: str


# -- the boundary with the store -----------------------------------------------------------

StoredDocument = (
    JobDocument
    | DataDocument
    | SiteDocument
    | RequestDocument
    | AllocatorDocument
    | SensingDocument
    | StorageUsageDocument
    | CpuUsageDocument
)


def job_document(doc: Mapping[str, Any]) -> JobDocument:
    """A stored job document, as its type (taken on trust: gasp wrote it)."""
    return cast(JobDocument, doc)


def data_document(doc: Mapping[str, Any]) -> DataDocument:
    """A stored data document, as its type (taken on trust: gasp wrote it)."""
    return cast(DataDocument, doc)


def site_document(doc: Mapping[str, Any]) -> SiteDocument:
    """A stored site document, as its type (taken on trust: gasp wrote it)."""
    return cast(SiteDocument, doc)


def request_document(doc: Mapping[str, Any]) -> RequestDocument:
    """A stored request document, as its type (taken on trust: gasp wrote it)."""
    return cast(RequestDocument, doc)


def allocator_document(doc: Mapping[str, Any]) -> AllocatorDocument:
    """A stored run allocator document, as its type (taken on trust: gasp wrote it)."""
    return cast(AllocatorDocument, doc)


def sensing_document(doc: Mapping[str, Any]) -> SensingDocument:
    """A stored sensing document, as its type (taken on trust: gasp wrote it)."""
    return cast(SensingDocument, doc)


def stored(doc: StoredDocument) -> dict[str, Any]:
    """A document as the store's protocol takes it (the same dictionary)."""
    return cast(dict[str, Any], doc)


__all__ = [
    "KINDS",
    "AllocatorDocument",
    "CancelRequest",
    "Claim",
    "CpuUsageDocument",
    "DataDocument",
    "DataType",
    "EventMode",
    "ExactlyGroup",
    "FileEntry",
    "HeldRun",
    "HistoryEntry",
    "InputFile",
    "JobDocument",
    "Kind",
    "NewSubjob",
    "OutputFile",
    "PassDocument",
    "PassFields",
    "PassStateName",
    "PlannedRuns",
    "Prerequisite",
    "PreviousAttempt",
    "ProcessingSpec",
    "ProductionSpec",
    "Replica",
    "ReplicaStatus",
    "RequestDocument",
    "RequestFields",
    "RequestHistoryEntry",
    "RequestSource",
    "RequestStatus",
    "SensingDocument",
    "SiteDocument",
    "StorageUsageDocument",
    "StoredDocument",
    "SubjobDocument",
    "SubjobFields",
    "SubjobStateName",
    "TemplateValue",
    "UsageCount",
    "allocator_document",
    "check_kind",
    "data_document",
    "job_document",
    "request_document",
    "sensing_document",
    "site_document",
    "stored",
]
