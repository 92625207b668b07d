"""Adler-32 checksums, computed on the fly while data is copied.

Adler-32 is the checksum the field's storage systems (XRootD, dCache, FTS) keep for every
file, so gasp computes exactly that, once, where a file is written, and carries the value
through every later step. It is always written as eight lower-case hexadecimal digits,
zero-padded (``0a1b2c3d``), the form storage servers report.

The sums come from zlib-ng (``zlib_ng``), the same Adler-32 with vectorised code: 6.8 GB/s
against the standard library's 1.9 GB/s here (200 MB in memory), which is what lets a
download check every byte and still keep up with ``xrdcp`` (``bench/grab.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from zlib_ng import zlib_ng

CHUNK_SIZE = 4 * 1024 * 1024  # large enough to keep syscalls rare, small enough for memory


class Adler32:
    """A running Adler-32 over the bytes seen so far, and how many there were."""

    def __init__(self) -> None:
        self.value = zlib_ng.adler32(b"")
        self.size = 0

    def update(self, data: bytes) -> None:
        self.value = zlib_ng.adler32(data, self.value)
        self.size += len(data)

    def hexdigest(self) -> str:
        return format_adler32(self.value)


def format_adler32(value: int) -> str:
    """The canonical text form: eight lower-case hex digits, zero-padded."""
    return f"{value & 0xFFFFFFFF:08x}"


def adler32_of(data: bytes) -> str:
    """The checksum of bytes held in memory."""
    return format_adler32(zlib_ng.adler32(data))


def stream_adler32(source: BinaryIO, chunk_size: int = CHUNK_SIZE) -> tuple[int, str]:
    """Read ``source`` to its end: its size and checksum."""
    running = Adler32()
    while chunk := source.read(chunk_size):
        running.update(chunk)
    return running.size, running.hexdigest()


def file_adler32(path: str | Path) -> tuple[int, str]:
    """Size and checksum of a local file, read in chunks."""
    with open(path, "rb") as source:
        return stream_adler32(source)


def copy_with_adler32(
    source: BinaryIO,
    target: BinaryIO,
    running: Adler32 | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Adler32:
    """Copy ``source`` to ``target`` while checksumming what passes through.

    ``running`` continues a checksum already started, which is how a download resumes: the
    prefix already on disk is hashed first, then the rest is hashed as it arrives.
    """
    running = running if running is not None else Adler32()
    while chunk := source.read(chunk_size):
        target.write(chunk)
        running.update(chunk)
    return running


__all__ = [
    "CHUNK_SIZE",
    "Adler32",
    "adler32_of",
    "copy_with_adler32",
    "file_adler32",
    "format_adler32",
    "stream_adler32",
]
