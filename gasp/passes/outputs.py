"""The passes of a selection and their data documents, read a page at a time in bulk.

A pass's data documents have deterministic ids (``data:<module>:<run>:<pass>:<data
type>``, ``gasp.model.ids``), so the data documents of a page of passes are one
``get_many`` of every data type's id: no view, no request per pass, and none missed
whatever its subjobs recorded (a pass killed between cataloguing and concluding has data
documents its subjobs do not name yet). ``PAGE_PASSES`` keeps that read near 2,500 ids
(five data types a pass), one request however many passes share a job document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import get_args

from gasp.model.documents import (
    DataDocument,
    DataType,
    JobDocument,
    PassDocument,
    data_document,
)
from gasp.model.ids import data_id, job_id
from gasp.passes.selection import PassKey
from gasp.passes.update import find_pass, read_jobs
from gasp.store import Database

DATA_TYPES: tuple[DataType, ...] = get_args(DataType)
PAGE_PASSES = 500  # passes per page: one bulk read of their jobs, one of ~2,500 data ids

FoundPass = tuple[JobDocument, PassDocument]


def pages(keys: Sequence[PassKey], size: int = PAGE_PASSES) -> Iterator[Sequence[PassKey]]:
    """``keys`` in consecutive slices of ``size``."""
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def data_ids(keys: Iterable[PassKey]) -> list[str]:
    """Every id a data document of these passes may have."""
    return [data_id(m, r, p, data_type) for m, r, p in keys for data_type in DATA_TYPES]


def data_key(doc: DataDocument) -> PassKey:
    """The pass a data document catalogues."""
    return (doc["module"], doc["run"], doc["pass"])


def read_data_documents(db: Database, keys: Iterable[PassKey]) -> list[DataDocument]:
    """The data documents these passes have, in one bulk read."""
    ids = data_ids(keys)
    if not ids:
        return []
    return [data_document(doc) for doc in db.get_many(ids) if doc is not None]


def read_passes(db: Database, keys: Iterable[PassKey]) -> dict[PassKey, FoundPass]:
    """These passes as their job documents hold them now, in one bulk read (a pass that
    does not exist is absent)."""
    wanted = list(dict.fromkeys(keys))
    ids = list(dict.fromkeys(job_id(m, r) for m, r, _ in wanted))
    jobs = dict(zip(ids, read_jobs(db, ids), strict=True)) if ids else {}
    found: dict[PassKey, FoundPass] = {}
    for key in wanted:
        job = jobs[job_id(key[0], key[1])]
        pass_doc = find_pass(job, key[2]) if job is not None else None
        if job is not None and pass_doc is not None:
            found[key] = (job, pass_doc)
    return found


def last_pass(job: JobDocument) -> int:
    """The job's highest pass number (for ``--lastpass``)."""
    return max((p["pass"] for p in job.get("passes", [])), default=0)


__all__ = [
    "DATA_TYPES",
    "PAGE_PASSES",
    "FoundPass",
    "data_ids",
    "data_key",
    "last_pass",
    "pages",
    "read_data_documents",
    "read_passes",
]
