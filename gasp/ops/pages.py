"""Reading the job documents of selected passes a page at a time.

The read-only commands (``errors``, ``stats``) and the plan of every editing command go
through a selection's passes the same way: grouped by job document, ``PAGE_JOBS``
documents in one bulk read, progress counted in passes. One generator does it for all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from gasp.model.documents import JobDocument
from gasp.model.ids import job_id
from gasp.passes.selection import PassKey
from gasp.passes.update import read_jobs
from gasp.progress_protocol import Progress, silent
from gasp.store import Database

PAGE_JOBS = 500  # job documents per bulk read and bulk write


class SelectedJob(NamedTuple):
    """A job document (``None`` if it is gone) and its selected passes."""

    job: JobDocument | None
    keys: list[PassKey]


def by_job(keys: Iterable[PassKey]) -> dict[str, list[PassKey]]:
    """Pass keys grouped by the id of the job document that holds them, in first-seen order."""
    grouped: dict[str, list[PassKey]] = {}
    for key in keys:
        grouped.setdefault(job_id(key[0], key[1]), []).append(key)
    return grouped


def job_pages(
    db: Database,
    keys: Sequence[PassKey],
    *,
    progress: Progress = silent,
    description: str = "reading passes",
) -> Iterator[list[SelectedJob]]:
    """Pages of (job document, its selected passes), one bulk read each."""
    grouped = by_job(keys)
    ids = list(grouped)
    with progress(description, len(keys)) as advance:
        for start in range(0, len(ids), PAGE_JOBS):
            page = ids[start : start + PAGE_JOBS]
            jobs = read_jobs(db, page)
            yield [
                SelectedJob(job, grouped[doc_id]) for doc_id, job in zip(page, jobs, strict=True)
            ]
            advance(sum(len(grouped[doc_id]) for doc_id in page))


__all__ = ["PAGE_JOBS", "SelectedJob", "by_job", "job_pages"]
