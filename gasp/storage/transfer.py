"""Copies to and from storage, each checksummed on the fly and published atomically.

The rule for every copy (docs/architecture.md, "On the worker"): data goes to a
temporary name in the destination folder, its size and adler32 are checked, and only then
does it get its final name. So a reader that sees a final name sees a complete, verified
file, whatever happened to the writer (an error, a full disk, ``kill -9``).

* An **upload** that fails for any reason removes its temporary file; one killed outright
  leaves a hidden ``.<name>.part-<random>`` that ``walk(include_temporary=True)`` finds.
  Uploading a file that is already there with the same size and adler32 succeeds (a
  retried job); a different file under the name is a ``ReplicaConflict``, never replaced.
* A **download** keeps its partial file ``.<name>.part`` when the copy breaks, and the
  next attempt resumes from it: the prefix on disk is hashed, the rest is fetched. If the
  result does not match, the prefix is not trusted: one more copy from the start.

The functions take URLs, so they work on any replica, not only those of one storage
element; ``StorageElement`` adds logical file names on top.
"""

from __future__ import annotations

import contextlib
import posixpath
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gasp.storage.access import FileAccess, access_for, link_into_place
from gasp.storage.adler32 import copy_with_adler32, file_adler32, stream_adler32
from gasp.storage.errors import (
    ChecksumMismatch,
    MissingReplica,
    ReplicaConflict,
    StorageError,
    TransferError,
)
from gasp.storage.fetch import ByteCounter, ignore_bytes

PART_MARK = ".part"  # temporary names: ".<name>.part-<random>" (upload), ".<name>.part" (download)


@dataclass(frozen=True)
class StoredFile:
    """A file on storage as gasp catalogues it: where, how big, which adler32."""

    url: str
    size: int
    adler32: str


@dataclass(frozen=True)
class Downloaded:
    """A verified local copy; ``resumed_from`` > 0 when a partial copy was continued."""

    path: Path
    size: int
    adler32: str
    resumed_from: int = 0
    already_present: bool = False
    fetched: int = 0  # bytes that came from the source this time


def is_temporary(name: str) -> bool:
    """Whether a file name is one of the hidden temporary names copies write."""
    base = posixpath.basename(name)
    return base.startswith(".") and (base.endswith(PART_MARK) or f"{PART_MARK}-" in base)


@contextlib.contextmanager
def translated(url: str, action: str) -> Iterator[None]:
    """Turn the filesystem's ``OSError`` into a ``TransferError`` naming the URL."""
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        raise TransferError(url, f"{action} failed: {exc}") from exc


def stat(url: str) -> int | None:
    """The size of the file at ``url``, or None if there is none."""
    access, path = access_for(url)
    with translated(url, "stat"):
        return access.size(path)


def checksum(url: str) -> str:
    """The adler32 of the file at ``url``: asked of the server if it can, else read and hashed."""
    access, path = access_for(url)
    with translated(url, "checksum"):
        if access.size(path) is None:
            raise MissingReplica(url)
        return _checksum(access, path)


def _checksum(access: FileAccess, path: str) -> str:
    value = access.server_checksum(path)
    if value is not None:
        return value
    with access.open_read(path) as handle:
        return stream_adler32(handle)[1]


def verify(url: str, size: int, adler32: str) -> StoredFile:
    """Check that the file at ``url`` has this size and adler32; raise if it has not.

    The size is compared first, so a short or missing file costs no checksum.
    """
    access, path = access_for(url)
    with translated(url, "verify"):
        actual_size = access.size(path)
        if actual_size is None:
            raise MissingReplica(url)
        if actual_size != size:
            raise ChecksumMismatch(url, expected_size=size, actual_size=actual_size)
        _check_checksum(access, path, url, size, adler32)
    return StoredFile(url, size, adler32)


def delete(url: str) -> bool:
    """Remove the file at ``url``; False if there was none."""
    access, path = access_for(url)
    with translated(url, "delete"):
        return access.remove(path)


