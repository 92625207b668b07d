"""Data documents: the catalogue of one (module, run, pass, data type)'s output files.

Every subjob's file of the same (pass, data type) goes into one document, one entry per
subrun; registering the same file twice changes nothing, so finalizing can be repeated
after a crash without duplicating a catalogue entry. Their shapes are
``gasp.model.documents``.
"""

from __future__ import annotations

from collections.abc import Sequence

from gasp.model.documents import DataDocument, DataType, FileEntry, Kind
from gasp.model.ids import data_id


def new_data_document(
    *,
    kind: Kind,
    module: str,
    run: int,
    pass_number: int,
    data_type: DataType,
    rat_version: str,
    labels: Sequence[str],
) -> DataDocument:
    return {
        "_id": data_id(module, run, pass_number, data_type),
        "type": "data",
        "kind": kind,
        "module": module,
        "run": run,
        "pass": pass_number,
        "data_type": data_type,
        "rat_version": rat_version,
        "labels": list(labels),
        "files": [],
    }


def file_entry(
    *,
    subrun: int,
    name: str,
    lfn: str,
    size: int,
    adler32: str,
    events: int,
    se: str,
    url: str,
    at: str,
) -> FileEntry:
    """A new catalogue entry, catalogued ``at`` (a document time) with one replica."""
    return {
        "subrun": subrun,
        "name": name,
        "lfn": lfn,
        "size": size,
        "adler32": adler32,
        "events": events,
        "replicas": [{"se": se, "url": url, "status": "ok"}],
        "catalogued": at,
    }


def merge_file(doc: DataDocument, entry: FileEntry) -> bool:
    """Put ``entry`` into the document's files (one per subrun); True if anything changed.

    An entry that differs from the one there only by its ``catalogued`` time is the same
    file registered again (a finalize repeated after a crash): nothing changes.
    """
    files = doc.setdefault("files", [])
    for index, current in enumerate(files):
        if current["subrun"] == entry["subrun"]:
            if _without_time(current) == _without_time(entry):
                return False
            files[index] = entry.copy()
            return True
    files.append(entry.copy())
    files.sort(key=lambda f: f["subrun"])
    return True


def _without_time(entry: FileEntry) -> dict[str, object]:
    return {key: value for key, value in entry.items() if key != "catalogued"}
