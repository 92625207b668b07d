"""What a grab fetches: the catalogued files of a selection, with their replicas.

A selection (the operators' ``gasp.passes.selection``: label, request, ``.exactly`` list,
modules, version, runs) names passes; their data documents (deterministic ids, read in
bulk a page of passes at a time by ``gasp.passes.outputs``) list the files, one entry per
subrun, each with its size, adler32, the time it was catalogued and its replicas in the
catalogue's order. Only replicas marked ``ok`` are offered; a file with none is still
wanted, and reported as failed, so that nothing selected goes missing silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from gasp.model.clock import read_time
from gasp.model.documents import DataDocument, DataType
from gasp.passes.outputs import last_pass, pages, read_data_documents, read_passes
from gasp.passes.selection import PassKey, Selection, candidates
from gasp.store import Database

DATA_TYPES: tuple[DataType, ...] = get_args(DataType)
DEFAULT_STATUSES = ("completed", "partFail")  # passes whose outputs are catalogued


@dataclass(frozen=True)
class Replica:
    """Where a copy of a file is: its storage element's name and its URL."""

    se: str
    url: str


@dataclass(frozen=True)
class WantedFile:
    """One catalogued file to fetch."""

    lfn: str
    name: str
    data_type: str
    size: int
    adler32: str
    catalogued: datetime | None  # when these bytes were catalogued, if known
    replicas: tuple[Replica, ...]
    pass_key: PassKey


def files_of_documents(
    docs: Iterable[DataDocument], types: Sequence[str] = ()
) -> Iterator[WantedFile]:
    """Every file of these data documents (of the given data types, if any)."""
    for doc in docs:
        if types and doc["data_type"] not in types:
            continue
        key = (doc["module"], doc["run"], doc["pass"])
        for entry in doc.get("files", []):
            yield WantedFile(
                lfn=entry["lfn"],
                name=entry["name"],
                data_type=doc["data_type"],
                size=int(entry["size"]),
                adler32=entry["adler32"],
                catalogued=read_time(entry.get("catalogued")),
                replicas=tuple(
                    Replica(r["se"], r["url"])
                    for r in entry.get("replicas", [])
                    if r.get("status") == "ok"
                ),
                pass_key=key,
            )


def wanted_files(
    db: Database, selection: Selection, types: Sequence[str] = ()
) -> tuple[list[PassKey], list[WantedFile]]:
    """The selected passes and their files, in the selection's order (views for the
    passes, one bulk read of data documents per page of passes)."""
    keys = [row.key for row in candidates(db, selection)]
    if selection.last_pass:
        keys = _last_passes(db, keys, selection)
    files: list[WantedFile] = []
    for page in pages(keys):
        files.extend(files_of_documents(read_data_documents(db, page), types))
    return keys, files


def _last_passes(db: Database, keys: list[PassKey], selection: Selection) -> list[PassKey]:
    """``--lastpass`` needs each job's highest pass number: read from the job documents."""
    kept: list[PassKey] = []
    for page in pages(keys):
        found = read_passes(db, page)
        for key in page:
            if key in found:
                job, pass_doc = found[key]
                if selection.matches(key[0], key[1], pass_doc, last_pass(job)):
                    kept.append(key)
    return kept


def ordered_replicas(wanted: WantedFile, prefer: str | None) -> list[Replica]:
    """The replicas in the order to try: the catalogue's, the preferred element first."""
    if prefer is None:
        return list(wanted.replicas)
    return sorted(wanted.replicas, key=lambda replica: replica.se != prefer)


__all__ = [
    "DATA_TYPES",
    "DEFAULT_STATUSES",
    "Replica",
    "WantedFile",
    "files_of_documents",
    "ordered_replicas",
    "wanted_files",
]
