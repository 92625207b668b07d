"""Parallel, verified downloads of the files a label catalogues."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gasp.config import StorageSection
from gasp.errors import GaspError, InputError
from gasp.storage.element import StorageElement
from gasp.store import Database


@dataclass(frozen=True)
class WantedFile:
    name: str
    size: int
    adler32: str
    replicas: list[tuple[str, str]]  # (storage element, url)


@dataclass
class GrabSummary:
    downloaded: int = 0
    present: int = 0
    bytes: int = 0
    failed: list[str] = field(default_factory=list)


def files_of_label(db: Database, label: str, data_type: str | None = None) -> Iterator[WantedFile]:
    """Every catalogued file carrying ``label`` (optionally of one data type)."""
    start: list[Any] = [label] if data_type is None else [label, data_type]
    rows = db.view(
        "data", "by_label", startkey=start, endkey=[*start, {}], reduce=False, include_docs=True
    )
    for row in rows:
        for entry in (row.doc or {}).get("files", []):
            replicas = [
                (r["se"], r["url"]) for r in entry.get("replicas", []) if r.get("status") == "ok"
            ]
            yield WantedFile(
                str(entry["name"]), int(entry["size"]), str(entry["adler32"]), replicas
            )


def _fetch(wanted: WantedFile, dest: Path, storage: StorageSection) -> tuple[bool, int]:
    """Download one file from the first replica that works; (was it already there, bytes)."""
    target = dest / wanted.name
    errors = []
    for se, url in wanted.replicas:
        element = storage.elements.get(se)
        prefix = element.url if element else url
        try:
            done = StorageElement(se, prefix).download(url, target, wanted.size, wanted.adler32)
        except GaspError as exc:
            errors.append(str(exc))
            continue
        return done.already_present, wanted.size
    raise GaspError(f"{wanted.name}: every replica failed: " + "; ".join(errors or ["no replica"]))


def grab_label(
    db: Database,
    label: str,
    dest: Path,
    storage: StorageSection,
    *,
    data_type: str | None = None,
    streams: int = 8,
    on_file: Callable[[int], None] | None = None,
) -> GrabSummary:
    """Download every file of ``label`` into ``dest`` with ``streams`` parallel transfers."""
    wanted = list(files_of_label(db, label, data_type))
    if not wanted:
        raise InputError(f"no catalogued files carry the label {label!r}")
    dest.mkdir(parents=True, exist_ok=True)
    summary = GrabSummary()
    with ThreadPoolExecutor(max_workers=max(1, streams)) as pool:
        futures = {pool.submit(_fetch, item, dest, storage): item for item in wanted}
        for future in as_completed(futures):
            try:
                present, size = future.result()
            except GaspError as exc:
                summary.failed.append(str(exc))
            else:
                summary.present += int(present)
                summary.downloaded += int(not present)
                summary.bytes += size
            if on_file is not None:
                on_file(1)
    return summary
