"""Adding passes to job documents in bulk, idempotently by request: production and processing.

Each pass carries the name of the request that made it, so a pass already written by an
interrupted attempt of the same request is recognised and never written twice; a conflict
means someone else wrote the job document meanwhile, and it is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gasp.model.clock import utc_now
from gasp.model.documents import JobDocument, Kind, PassDocument, job_document, stored
from gasp.model.ids import job_id
from gasp.model.job import add_labels, new_job_document, next_pass_number
from gasp.progress_protocol import Advance
from gasp.store import Database

BATCH = 1000
# (pass number, now, by) -> the pass document
BuildPass = Callable[[int, str, str], PassDocument]


@dataclass(frozen=True)
class NewPass:
    """One pass to add to ``job:<module>:<run>``."""

    module: str
    run: int
    build: BuildPass
    labels: tuple[str, ...] = ()
    first_only: bool = False  # skip the job if it already has a pass of another request


@dataclass
class Written:
    """Pass numbers by (module, run); what was written now, found, or skipped."""

    passes: dict[tuple[str, int], int] = field(default_factory=dict)
    written: int = 0
    present: int = 0
    skipped: list[tuple[str, int]] = field(default_factory=list)


def write_new_passes(
    db: Database,
    kind: Kind,
    items: Sequence[NewPass],
    request_name: str,
    advance: Advance,
) -> Written:
    """Add one pass per item, in bulk batches; passes of this request already there are kept."""
    result = Written()
    by = f"submit:{request_name}"
    for start in range(0, len(items), BATCH):
        pending = {job_id(i.module, i.run): i for i in items[start : start + BATCH]}
        while pending:
            ids = list(pending)
            now = utc_now()
            to_write: list[JobDocument] = []
            for doc_id, found in zip(ids, db.get_many(ids), strict=True):
                item = pending[doc_id]
                doc = (
                    job_document(found)
                    if found is not None
                    else new_job_document(kind, item.module, item.run)
                )
                mine = [p for p in doc["passes"] if p.get("request") == request_name]
                if mine or (item.first_only and doc["passes"]):
                    if mine:
                        result.passes[(item.module, item.run)] = mine[0]["pass"]
                        result.present += 1
                    else:
                        result.skipped.append((item.module, item.run))
                    del pending[doc_id]
                    continue
                doc["passes"].append(item.build(next_pass_number(doc), now, by))
                add_labels(doc, item.labels)
                to_write.append(doc)
            outcomes = db.bulk([stored(doc) for doc in to_write])
            for outcome, doc in zip(outcomes, to_write, strict=True):
                if outcome.ok:
                    item = pending.pop(outcome.id)
                    result.passes[(item.module, item.run)] = doc["passes"][-1]["pass"]
                    result.written += 1
            # Whatever conflicted was changed by someone else meanwhile: read it again.
        advance(min(BATCH, len(items) - start))
    return result


__all__ = ["BATCH", "NewPass", "Written", "write_new_passes"]
