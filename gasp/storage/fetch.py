"""Filling a local partial file from a source, resuming it, and checking the whole.

A download writes ``.<name>.part`` beside its destination. When a copy breaks (an error, a
kill), the partial file stays, and the next attempt continues from the byte it reached:
only the rest travels. Whatever the way the bytes came, the whole file is then checked
against the catalogue's size and adler32; a prefix that does not belong to the source
(the catalogue changed, a disk error) is thrown away and the copy starts again from the
first byte, once. A copy that still does not match is deleted: that replica is bad.

This module is the generic way, for any filesystem fsspec can open: the bytes are read
in chunks and hashed as they arrive, the prefix on disk hashed first. The XRootD adapter
has its own (``gasp.storage.xrootd``: the XRootD client's copy engine).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gasp.storage.adler32 import CHUNK_SIZE, Adler32
from gasp.storage.errors import ChecksumMismatch

ByteCounter = Callable[[int], None]  # told how many more bytes arrived, as they arrive


def ignore_bytes(_count: int) -> None:
    """A ``ByteCounter`` for callers that show no progress."""


@dataclass(frozen=True)
class Fetched:
    """A partial file made whole and verified: its adler32, where the copy started
    (bytes already on disk), and how many bytes came from the source this time."""

    adler32: str
    resumed_from: int
    fetched: int


def partial_offset(partial: Path, size: int) -> int:
    """The byte a copy into ``partial`` resumes from (0 for none, or one too long)."""
    offset = partial.stat().st_size if partial.exists() else 0
    if offset > size:
        partial.unlink()
        return 0
    return offset


def stream_fetch(
    url: str,
    open_read: Callable[[int], BinaryIO],
    partial: Path,
    size: int,
    adler32: str | None,
    on_bytes: ByteCounter = ignore_bytes,
) -> Fetched:
    """Make ``partial`` the verified copy of the source ``open_read(offset)`` reads.

    ``ChecksumMismatch`` (and ``partial`` removed) if the source does not have ``size``
    bytes and ``adler32``.
    """
    resumed_from = partial_offset(partial, size)
    running = _fill(open_read, partial, resumed_from, on_bytes)
    fetched = running.size - resumed_from
    if resumed_from and not _matches(running, size, adler32):
        partial.unlink()  # the prefix on disk is not the source's: start from byte 0
        resumed_from = 0
        running = _fill(open_read, partial, 0, on_bytes)
        fetched += running.size
    if not _matches(running, size, adler32):
        partial.unlink(missing_ok=True)
        raise ChecksumMismatch(
            url,
            expected_size=size,
            actual_size=running.size,
            expected_adler32=adler32,
            actual_adler32=running.hexdigest(),
        )
    return Fetched(running.hexdigest(), resumed_from, fetched)


def _matches(running: Adler32, size: int, adler32: str | None) -> bool:
    return running.size == size and (adler32 is None or running.hexdigest() == adler32)


def _fill(
    open_read: Callable[[int], BinaryIO], partial: Path, offset: int, on_bytes: ByteCounter
) -> Adler32:
    """Hash the ``offset`` bytes on disk, append the source's bytes from there, hashing
    them as they arrive; fsynced, so a resumed prefix is one that reached the disk."""
    running = Adler32()
    if offset:
        with open(partial, "rb") as prefix:
            while chunk := prefix.read(CHUNK_SIZE):
                running.update(chunk)
    with open(partial, "ab") as target, open_read(offset) as source:
        while chunk := source.read(CHUNK_SIZE):
            target.write(chunk)
            running.update(chunk)
            on_bytes(len(chunk))
        target.flush()
        os.fsync(target.fileno())
    return running


__all__ = ["ByteCounter", "Fetched", "ignore_bytes", "partial_offset", "stream_fetch"]
