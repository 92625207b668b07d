"""How far a request has got: its passes counted by status, and the status that follows.

A request document stores only what its submission did: ``approved`` when it was opened,
``submitted`` once every pass was written. What happened since is in the passes, and
writing it back to the request on every pass change would make each client write one
more, contended, document per pass. So the status shown is computed when shown, from the
reduced view ``ops/request_status`` (one query for every request, grouped by request,
module and status: no document is read), by ``shown_status``:

* ``approved`` stays ``approved``: its submission did not finish, and that must stay
  visible (``gasp submit ... --request ID`` completes it), whatever passes it wrote;
* ``submitted``: every pass is still ``new`` or ``waiting`` (nothing claimed or ended);
* ``running``: some pass is unfinished (``new``, ``waiting``, ``submitted``, ``running``)
  and some other has been claimed or has ended;
* when none is unfinished: ``completed`` if every pass completed, ``partFail`` if some
  completed or part-failed (there is output), ``failed`` if none produced anything.
  ``unsatisfied`` (a prerequisite failed; only an operator's retry moves it again),
  ``canceled`` and ``deleted`` count as ended without output.

A request with no pass counted keeps its stored status.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gasp.model.documents import RequestStatus
from gasp.passes.selection import PASS_STATES
from gasp.store import Database

UNFINISHED = frozenset({"new", "waiting", "submitted", "running"})
QUEUED = frozenset({"new", "waiting"})
PRODUCED = frozenset({"completed", "partFail"})  # ended with some output


@dataclass
class RequestProgress:
    """One request's passes by status, and by module and status."""

    by_module: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, module: str, status: str, count: int) -> None:
        line = self.by_module.setdefault(module, {})
        line[status] = line.get(status, 0) + count

    @property
    def counts(self) -> dict[str, int]:
        """Passes by status, in the order of the pass state table."""
        totals: dict[str, int] = {}
        for line in self.by_module.values():
            for status, count in line.items():
                totals[status] = totals.get(status, 0) + count
        order = [s for s in PASS_STATES if s in totals] + sorted(set(totals) - set(PASS_STATES))
        return {status: totals[status] for status in order}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        """``completed 3, failed 1``: the counts in one short line."""
        return ", ".join(f"{status} {count}" for status, count in self.counts.items()) or "-"


def progress_of_requests(db: Database) -> dict[str, RequestProgress]:
    """Every request's progress, from one grouped read of ``ops/request_status``."""
    found: dict[str, RequestProgress] = {}
    for row in db.view("ops", "request_status", reduce=True, group_level=3):
        request, module, status = row.key
        found.setdefault(str(request), RequestProgress()).add(
            str(module), str(status), int(row.value)
        )
    return found


def progress_of_request(db: Database, name: str) -> RequestProgress:
    """One request's progress (an empty one if it has no pass)."""
    progress = RequestProgress()
    rows = db.view(
        "ops", "request_status", startkey=[name], endkey=[name, {}], reduce=True, group_level=3
    )
    for row in rows:
        progress.add(str(row.key[1]), str(row.key[2]), int(row.value))
    return progress


def shown_status(stored: RequestStatus, progress: RequestProgress) -> RequestStatus:
    """The status to show: the stored one until the passes say more (module docstring)."""
    counts = progress.counts
    total = sum(counts.values())
    if stored == "approved" or total == 0:
        return stored
    unfinished = sum(n for s, n in counts.items() if s in UNFINISHED)
    if unfinished:
        queued = sum(n for s, n in counts.items() if s in QUEUED)
        return "submitted" if queued == total else "running"
    if counts.get("completed", 0) == total:
        return "completed"
    if any(counts.get(s, 0) for s in PRODUCED):
        return "partFail"
    return "failed"


__all__ = [
    "RequestProgress",
    "progress_of_request",
    "progress_of_requests",
    "shown_status",
]
