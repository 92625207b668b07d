"""``gasp stats``: what a set of finished passes cost and what it produced.

A campaign is reported (to a physics group, to a site's allocation) as CPU and wall time
spent and events, files and bytes delivered. The time is what the subjobs' reports said
(``cpu_s``, ``wall_s`` on each subjob); what was delivered is what the catalogue holds,
the data documents the subjobs' ``outputs`` name, not what a report claimed. A pass's
events are counted once, not once per data type: a subrun's ratds and ntuple files hold
the same events, so a subrun counts the most events any of its files holds. Files and
bytes count every file.

By default only ``completed`` passes are counted (``--status`` widens it; a ``partFail``
pass then adds the time its failed subjobs used too). Job documents and then their data
documents are read in bulk pages, ``PAGE_JOBS`` documents a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from gasp.model.documents import DataDocument, JobDocument, PassStateName, data_document
from gasp.ops.pages import PAGE_JOBS, job_pages
from gasp.passes.selection import PassKey, Selection, candidates
from gasp.passes.update import find_pass
from gasp.progress_protocol import Progress, silent
from gasp.store import Database

DEFAULT_STATUSES: tuple[PassStateName, ...] = ("completed",)


class FiguresJson(TypedDict):
    passes: int
    subjobs: int
    cpu_s: float
    wall_s: float
    events: int
    files: int
    bytes: int


class StatsJson(TypedDict):
    """``gasp stats --json``: per module and in total."""

    selection: str
    modules: dict[str, FiguresJson]
    total: FiguresJson
    missing_data: int  # data documents named by outputs but not found


@dataclass
class Figures:
    """What a module's passes (or all of them) cost and delivered."""

    passes: int = 0
    subjobs: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    events: int = 0
    files: int = 0
    bytes: int = 0

    def add(self, other: Figures) -> None:
        self.passes += other.passes
        self.subjobs += other.subjobs
        self.cpu_s += other.cpu_s
        self.wall_s += other.wall_s
        self.events += other.events
        self.files += other.files
        self.bytes += other.bytes

    def to_json(self) -> FiguresJson:
        return {
            "passes": self.passes,
            "subjobs": self.subjobs,
            "cpu_s": round(self.cpu_s, 3),
            "wall_s": round(self.wall_s, 3),
            "events": self.events,
            "files": self.files,
            "bytes": self.bytes,
        }


@dataclass
class Stats:
    modules: dict[str, Figures] = field(default_factory=dict)
    missing_data: int = 0

    def module(self, name: str) -> Figures:
        return self.modules.setdefault(name, Figures())

    def total(self) -> Figures:
        total = Figures()
        for figures in self.modules.values():
            total.add(figures)
        return total

    def to_json(self, selection: Selection) -> StatsJson:
        return {
            "selection": selection.describe(),
            "modules": {name: self.modules[name].to_json() for name in sorted(self.modules)},
            "total": self.total().to_json(),
            "missing_data": self.missing_data,
        }


def collect_stats(db: Database, selection: Selection, *, progress: Progress = silent) -> Stats:
    """Sum the selected passes' subjob times and their data documents' files."""
    keys = [row.key for row in candidates(db, selection)]
    stats = Stats()
    for page in job_pages(db, keys, progress=progress):
        outputs: dict[str, str] = {}  # data id -> module
        for job, selected in page:
            if job is not None:
                _add_job(stats, selection, job, selected, outputs)
        _add_data(db, stats, outputs)
    return stats


def _add_job(
    stats: Stats,
    selection: Selection,
    job: JobDocument,
    keys: Sequence[PassKey],
    outputs: dict[str, str],
) -> None:
    """A job's selected passes: their times now, their data document ids for later."""
    last = max((p["pass"] for p in job["passes"]), default=0)
    for _, _, number in keys:
        pass_doc = find_pass(job, number)
        if pass_doc is None or not selection.matches(job["module"], job["run"], pass_doc, last):
            continue
        figures = stats.module(job["module"])
        figures.passes += 1
        for subjob in pass_doc["subjobs"]:
            figures.subjobs += 1
            figures.cpu_s += subjob.get("cpu_s", 0.0)
            figures.wall_s += subjob.get("wall_s", 0.0)
            for data in subjob.get("outputs", []):
                outputs[data] = job["module"]


def _add_data(db: Database, stats: Stats, outputs: dict[str, str]) -> None:
    """Files, bytes and events of the named data documents, ``PAGE_JOBS`` ids a read."""
    ids = list(outputs)
    events: dict[tuple[str, int, int, int], int] = {}  # (module, run, pass, subrun)
    for start in range(0, len(ids), PAGE_JOBS):
        chunk = ids[start : start + PAGE_JOBS]
        for data_id, found in zip(chunk, db.get_many(chunk), strict=True):
            if found is None:
                stats.missing_data += 1
                continue
            doc: DataDocument = data_document(found)
            figures = stats.module(outputs[data_id])
            for entry in doc["files"]:
                figures.files += 1
                figures.bytes += entry["size"]
                subrun = (outputs[data_id], doc["run"], doc["pass"], entry["subrun"])
                events[subrun] = max(events.get(subrun, 0), entry["events"])
    for (module, *_), count in events.items():
        stats.module(module).events += count


__all__ = ["DEFAULT_STATUSES", "Figures", "FiguresJson", "Stats", "StatsJson", "collect_stats"]
