"""Where the catalogue says files are: the replicas ``gasp validate`` checks.

A validation compares what the data documents say with what storage holds, one replica at
a time, so the catalogue is read here as replicas (``CataloguedReplica``: a URL and the
size and adler32 the file must have), in one of two ways:

* **by storage element** (``replicas_on``), from the view ``data/replicas`` ([se, lfn] ->
  url, size, adler32, status, subrun): no data document is read, however large the
  element, and the same rows say which logical names the element should hold (what a
  file found there must be to be catalogued, not dark);
* **by selection** (``selected_passes`` then ``replicas_of_passes``): the passes the shared
  selection options mean (views only), then their data documents by id, a page at a time
  (``gasp.passes.outputs``): a pass has at most one document per data type, so its ids are
  known without asking.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from gasp.model.documents import DataDocument, ReplicaStatus
from gasp.passes.outputs import last_pass, pages, read_data_documents, read_passes
from gasp.passes.selection import PassKey, Selection, candidates
from gasp.progress_protocol import Advance
from gasp.store import Database, ViewRow


@dataclass(frozen=True)
class CataloguedReplica:
    """One replica as the catalogue records it: which document, which file, where."""

    doc_id: str
    subrun: int
    lfn: str
    size: int
    adler32: str
    se: str
    url: str
    status: ReplicaStatus


def replicas_of(doc: DataDocument) -> Iterator[CataloguedReplica]:
    """Every replica of a data document's files, whatever its status."""
    for entry in doc.get("files", []):
        for replica in entry.get("replicas", []):
            yield CataloguedReplica(
                doc["_id"],
                entry["subrun"],
                entry["lfn"],
                entry["size"],
                entry["adler32"],
                replica["se"],
                replica["url"],
                replica["status"],
            )


def replicas_on(db: Database, se: str | None = None) -> Iterator[CataloguedReplica]:
    """The replicas on one storage element (``None``: on every element), streamed from the
    view in [se, lfn] order."""
    span: dict[str, Any] = {"startkey": [se], "endkey": [se, {}]} if se is not None else {}
    for row in db.view("data", "replicas", reduce=False, **span):
        yield _replica_of_row(row)


def count_on(db: Database, se: str | None = None) -> int:
    """How many replicas ``replicas_on`` will give (one reduced row: a count, no rows)."""
    span: dict[str, Any] = {"startkey": [se], "endkey": [se, {}]} if se is not None else {}
    rows = list(db.view("data", "replicas", reduce=True, **span))
    return int(rows[0].value) if rows else 0


def _replica_of_row(row: ViewRow) -> CataloguedReplica:
    se, lfn = row.key
    url, size, adler32, status, subrun = row.value
    return CataloguedReplica(
        str(row.id), int(subrun), str(lfn), int(size), str(adler32), str(se), str(url), status
    )


def selected_passes(db: Database, selection: Selection) -> list[PassKey]:
    """The passes a selection means: views only, except that ``--lastpass`` needs each
    job's passes (``Selection.matches`` on the job document has the last word)."""
    keys = [row.key for row in candidates(db, selection)]
    if not selection.last_pass:
        return keys
    kept: list[PassKey] = []
    for page in pages(keys):
        for (module, run, _), (job, pass_doc) in read_passes(db, page).items():
            if selection.matches(module, run, pass_doc, last_pass(job)):
                kept.append((module, run, pass_doc["pass"]))
    return kept


def replicas_of_passes(
    db: Database, keys: Sequence[PassKey], advance: Advance | None = None
) -> Iterator[CataloguedReplica]:
    """Every replica of the passes' data documents, a page of passes a request;
    ``advance`` is told of each page of passes read."""
    for page in pages(keys):
        for doc in read_data_documents(db, page):
            yield from replicas_of(doc)
        if advance is not None:
            advance(len(page))


__all__ = [
    "CataloguedReplica",
    "count_on",
    "replicas_of",
    "replicas_of_passes",
    "replicas_on",
    "selected_passes",
]