def discard(url: str, temporary_only: bool = False) -> list[str]:
    """Remove what unfinished uploads to ``url`` left: the file and its temporary copies
    (only the temporary copies with ``temporary_only``).

    For a job that ended without a report: its outputs may be under their final names
    (killed after one upload, before the report) or half-written. Only call this for a
    name known not to be catalogued. Returns the URLs removed.
    """
    access, final = access_for(url)
    folder, name = posixpath.split(final)
    removed = []
    with translated(url, "discard"):
        candidates = ([] if temporary_only else [final]) + [
            path
            for path, _ in access.walk(folder)
            if posixpath.dirname(path) == folder
            and posixpath.basename(path).startswith(f".{name}{PART_MARK}")
        ]
        for path in candidates:
            if access.remove(path):
                removed.append(access.url(path))
    return removed


def walk(url: str, include_temporary: bool = False) -> Iterator[tuple[str, int]]:
    """(url, size) of every file below the folder ``url``; temporary copies only on request."""
    access, folder = access_for(url)
    with translated(url, "listing"):
        for path, size in access.walk(folder):
            if include_temporary or not is_temporary(path):
                yield access.url(path), size


def upload(local_path: str | Path, url: str, expected: str | None = None) -> StoredFile:
    """Copy a local file to ``url``, computing adler32 on the way; see the module docstring.

    ``expected`` is the adler32 the file should have (computed where it was written, or
    the catalogue's): the bytes that went out must have it, else ``ChecksumMismatch`` and
    nothing is published. Either way the server's copy must match what went out.
    """

    def local_file() -> tuple[int, str]:
        size, adler32 = file_adler32(local_path)
        _check_expected(url, size, adler32, expected)
        return size, adler32

    def check_sent(size: int, adler32: str) -> None:
        _check_expected(url, size, adler32, expected)

    return _store(lambda: open(local_path, "rb"), url, local_file, check_sent)


def copy(source_url: str, url: str, size: int, adler32: str) -> StoredFile:
    """Copy a stored file to ``url`` (another storage element), through this process.

    The bytes read from ``source_url`` must be ``size`` bytes with ``adler32`` (the
    catalogue's), else ``ChecksumMismatch`` naming the source and nothing is published;
    the written copy is then checked and published as an upload's is. A file already at
    ``url`` with that size and adler32 is accepted as the copy (a rerun after a kill).
    """
    source, source_path = access_for(source_url)

    def check_sent(sent_size: int, sent_adler32: str) -> None:
        if (sent_size, sent_adler32) != (size, adler32):
            raise ChecksumMismatch(
                source_url,
                expected_size=size,
                actual_size=sent_size,
                expected_adler32=adler32,
                actual_adler32=sent_adler32,
            )

    def open_source() -> BinaryIO:
        with translated(source_url, "reading the source"):
            if source.size(source_path) is None:
                raise MissingReplica(source_url)
            return source.open_read(source_path)

    return _store(open_source, url, lambda: (size, adler32), check_sent)


def _store(
    open_source: Callable[[], BinaryIO],
    url: str,
    identity: Callable[[], tuple[int, str]],
    check_sent: Callable[[int, str], None],
) -> StoredFile:
    """Write what ``open_source`` reads to ``url`` through a temporary name, checksummed.

    ``identity`` gives the size and adler32 the source has, asked only when a file is
    already under the final name (the same file is accepted, a different one is a
    ``ReplicaConflict``); ``check_sent`` judges the bytes that went out.
    """
    access, final = access_for(url)
    folder, name = posixpath.split(final)
    with translated(url, "upload"):
        if access.size(final) is not None:
            size, adler32 = identity()
            return _same_file_or_conflict(access, final, url, size, adler32)
        access.makedirs(folder)
        temp = posixpath.join(folder, f".{name}{PART_MARK}-{secrets.token_hex(6)}")
        try:
            with open_source() as source, access.open_write(temp) as target:
                running = copy_with_adler32(source, target)
            size, adler32 = running.size, running.hexdigest()
            check_sent(size, adler32)
            _check_copy(access, temp, url, size, adler32)
            try:
                access.publish(temp, final)
            except FileExistsError:  # another writer published the name meanwhile
                stored = _same_file_or_conflict(access, final, url, size, adler32)
                access.remove(temp)
                return stored
        except BaseException:
            _remove_quietly(access, temp)
            raise
    return StoredFile(url, size, adler32)


