"""Registering verified outputs in data documents, in bulk and idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gasp.model.data import file_entry, merge_file, new_data_document
from gasp.model.ids import data_id
from gasp.store import Database


def register_outputs(
    db: Database,
    *,
    kind: str,
    job: dict[str, Any],
    pass_doc: dict[str, Any],
    subjobs: Sequence[dict[str, Any]],
) -> list[str]:
    """Put every file of these (verified) subjobs into its data document; returns the ids.

    Registering a file that is already there changes nothing, so this can run again after
    a crash; a conflict (another writer, e.g. an operator relabelling) is retried on a
    fresh read.
    """
    module, run, number = str(job["module"]), int(job["run"]), int(pass_doc["pass"])
    wanted: dict[str, list[dict[str, Any]]] = {}
    types: dict[str, str] = {}
    for subjob in subjobs:
        for output in subjob.get("files", []):
            doc_id = data_id(module, run, number, output["data_type"])
            types[doc_id] = output["data_type"]
            wanted.setdefault(doc_id, []).append(
                file_entry(
                    subrun=int(subjob["subrun"]),
                    name=output["name"],
                    lfn=output["lfn"],
                    size=int(output["size"]),
                    adler32=output["adler32"],
                    events=int(output["events"]),
                    se=output["se"],
                    url=output["url"],
                )
            )
    pending = list(wanted)
    while pending:
        docs = db.get_many(pending)
        to_write = []
        for doc_id, found in zip(pending, docs, strict=True):
            doc = found or new_data_document(
                kind=kind,
                module=module,
                run=run,
                pass_number=number,
                data_type=types[doc_id],
                rat_version=str(pass_doc["rat_version"]),
                labels=pass_doc.get("labels") or [],
            )
            changed = found is None
            for entry in wanted[doc_id]:
                changed = merge_file(doc, entry) or changed
            if changed:
                to_write.append(doc)
        results = db.bulk(to_write)
        pending = [r.id for r in results if not r.ok]
    return sorted(wanted)
