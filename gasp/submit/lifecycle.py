"""The request path every submit command takes, written once.

``production``, ``processing`` and ``production_processing`` differ only in what they
check and plan. Once their own checks have passed, each goes the same way, through a
``RequestLifecycle``:

1. ``-o`` is checked, last of all checks, when the lifecycle is made: a command that fails
   any check writes nothing;
2. a dry run stops there, with its plan and the name ``DRY_RUN``;
3. the ``request:<name>`` document is opened (status ``approved``, a new name), or an
   interrupted one resumed (``--request ID``, checked to be the same request);
4. the submitter writes its passes, with progress (``complete``);
5. the request is closed: its ``.exactly`` list, status ``submitted``, retried on
   ``Conflict``; a request found closed already is not written again, its list is read
   back;
6. ``-o`` is appended (``output``).

What a submitter writes between these steps is its own: production reserves its generic
runs before opening, processing sets calibration locks after opening and records the
sensed runs after closing.
"""

from __future__ import annotations

import getpass
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from gasp.errors import Conflict, InputError, NotFound
from gasp.model.clock import utc_now
from gasp.model.documents import (
    Kind,
    ProcessingSpec,
    ProductionSpec,
    RequestDocument,
    RequestFields,
    RequestHistoryEntry,
    request_document,
    stored,
)
from gasp.model.exactly import Triple, compress, expand
from gasp.model.ids import request_id
from gasp.model.job import HISTORY_LIMIT
from gasp.progress_protocol import Advance, Progress, silent
from gasp.store import Database
from gasp.submit.options import append_exactly, check_outlist

DRY_RUN = "(dry run)"  # the request name of a submission that wrote nothing


class PlannedJob(Protocol):
    """A job of any submitter's plan, as far as the request path needs it."""

    @property
    def subjobs(self) -> Sequence[object]: ...


J = TypeVar("J", bound=PlannedJob)


@dataclass(frozen=True)
class SubmitResult(Generic[J]):
    """What a submission did (or, for a dry run, would do)."""

    request_name: str
    jobs: list[J]
    written: int = 0
    already_present: int = 0
    exactly: list[Triple] = field(default_factory=list)
    dry_run: bool = False

    @property
    def subjobs(self) -> int:
        return sum(len(job.subjobs) for job in self.jobs)


@dataclass(frozen=True)
class PassesWritten:
    """A submitter's passes: the ``.exactly`` triples, written now, found from before."""

    exactly: list[Triple]
    written: int
    present: int


WritePasses = Callable[[Advance], PassesWritten]


def new_request_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


class RequestLifecycle:
    """One submission's request document, from the ``-o`` check to the ``-o`` append.

    Made once the submitter's own checks have passed: making it checks ``-o``, the last
    check before the first write.
    """

    def __init__(
        self, db: Database, kind: Kind, outlist: Path | None, progress: Progress = silent
    ) -> None:
        check_outlist(outlist)
        self.db = db
        self.kind = kind
        self.outlist = outlist
        self.progress = progress

    def open(self, fields: RequestFields) -> RequestDocument:
        """Write a new request document, status ``approved``, with the submitter's fields."""
        name = new_request_name()
        now = utc_now()
        user = getpass.getuser()
        doc: RequestDocument = {
            "_id": request_id(name),
            "type": "request",
            "kind": self.kind,
            "name": name,
            "status": "approved",
            "requester": user,
            "created": now,
            **fields,
            "exactly": [],
            "history": [{"at": now, "status": "approved", "by": user}],
        }
        self.db.put(stored(doc))
        return doc

    def resume(self, name: str, spec: ProductionSpec | ProcessingSpec) -> RequestDocument:
        """The request document of an interrupted submission, checked to be the same request."""
        try:
            doc = request_document(self.db.get(request_id(name)))
        except NotFound:
            raise InputError(f"--request {name}: no such request in the database") from None
        if doc.get("spec") != spec:
            raise InputError(
                f"--request {name}: the request was made from a different file, run list "
                "or database tag; give the same ones to complete it"
            )
        return doc

    def complete(
        self, doc: RequestDocument, jobs: Sequence[PlannedJob], write: WritePasses
    ) -> PassesWritten:
        """Write the passes (``write``, with progress), then close the request.

        A request closed already (its submission completed, then resumed) is left as it
        is: its ``.exactly`` list is read back, every pass counted as present.
        """
        if doc["status"] == "submitted":
            exactly = list(expand(doc["exactly"]))
            return PassesWritten(exactly, 0, len(exactly))
        with self.progress("writing passes", len(jobs)) as advance:
            done = write(advance)
        _close(self.db, doc, done.exactly, sum(len(job.subjobs) for job in jobs))
        return done

    def output(self, exactly: Sequence[Triple]) -> None:
        """``-o``: append the ``module run pass`` lines of the submission, if any."""
        append_exactly(self.outlist, exactly)


def _close(db: Database, doc: RequestDocument, exactly: list[Triple], subjobs: int) -> None:
    """Mark a request submitted with its ``.exactly`` list (retried on conflict)."""
    now = utc_now()
    while True:
        doc["status"] = "submitted"
        doc["exactly"] = compress(exactly)
        doc["n_jobs"] = len(exactly)
        doc["n_subjobs"] = subjobs
        doc["submitted"] = now
        history: list[RequestHistoryEntry] = [
            *doc.get("history", []),
            {"at": now, "status": "submitted"},
        ]
        doc["history"] = history[-HISTORY_LIMIT:]
        try:
            db.put(stored(doc))
            return
        except Conflict:
            doc = request_document(db.get(doc["_id"]))


__all__ = [
    "DRY_RUN",
    "PassesWritten",
    "PlannedJob",
    "RequestLifecycle",
    "SubmitResult",
    "new_request_name",
]