def _check_expected(url: str, size: int, adler32: str, expected: str | None) -> None:
    """The bytes read from the local file must be the ones the caller vouched for."""
    if expected is not None and adler32 != expected:
        raise ChecksumMismatch(
            url,
            expected_size=size,
            actual_size=size,
            expected_adler32=expected,
            actual_adler32=adler32,
        )


def _check_copy(access: FileAccess, temp: str, url: str, size: int, adler32: str) -> None:
    """The written copy must have the size and adler32 of what was sent."""
    written = access.size(temp)
    if written != size:
        raise ChecksumMismatch(url, expected_size=size, actual_size=written)
    _check_checksum(access, temp, url, size, adler32)


def _check_checksum(access: FileAccess, path: str, url: str, size: int, adler32: str) -> None:
    """A file already known to have ``size`` bytes must also have this adler32."""
    actual = _checksum(access, path)
    if actual != adler32:
        raise ChecksumMismatch(
            url,
            expected_size=size,
            actual_size=size,
            expected_adler32=adler32,
            actual_adler32=actual,
        )


def _same_file_or_conflict(
    access: FileAccess, final: str, url: str, size: int, adler32: str
) -> StoredFile:
    existing_size = access.size(final)
    if existing_size is None:
        raise MissingReplica(url)
    existing = _checksum(access, final) if existing_size == size else None
    if existing_size != size or existing != adler32:
        raise ReplicaConflict(
            url, size=existing_size, adler32=existing, new_size=size, new_adler32=adler32
        )
    return StoredFile(url, size, adler32)


def _remove_quietly(access: FileAccess, temp: str) -> None:
    """Remove a temporary copy without hiding the error that made it useless."""
    with contextlib.suppress(OSError):
        access.remove(temp)


def download(
    url: str,
    dest: str | Path,
    size: int | None = None,
    adler32: str | None = None,
    on_bytes: ByteCounter = ignore_bytes,
) -> Downloaded:
    """Copy ``url`` to the local file ``dest``, verified, resuming a partial copy.

    With ``size``/``adler32`` given the copy must match them; without, it is taken as the
    source is and its checksum reported. A ``dest`` already there is accepted only if it
    matches; otherwise ``ReplicaConflict`` (a local file is never silently replaced).
    ``on_bytes`` is told of the bytes as they arrive (progress bars).
    """
    dest = Path(dest)
    access, path = access_for(url)
    with translated(url, "download"):
        if dest.exists():
            return _present_download(dest, size, adler32)
        remote_size = access.size(path)
        if remote_size is None:
            raise MissingReplica(url)
        if size is not None and remote_size != size:
            raise ChecksumMismatch(url, expected_size=size, actual_size=remote_size)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_path(dest)
        fetched = access.fetch(path, partial, remote_size, adler32, on_bytes)
        link_into_place(str(partial), str(dest))
    return Downloaded(
        dest, remote_size, fetched.adler32, fetched.resumed_from, False, fetched.fetched
    )


def partial_path(dest: Path) -> Path:
    """Where a download to ``dest`` keeps its bytes until they are verified."""
    return dest.parent / f".{dest.name}{PART_MARK}"


def _present_download(dest: Path, size: int | None, adler32: str | None) -> Downloaded:
    local_size, local_adler32 = file_adler32(dest)
    if adler32 is not None and (size is None or size == local_size) and adler32 == local_adler32:
        return Downloaded(dest, local_size, local_adler32, already_present=True)
    raise ReplicaConflict(
        str(dest),
        size=local_size,
        adler32=local_adler32,
        new_size=size,
        new_adler32=adler32,
    )


__all__ = [
    "Downloaded",
    "StoredFile",
    "checksum",
    "copy",
    "delete",
    "discard",
    "download",
    "is_temporary",
    "partial_path",
    "stat",
    "upload",
    "verify",
    "walk",
]
