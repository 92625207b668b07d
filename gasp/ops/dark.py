"""Dark files: on a storage element, under a kind's folder, and in no data document.

They are what a job left when it was stored but never catalogued (a client killed between
its upload and finalize, an output whose pass was discarded), or what someone copied by
hand: space nobody accounts for, and names a later upload of the same file would conflict
with. ``find_dark`` walks ``<kind>/`` on the element (the logical paths of outputs,
``gasp.model.naming``) and compares each file's path below the element with the logical
names catalogued on it. Not dark:

* gasp's own temporary names (``.<name>.part-…``, ``gasp.storage.transfer.is_temporary``):
  uploads in progress, and leftovers the next upload of that name removes;
* files younger than ``min_age_hours`` (``[ops] dark_min_age_hours``, 24): an output is
  stored by its job before the client catalogues it, possibly hours later, so a young
  uncatalogued file is most likely on its way into the catalogue;
* files whose age cannot be told (no modification time): never moved on a guess.

``quarantine`` moves dark files to ``<element>/<quarantine folder>/<their path>``, keeping
the path, so a file that turns out to be wanted is put back by moving it again; the move
never replaces a file already there.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from gasp.errors import InputError
from gasp.model.documents import KINDS, Kind
from gasp.progress_protocol import Advance
from gasp.storage.access import access_for
from gasp.storage.element import StorageElement
from gasp.storage.errors import StorageError
from gasp.storage.transfer import is_temporary, translated

HOUR_S = 3600.0
DATA_FOLDERS = (*KINDS, "raw")  # where gasp stores files (logical paths, raw files)


@dataclass(frozen=True)
class DarkFile:
    """A file on an element that no data document names."""

    se: str
    url: str
    path: str  # below the element's prefix, as a logical name would be
    size: int
    age_hours: float


@dataclass
class DarkScan:
    """What the walk of one element found under a kind's folder."""

    se: str
    walked: int = 0  # files found (temporary names excluded)
    dark: list[DarkFile] = field(default_factory=list)
    young: int = 0  # uncatalogued, but too recent to call dark
    errors: list[str] = field(default_factory=list)


@dataclass
class Quarantined:
    """What a quarantine moved, and what it could not move (URL, why)."""

    moved: list[tuple[str, str]] = field(default_factory=list)  # (from, to)
    failed: list[tuple[str, str]] = field(default_factory=list)


def find_dark(
    element: StorageElement,
    kind: Kind,
    catalogued: set[str],
    *,
    min_age_hours: float,
    streams: int = 8,
    now: float | None = None,
) -> DarkScan:
    """The files below ``<kind>/`` on ``element`` whose path is not in ``catalogued``
    (logical names) and that are at least ``min_age_hours`` old."""
    scan = DarkScan(element.name)
    base = _base_url(element)
    candidates: list[tuple[str, str, int]] = []
    try:
        for url, size in element.walk(kind):
            if is_temporary(url) or not url.startswith(base):
                continue
            scan.walked += 1
            path = url[len(base) :]
            if path not in catalogued:
                candidates.append((url, path, size))
    except StorageError as exc:
        scan.errors.append(f"listing {element.name}: {exc}")
        return scan
    moment = time.time() if now is None else now
    with ThreadPoolExecutor(max_workers=max(1, streams)) as pool:
        ages = list(pool.map(lambda c: _age_hours(c[0], moment), candidates))
    for (url, path, size), age in zip(candidates, ages, strict=True):
        if isinstance(age, str):
            scan.errors.append(age)
        elif age is not None and age >= min_age_hours:
            scan.dark.append(DarkFile(element.name, url, path, size, age))
        else:
            scan.young += 1
    return scan


def _base_url(element: StorageElement) -> str:
    """The element's prefix in the form a walk gives URLs, with a trailing slash."""
    access, root = access_for(element.url_prefix)
    return access.url(root).rstrip("/") + "/"


def _age_hours(url: str, now: float) -> float | str | None:
    """Hours since the file was modified; None if its filesystem does not say; the error
    as text if it could not be asked."""
    access, path = access_for(url)
    try:
        with translated(url, "stat"):
            info = access.fs.info(path)
    except StorageError as exc:
        return str(exc)
    mtime = info.get("mtime")
    if isinstance(mtime, datetime):
        mtime = mtime.timestamp()
    if not isinstance(mtime, int | float):
        return None
    return (now - float(mtime)) / HOUR_S


def check_quarantine_folder(folder: str) -> str:
    """The quarantine folder must be none of gasp's own: a walk would find it again."""
    if folder in DATA_FOLDERS:
        raise InputError(
            f"[ops] quarantine = {folder!r} is a folder gasp stores data in; name another"
        )
    return folder


def quarantine(
    files: Sequence[DarkFile],
    element: StorageElement,
    folder: str,
    *,
    streams: int = 8,
    advance: Advance | None = None,
) -> Quarantined:
    """Move each dark file to ``<element>/<folder>/<its path>``, ``streams`` at a time."""
    done = Quarantined()
    step = advance or (lambda _n: None)
    with ThreadPoolExecutor(max_workers=max(1, streams)) as pool:
        for dark, outcome in zip(
            files, pool.map(lambda f: _move(f, element, folder), files), strict=True
        ):
            if outcome is None:
                done.moved.append((dark.url, quarantine_url(element, folder, dark)))
            else:
                done.failed.append((dark.url, outcome))
            step(1)
    return done


def quarantine_url(element: StorageElement, folder: str, dark: DarkFile) -> str:
    """Where a dark file goes: the quarantine folder, then the file's own path."""
    return element.url_for(posixpath.join(folder, dark.path))


def _move(dark: DarkFile, element: StorageElement, folder: str) -> str | None:
    """Move one file without replacing anything; the error as text, or None."""
    target = quarantine_url(element, folder, dark)
    access, source = access_for(dark.url)
    _, destination = access_for(target)
    try:
        with translated(dark.url, "quarantine"):
            access.makedirs(posixpath.dirname(destination))
            access.publish(source, destination)
    except StorageError as exc:
        return str(exc)
    return None


__all__ = [
    "DarkFile",
    "DarkScan",
    "Quarantined",
    "check_quarantine_folder",
    "find_dark",
    "quarantine",
    "quarantine_url",
]
