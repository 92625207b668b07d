"""The catalogue's side of a lost file: its replica marked ``bad``, or removed.

``gasp validate --fix`` records what it found in the data documents, so that nothing
reads a replica that is gone or changed (downloads and processing inputs take only
``ok`` replicas):

* by default the replica stays, with status ``bad``: the catalogue still says where the
  file was, so a restored file is one status change away and the record of the loss
  stays with the data;
* with ``remove`` the replica is taken out of its file entry.

A file entry left without any replica is kept, with an empty list: the data document is
the record that the pass produced that file (its events, size and adler32, which a copy
found elsewhere must match), and the pass's subjobs name the document among their outputs.
Readers find no replica to read and say so; nothing is silently missing from a list.

Writes go a page of documents at a time (one bulk read, one bulk write). Each change is
made on the document as it is now, and only if the replica is still what was checked
(same file entry, URL, size and adler32, status ``ok``): a file catalogued again since
the check is left alone. A conflicting write is re-read and applied again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gasp.model.documents import DataDocument, data_document, stored
from gasp.ops.catalogued import CataloguedReplica
from gasp.progress_protocol import Advance
from gasp.store import Database

PAGE_DOCUMENTS = 500  # data documents per bulk read and bulk write
ATTEMPTS = 5  # rounds of re-reading a page's conflicting documents


@dataclass
class CatalogueFix:
    """What a fix wrote: replicas changed, documents written, and what it left alone."""

    replicas: int = 0
    documents: int = 0
    unchanged: int = 0  # replicas no longer catalogued as they were checked
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document id, why)


def fix_catalogue(
    db: Database,
    replicas: Sequence[CataloguedReplica],
    *,
    remove: bool = False,
    advance: Advance | None = None,
) -> CatalogueFix:
    """Mark each replica ``bad`` (or, with ``remove``, drop it) in its data document."""
    by_doc: dict[str, list[CataloguedReplica]] = {}
    for replica in replicas:
        by_doc.setdefault(replica.doc_id, []).append(replica)
    ids = list(by_doc)
    fix = CatalogueFix()
    for start in range(0, len(ids), PAGE_DOCUMENTS):
        page = ids[start : start + PAGE_DOCUMENTS]
        _fix_page(db, page, by_doc, remove, fix)
        if advance is not None:
            advance(sum(len(by_doc[doc_id]) for doc_id in page))
    return fix


def _fix_page(
    db: Database,
    ids: list[str],
    by_doc: dict[str, list[CataloguedReplica]],
    remove: bool,
    fix: CatalogueFix,
) -> None:
    todo = ids
    for _ in range(ATTEMPTS):
        changed: list[tuple[DataDocument, int]] = []
        for doc_id, raw in zip(todo, db.get_many(todo), strict=True):
            doc = data_document(raw) if raw is not None else None
            count = mark(doc, by_doc[doc_id], remove=remove) if doc is not None else 0
            if doc is not None and count:
                changed.append((doc, count))
            else:
                fix.unchanged += len(by_doc[doc_id])
        results = db.bulk([stored(doc) for doc, _ in changed])
        retry: list[str] = []
        for (doc, count), result in zip(changed, results, strict=True):
            if result.ok:
                fix.replicas += count
                fix.documents += 1
                fix.unchanged += len(by_doc[doc["_id"]]) - count
            elif result.error == "conflict":
                retry.append(doc["_id"])  # read again: applied to what it is now
            else:
                fix.failed.append((doc["_id"], f"{result.error}: {result.reason}"))
        if not retry:
            return
        todo = retry
    fix.failed += [(doc_id, "kept conflicting with other writers") for doc_id in todo]


def mark(doc: DataDocument, replicas: Sequence[CataloguedReplica], *, remove: bool) -> int:
    """Apply the fix to a document in memory; how many of ``replicas`` it changed."""
    count = 0
    for replica in replicas:
        for entry in doc.get("files", []):
            if (entry["subrun"], entry["lfn"], entry["size"], entry["adler32"]) != (
                replica.subrun,
                replica.lfn,
                replica.size,
                replica.adler32,
            ):
                continue
            kept = []
            for current in entry["replicas"]:
                same = (current["se"], current["url"]) == (replica.se, replica.url)
                if same and current["status"] == "ok":
                    count += 1
                    if remove:
                        continue
                    current["status"] = "bad"
                kept.append(current)
            entry["replicas"] = kept
    return count


__all__ = ["ATTEMPTS", "PAGE_DOCUMENTS", "CatalogueFix", "fix_catalogue", "mark"]
