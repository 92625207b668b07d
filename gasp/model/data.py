"""Data documents: the catalogue of one (module, run, pass, data type)'s output files.

Every subjob's file of the same (pass, data type) goes into one document, one entry per
subrun; registering the same file twice changes nothing, so finalizing can be repeated
after a crash without duplicating a catalogue entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gasp.model.ids import data_id


def new_data_document(
    *,
    kind: str,
    module: str,
    run: int,
    pass_number: int,
    data_type: str,
    rat_version: str,
    labels: Sequence[str],
) -> dict[str, Any]:
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
    *, subrun: int, name: str, lfn: str, size: int, adler32: str, events: int, se: str, url: str
) -> dict[str, Any]:
    return {
        "subrun": subrun,
        "name": name,
        "lfn": lfn,
        "size": size,
        "adler32": adler32,
        "events": events,
        "replicas": [{"se": se, "url": url, "status": "ok"}],
    }


def merge_file(doc: dict[str, Any], entry: Mapping[str, Any]) -> bool:
    """Put ``entry`` into the document's files (one per subrun); True if anything changed."""
    files: list[dict[str, Any]] = doc.setdefault("files", [])
    for index, current in enumerate(files):
        if current["subrun"] == entry["subrun"]:
            if current == entry:
                return False
            files[index] = dict(entry)
            return True
    files.append(dict(entry))
    files.sort(key=lambda f: int(f["subrun"]))
    return True
