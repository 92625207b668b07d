"""Registering verified outputs in their data documents, in bulk and idempotently.

A data document (``data:<module>:<run>:<pass>:<data_type>``) lists one pass's files of one
data type, one entry per subrun, with their replicas; it is what downloads read. (The
module catalogue, ``modules:<kind>:<version>``, is another thing: ``gasp.catalog``.)
"""

from __future__ import annotations

from collections.abc import Sequence

from gasp.model.clock import utc_now
from gasp.model.data import file_entry, merge_file, new_data_document
from gasp.model.documents import (
    DataDocument,
    DataType,
    FileEntry,
    JobDocument,
    Kind,
    PassDocument,
    SubjobDocument,
    data_document,
    stored,
)
from gasp.model.ids import data_id
from gasp.store import Database


def register_outputs(
    db: Database,
    *,
    kind: Kind,
    job: JobDocument,
    pass_doc: PassDocument,
    subjobs: Sequence[SubjobDocument],
) -> list[str]:
    """Put every file of these (verified) subjobs into its data document; returns the ids.

    Registering a file that is already there changes nothing, so this can run again after
    a crash; a conflict (another writer, e.g. an operator relabelling) is retried on a
    fresh read.
    """
    module, run, number = job["module"], job["run"], pass_doc["pass"]
    at = utc_now()
    wanted: dict[str, list[FileEntry]] = {}
    types: dict[str, DataType] = {}
    for subjob in subjobs:
        for output in subjob.get("files", []):
            doc_id = data_id(module, run, number, output["data_type"])
            types[doc_id] = output["data_type"]
            wanted.setdefault(doc_id, []).append(
                file_entry(
                    subrun=subjob["subrun"],
                    name=output["name"],
                    lfn=output["lfn"],
                    size=output["size"],
                    adler32=output["adler32"],
                    events=output["events"],
                    se=output["se"],
                    url=output["url"],
                    at=at,
                )
            )
    pending = list(wanted)
    while pending:
        to_write: list[DataDocument] = []
        for doc_id, found in zip(pending, db.get_many(pending), strict=True):
            doc = data_document(found) if found else None
            if doc is None:
                doc = new_data_document(
                    kind=kind,
                    module=module,
                    run=run,
                    pass_number=number,
                    data_type=types[doc_id],
                    rat_version=pass_doc["rat_version"],
                    labels=pass_doc.get("labels") or [],
                )
            changed = found is None
            for entry in wanted[doc_id]:
                changed = merge_file(doc, entry) or changed
            if changed:
                to_write.append(doc)
        results = db.bulk([stored(doc) for doc in to_write])
        pending = [r.id for r in results if not r.ok]
    return sorted(wanted)
