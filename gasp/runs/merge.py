"""Combining run documents: raw files from registration, metadata from imports.

The two sources own different parts of ``run:<run>``: registration owns the raw files and
their replicas, an import owns the metadata (run type, start, end, complete flag, and the
``source`` that says where that metadata came from). Registration fills metadata only
where the document has none yet (a run registered before its run table is imported), so
whichever comes first, neither drops what the other wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from gasp.model.run import RawFile, RunDocument, Subrun

_LEVEL_ORDER = {"L1": 0, "L2": 1}


def with_files(doc: RunDocument, entries: Iterable[tuple[int, RawFile]]) -> RunDocument:
    """``doc`` with each (subrun, file) put in place: a file of the same name is replaced."""
    subruns = {s.subrun: list(s.files) for s in doc.subruns}
    for subrun, entry in entries:
        files = [f for f in subruns.get(subrun, []) if f.name != entry.name]
        files.append(entry)
        subruns[subrun] = files
    merged = [
        Subrun(subrun=number, files=sorted(files, key=lambda f: (_LEVEL_ORDER[f.level], f.name)))
        for number, files in sorted(subruns.items())
    ]
    return doc.model_copy(update={"subruns": merged})


def registered_file(doc: RunDocument | None, name: str) -> tuple[int, RawFile] | None:
    """The (subrun, file) already recorded under ``name``, if any."""
    if doc is None:
        return None
    return next(((s, f) for s, f in doc.files() if f.name == name), None)


def fill_metadata(
    doc: RunDocument, *, start: str | None, end: str | None, complete: bool
) -> RunDocument:
    """Metadata from registration: only what the document lacks; complete once complete."""
    return doc.model_copy(
        update={
            "start": doc.start if doc.start is not None else start,
            "end": doc.end if doc.end is not None else end,
            "complete": doc.complete or complete,
        }
    )


def set_metadata(
    doc: RunDocument,
    *,
    run_type: str,
    start: str | None,
    end: str | None,
    complete: bool,
    source: str,
) -> RunDocument:
    """Metadata from an imported run table: it is the authority, the files stay."""
    return doc.model_copy(
        update={
            "run_type": run_type,
            "start": start,
            "end": end,
            "complete": complete,
            "source": source,
        }
    )


__all__ = ["fill_metadata", "registered_file", "set_metadata", "with_files"]
