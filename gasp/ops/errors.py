"""``gasp errors``: why the passes of a selection failed, one line per cause.

The shift needs to know whether two hundred failures are two hundred problems or one, and
where to look. Every failed subjob of the selected passes (default: ``failed`` and
``partFail`` passes) is grouped by module, normalised error (``gasp.ops.error_text``),
exit code and site, and each group keeps its count and a few sample jobs, each with the
command that prints its logs. A pass that failed before any subjob ran (``could not
start``) has no failed subjob: its own error is counted instead, with no logs to show.

The job documents are read in bulk, ``PAGE_JOBS`` a request, after the views have named
the passes (``candidates``); each pass is judged by ``Selection.matches`` on what its
document holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from gasp.model.documents import JobDocument, Kind, PassDocument, PassStateName, SubjobDocument
from gasp.model.ids import job_id
from gasp.model.naming import pass_of_log
from gasp.ops.error_text import normalise
from gasp.ops.pages import job_pages
from gasp.passes.selection import PassKey, Selection, candidates
from gasp.passes.update import find_pass
from gasp.progress_protocol import Progress, silent
from gasp.store import Database

DEFAULT_STATUSES: tuple[PassStateName, ...] = ("failed", "partFail")
SAMPLES = 3  # sample jobs kept per group

FailureJson = TypedDict(
    "FailureJson",
    {
        "module": str,
        "run": int,
        "pass": int,
        "subrun": int | None,
        "name": str | None,
        "error": str | None,
        "logs": str | None,
    },
)
"""One sample failure of ``gasp errors --json``; ``logs`` is the command printing them."""


class ErrorGroupJson(TypedDict):
    """One cause of ``gasp errors --json``."""

    module: str
    cause: str
    exit_code: int | None
    site: str | None
    count: int
    samples: list[FailureJson]


class ErrorsJson(TypedDict):
    selection: str
    passes: int  # selected passes read
    failures: int
    groups: list[ErrorGroupJson]


@dataclass(frozen=True)
class Failure:
    """One failed subjob (``subrun`` None: the pass failed before any subjob ran)."""

    module: str
    run: int
    pass_number: int
    subrun: int | None
    name: str | None
    error: str | None
    logs: str | None  # the gasp command that prints its logs, if any are attached

    def to_json(self) -> FailureJson:
        return {
            "module": self.module,
            "run": self.run,
            "pass": self.pass_number,
            "subrun": self.subrun,
            "name": self.name,
            "error": self.error,
            "logs": self.logs,
        }


GroupKey = tuple[str, str, int | None, str | None]  # module, cause, exit code, site


@dataclass
class ErrorGroup:
    module: str
    cause: str
    exit_code: int | None
    site: str | None
    count: int = 0
    samples: list[Failure] = field(default_factory=list)

    def to_json(self) -> ErrorGroupJson:
        return {
            "module": self.module,
            "cause": self.cause,
            "exit_code": self.exit_code,
            "site": self.site,
            "count": self.count,
            "samples": [sample.to_json() for sample in self.samples],
        }


@dataclass
class ErrorReport:
    """The failures of a selection, grouped by cause."""

    groups: dict[GroupKey, ErrorGroup] = field(default_factory=dict)
    passes: int = 0
    failures: int = 0

    def add(self, failure: Failure, exit_code: int | None, site: str | None) -> None:
        cause = normalise(failure.error)
        key = (failure.module, cause, exit_code, site)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = ErrorGroup(failure.module, cause, exit_code, site)
        group.count += 1
        self.failures += 1
        if len(group.samples) < SAMPLES:
            group.samples.append(failure)

    def ordered(self) -> list[ErrorGroup]:
        """By module, the commonest cause first."""
        return sorted(self.groups.values(), key=lambda g: (g.module, -g.count, g.cause))

    def to_json(self, selection: Selection) -> ErrorsJson:
        return {
            "selection": selection.describe(),
            "passes": self.passes,
            "failures": self.failures,
            "groups": [group.to_json() for group in self.ordered()],
        }


def logs_command(kind: Kind, module: str, run: int, pass_number: int) -> str:
    """What to type to see a pass's logs (``gasp logs``'s own syntax)."""
    extra = " --kind processing" if kind == "processing" else ""
    return f"gasp logs {job_id(module, run)} --pass {pass_number}{extra}"


def collect_errors(
    db: Database, selection: Selection, *, progress: Progress = silent
) -> ErrorReport:
    """Read the selected passes a page of job documents at a time and group their failures."""
    keys = [row.key for row in candidates(db, selection)]
    report = ErrorReport()
    for page in job_pages(db, keys, progress=progress, description="reading failures"):
        for job, selected in page:
            if job is not None:
                _add_job(report, selection, job, selected)
    return report


def _add_job(
    report: ErrorReport, selection: Selection, job: JobDocument, keys: Sequence[PassKey]
) -> None:
    last = max((p["pass"] for p in job["passes"]), default=0)
    for _, _, number in keys:
        pass_doc = find_pass(job, number)
        if pass_doc is None or not selection.matches(job["module"], job["run"], pass_doc, last):
            continue
        report.passes += 1
        _add_pass(report, selection.kind, job, pass_doc)


def _add_pass(report: ErrorReport, kind: Kind, job: JobDocument, pass_doc: PassDocument) -> None:
    module, run, number = job["module"], job["run"], pass_doc["pass"]
    lock = pass_doc.get("lock")
    site = lock["site"] if lock else pass_doc.get("site")
    has_logs = any(pass_of_log(name) == number for name in job.get("_attachments") or {})
    logs = logs_command(kind, module, run, number) if has_logs else None
    failed: list[SubjobDocument] = [s for s in pass_doc["subjobs"] if s["status"] == "failed"]
    for subjob in failed:
        failure = Failure(
            module, run, number, subjob["subrun"], subjob.get("name"), subjob.get("error"), logs
        )
        report.add(failure, subjob.get("exit_code"), site)
    if not failed and pass_doc.get("error"):
        failure = Failure(module, run, number, None, None, pass_doc.get("error"), None)
        report.add(failure, None, site)


__all__ = [
    "DEFAULT_STATUSES",
    "SAMPLES",
    "ErrorGroup",
    "ErrorGroupJson",
    "ErrorReport",
    "ErrorsJson",
    "Failure",
    "FailureJson",
    "collect_errors",
    "logs_command",
]
