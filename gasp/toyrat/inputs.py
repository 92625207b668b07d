"""Reading toyrat files back: processing inputs, and the metadata of any toyrat file.

Processing reads raw files (tree ``raw``, from ``toyrat daq``) or event-tree files (tree
``T``, the ``ratds`` output of an earlier module) a chunk at a time. Every input is opened
and checked before any output is created, so a bad input costs nothing and exits 2.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from gasp.toyrat.detector import make_hits
from gasp.toyrat.errors import RunFailure, UsageError
from gasp.toyrat.events import CHUNK_EVENTS, TREE_NAMES, EventChunk
from gasp.toyrat.output import META_TREE

READ_ERRORS = (OSError, ValueError, KeyError, uproot.DeserializationError)
LAYOUT_FOR_READER = {"raw": "raw", "root": "ratds"}
READER_COMMAND = {"raw": "/rat/inzdab/read", "root": "/rat/inroot/read"}
BRANCHES = ["runID", "subrunID", "eventID", "eventTime", "hits_pmt", "hits_time", "hits_charge"]


@dataclass(frozen=True)
class InputFile:
    """A checked input: its layout (``raw`` or ``ratds``), entries and run number."""

    path: Path
    layout: str
    entries: int
    run: int
    subrun: int


def read_meta(path: Path) -> dict[str, Any]:
    """The one entry of a toyrat file's ``meta`` tree, as plain Python values."""
    with uproot.open(path) as file:
        arrays = file[META_TREE].arrays(library="np")
    return {
        name: column[0].item() if column.dtype != object else column[0]
        for name, column in arrays.items()
    }


def _check(path: Path, reader: str) -> InputFile:
    layout = LAYOUT_FOR_READER[reader]
    tree_name = TREE_NAMES[layout]
    try:
        with uproot.open(path) as file:
            names = {key.split(";")[0] for key in file.keys(recursive=False)}
            if tree_name not in names:
                found = ", ".join(sorted(names)) or "nothing"
                raise UsageError(
                    f"input {path}: no tree {tree_name!r} (holds {found}); the macro's "
                    f"{READER_COMMAND[reader]} reads {layout} files"
                )
            tree = file[tree_name]
            entries = int(tree.num_entries)
            # the first event says which run it is; an empty file can only say it in meta
            ids = tree if entries or META_TREE not in names else file[META_TREE]
            first = ids.arrays(["runID", "subrunID"], entry_stop=1, library="np")
            run = int(first["runID"][0]) if len(first["runID"]) else 0
            subrun = int(first["subrunID"][0]) if len(first["subrunID"]) else 0
    except READ_ERRORS as exc:
        raise UsageError(f"input {path} is not a readable ROOT file: {exc}") from exc
    return InputFile(path, layout, entries, run, subrun)


def check_inputs(paths: Sequence[Path], reader: str) -> list[InputFile]:
    """Open every input once and check it is what the macro's reader expects."""
    return [_check(path, reader) for path in paths]


def read_chunks(source: InputFile, size: int = CHUNK_EVENTS) -> Iterator[EventChunk]:
    """The events of one input, ``size`` at a time, as chunks ready to be reconstructed."""
    try:
        with uproot.open(source.path) as file:
            tree = file[TREE_NAMES[source.layout]]
            for arrays in tree.iterate(BRANCHES, step_size=size, library="ak"):
                counts = np.asarray(ak.num(arrays.hits_pmt, axis=1), dtype=np.int64)
                hits = make_hits(
                    counts,
                    np.asarray(ak.flatten(arrays.hits_pmt), dtype=np.int64),
                    np.asarray(ak.flatten(arrays.hits_time), dtype=np.float64),
                    np.asarray(ak.flatten(arrays.hits_charge), dtype=np.float64),
                )
                yield EventChunk(
                    run=np.asarray(arrays.runID, dtype=np.int32),
                    subrun=np.asarray(arrays.subrunID, dtype=np.int32),
                    event_id=np.asarray(arrays.eventID, dtype=np.int32),
                    event_time=np.asarray(arrays.eventTime, dtype=np.float64),
                    hits=hits,
                )
    except READ_ERRORS as exc:
        raise RunFailure(f"cannot read input {source.path}: {exc}") from exc


__all__ = ["InputFile", "check_inputs", "read_chunks", "read_meta"]
