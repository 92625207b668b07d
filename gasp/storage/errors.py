"""What can go wrong with a file on a storage element, as errors a caller can act on.

    GaspError                      (gasp.errors)
    └── StorageError               a storage element could not do what was asked
        ├── MissingReplica         no file at the URL
        ├── ChecksumMismatch       the file is there but its size or adler32 is wrong
        ├── ReplicaConflict        a different file already sits under the final name
        └── TransferError          reading, writing, renaming or listing failed

Errors of fsspec and of the filesystems behind it (``OSError`` and friends) are translated
into these once, in ``gasp.storage``, with ``raise ... from exc``. Each carries the URL so
that the one line a user sees says which file.
"""

from __future__ import annotations

from gasp.errors import GaspError


class StorageError(GaspError):
    """A storage element operation failed; ``url`` says on which file or folder."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class MissingReplica(StorageError):
    """There is no file at the URL (a catalogued replica that is gone, or a typo)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "no such file on the storage element")


class ChecksumMismatch(StorageError):
    """The file's size or adler32 is not what was expected: it must not be trusted."""

    def __init__(
        self,
        url: str,
        *,
        expected_size: int | None,
        actual_size: int | None,
        expected_adler32: str | None = None,
        actual_adler32: str | None = None,
    ) -> None:
        if expected_size is not None and expected_size != actual_size:
            what = f"size {actual_size} bytes, expected {expected_size}"
        else:
            what = f"adler32 {actual_adler32}, expected {expected_adler32}"
        super().__init__(url, f"checksum mismatch: {what}")
        self.expected_size = expected_size
        self.actual_size = actual_size
        self.expected_adler32 = expected_adler32
        self.actual_adler32 = actual_adler32


class ReplicaConflict(StorageError):
    """A different file already exists under the final name; it is never overwritten."""

    def __init__(
        self,
        url: str,
        *,
        size: int,
        adler32: str | None,
        new_size: int | None,
        new_adler32: str | None,
    ) -> None:
        super().__init__(
            url,
            f"a different file is already there ({_describe(size, adler32)}; "
            f"this one: {_describe(new_size, new_adler32)}); not overwritten",
        )
        self.size = size
        self.adler32 = adler32


def _describe(size: int | None, adler32: str | None) -> str:
    parts = [f"{size} bytes" if size is not None else "size unknown"]
    if adler32:
        parts.append(f"adler32 {adler32}")
    return ", ".join(parts)


class TransferError(StorageError):
    """An I/O operation failed (permission, no space, server refused, connection lost)."""


__all__ = [
    "ChecksumMismatch",
    "MissingReplica",
    "ReplicaConflict",
    "StorageError",
    "TransferError",
]
