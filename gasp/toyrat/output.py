"""ROOT output files that never look complete before they are.

Each file is written under a hidden temporary name in its final folder
(``.NAME.part-PID``) and renamed to NAME only once every event and the ``meta`` tree are
written and flushed to disk. A toyrat killed at any moment therefore leaves either no file
under the final name or a complete one, which is what gasp's runner relies on when it
decides whether an output exists. Files of one run are published together, at the end.

Every file carries a one-entry ``meta`` tree describing how it was made (see ``Meta``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from gasp.toyrat.errors import RunFailure
from gasp.toyrat.events import TREE_NAMES, EventChunk
from gasp.toyrat.release import version

META_TREE = "meta"


@dataclass(frozen=True)
class Meta:
    """How a file was made; stored as the one entry of its ``meta`` tree."""

    data_type: str
    mode: str
    macro: str
    generator: str
    run: int
    seed: int
    subrun: int = 0
    events: int = 0
    inputs: tuple[str, ...] = field(default=())
    run_type: str = ""
    level: str = ""

    def columns(self) -> dict[str, Any]:
        strings = {
            "program": "toyrat",
            "version": version(),
            "dataType": self.data_type,
            "mode": self.mode,
            "macro": self.macro,
            "generator": self.generator,
            "inputs": ",".join(self.inputs),
            "runType": self.run_type,
            "level": self.level,
        }
        numbers = {
            "runID": self.run,
            "subrunID": self.subrun,
            "seed": self.seed,
            "nEvents": self.events,
        }
        return {name: np.array([value]) for name, value in (strings | numbers).items()}


def _branch_type(column: Any) -> Any:
    if isinstance(column, ak.Array):
        return column.type.content
    return np.asarray(column).dtype


def temporary_name(final: Path) -> Path:
    """The hidden name a file has while it is written (``.NAME.part-PID``)."""
    return final.with_name(f".{final.name}.part-{os.getpid()}")


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class RootOutput:
    """One output file: trees filled chunk by chunk, then metadata, then the rename."""

    def __init__(self, final: Path, layout: str, data_type: str) -> None:
        self.final = final
        self.layout = layout
        self.data_type = data_type
        self.temp = temporary_name(final)
        self.entries = 0
        self._tree: Any = None
        try:
            self._file: Any = uproot.recreate(self.temp)
        except OSError as exc:
            raise RunFailure(f"cannot create output {final}: {exc}") from exc

    def extend(self, chunk: EventChunk) -> None:
        columns = chunk.columns(self.layout, self.entries)
        if self._tree is None:
            self._tree = self._file.mktree(
                TREE_NAMES[self.layout],
                {name: _branch_type(column) for name, column in columns.items()},
                counter_name=lambda name: f"n{name}",
                field_name=lambda outer, inner: f"{outer}_{inner}",
            )
        self._tree.extend(columns)
        self.entries += len(chunk)

    def finish(self, meta: Meta) -> None:
        """Write the ``meta`` tree, close the file and flush it to disk."""
        columns = replace(meta, data_type=self.data_type, events=self.entries).columns()
        tree = self._file.mktree(META_TREE, {name: _meta_type(v) for name, v in columns.items()})
        tree.extend(columns)
        self._file.close()
        _fsync(self.temp)

    def publish(self) -> Path:
        os.replace(self.temp, self.final)
        _fsync(self.final.parent, os.O_RDONLY | os.O_DIRECTORY)
        return self.final

    def abandon(self, remove: bool) -> None:
        """Close without publishing; ``remove=False`` leaves the partial file as a crash would."""
        self._file.close()
        if remove:
            self.temp.unlink(missing_ok=True)


@cache
def _string_type() -> Any:
    """The awkward type of a string branch, parsed once (uproot would re-parse "string")."""
    return ak.types.from_datashape("string", highlevel=False)


def _meta_type(column: Any) -> Any:
    return _string_type() if column.dtype.kind == "U" else column.dtype


class OutputSet:
    """The output files of one run, filled together and published together."""

    def __init__(self, outputs: Iterable[RootOutput]) -> None:
        self.outputs = list(outputs)

    def extend(self, chunk: EventChunk) -> None:
        for output in self.outputs:
            output.extend(chunk)

    def publish(self, meta: Meta) -> list[RootOutput]:
        """Finish every file, then rename them all: no final name before all are complete."""
        try:
            for output in self.outputs:
                output.finish(meta)
            for output in self.outputs:
                output.publish()
        except OSError as exc:
            raise RunFailure(f"cannot write outputs: {exc}") from exc
        return self.outputs

    def abandon(self, remove: bool = True) -> None:
        for output in self.outputs:
            output.abandon(remove)


__all__ = ["META_TREE", "Meta", "OutputSet", "RootOutput", "temporary_name"]
