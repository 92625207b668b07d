"""The one adapter between storage elements and fsspec: every protocol difference lives here.

fsspec gives one filesystem interface over many protocols, but three things a careful copy
needs are not uniform across its implementations, so this module (and its per-protocol
subclasses, one module each) supplies them:

* **publishing without overwriting**: a finished temporary file gets its final name only if
  that name is free. fsspec's ``mv`` overwrites on a local disk and falls back to
  copy-then-delete elsewhere; locally a hard link is atomic and refuses an existing name.
* **server-side checksums**: fsspec's ``checksum`` is a hash of the file's metadata, not
  of its content, so it cannot be compared with adler32. Servers that keep adler32
  (XRootD) are asked through their own query; for the others ``None`` tells the caller
  to read the file back and hash it.
* **durability**: a local copy is fsynced before it is published, so a crash right after
  the rename cannot leave a short file under the final name.
* **the fastest checked download**: reading through fsspec and hashing on the way works
  everywhere (``gasp.storage.fetch``); XRootD has a faster engine of its own, with the
  same resume and checksum guarantees.

``access_for(url)`` is the factory: it resolves the URL with ``fsspec.core.url_to_fs`` and
picks the adapter class by the filesystem's protocol. Nothing outside this module and its
protocol modules branches on a protocol.
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from fsspec.core import url_to_fs
from fsspec.registry import get_filesystem_class
from fsspec.spec import AbstractFileSystem

from gasp.storage.errors import TransferError
from gasp.storage.fetch import ByteCounter, Fetched, stream_fetch

# Which pip package brings a protocol fsspec cannot load on its own, for the error message.
PROTOCOL_PACKAGES = {"root": "'gasp[xrootd]' (fsspec-xrootd and the xrootd client)"}

# Per request, for XRootD: a server that stops answering fails the copy instead of hanging
# it (the client's own default is half an hour, after minutes of reconnecting).
XROOTD_TIMEOUT_S = 120

# Options a protocol's filesystem is built with (fsspec keeps one instance per options).
STORAGE_OPTIONS: dict[str, dict[str, Any]] = {"root": {"timeout": XROOTD_TIMEOUT_S}}


class FileAccess:
    """A filesystem as storage elements use it: stat, stream, publish, remove, list.

    The base class uses only the generic fsspec interface, so a protocol without an
    adapter of its own still works, if with weaker guarantees (see ``publish``).
    """

    def __init__(self, fs: AbstractFileSystem) -> None:
        self.fs = fs

    def url(self, path: str) -> str:
        """The full URL of a path on this filesystem."""
        return str(self.fs.unstrip_protocol(path))

    def local_path(self, path: str) -> str | None:
        """The path an application can open directly, if the file is on a local disk."""
        return None

    def size(self, path: str) -> int | None:
        """The size of the file at ``path``, or None if there is no file."""
        self.fs.invalidate_cache(posixpath.dirname(path))  # listings may be cached
        try:
            info = self.fs.info(path)
        except FileNotFoundError:
            return None
        if info.get("type") != "file":
            return None
        return int(info["size"])

    def open_read(self, path: str, offset: int = 0) -> BinaryIO:
        handle = cast(BinaryIO, self.fs.open(path, "rb"))
        if offset:
            handle.seek(offset)
        return handle

    def fetch(
        self, path: str, partial: Path, size: int, adler32: str | None, on_bytes: ByteCounter
    ) -> Fetched:
        """Make the local ``partial`` a verified copy of ``path``, continuing from the
        bytes it already holds (``gasp.storage.fetch``); ``ChecksumMismatch`` if the
        source is not ``size`` bytes with ``adler32``, and ``partial`` is then removed.

        Generic version: chunks read through fsspec and hashed as they arrive.
        """
        return stream_fetch(
            self.url(path),
            lambda offset: self.open_read(path, offset),
            partial,
            size,
            adler32,
            on_bytes,
        )

    @contextmanager
    def open_write(self, path: str) -> Iterator[BinaryIO]:
        """A new file to write; complete (flushed to the server) when the block ends."""
        with self.fs.open(path, "wb") as handle:
            yield cast(BinaryIO, handle)

    def makedirs(self, folder: str) -> None:
        self.fs.makedirs(folder, exist_ok=True)

    def publish(self, temp: str, final: str) -> None:
        """Give ``temp`` the name ``final``; ``FileExistsError`` if ``final`` is taken.

        Generic version: check, then move. Between the two another writer could publish
        the same name; protocol adapters close that gap where the protocol allows.
        """
        if self.size(final) is not None:
            raise FileExistsError(errno.EEXIST, "file exists", final)
        self.fs.mv(temp, final)

    def remove(self, path: str) -> bool:
        """Delete a file; False if it was not there."""
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return False
        return True

    def server_checksum(self, path: str) -> str | None:
        """The adler32 the server computes itself, or None if it cannot."""
        return None

    def walk(self, folder: str) -> Iterator[tuple[str, int]]:
        """Every file below ``folder`` (path, size), in name order; nothing if it is absent."""
        self.fs.invalidate_cache(folder)
        found: dict[str, dict[str, Any]] = self.fs.find(folder, detail=True)
        for path, info in found.items():
            if info.get("type") == "file":
                yield path, int(info["size"])


class LocalAccess(FileAccess):
    """``file://`` storage: a folder on a local or shared (NFS, Lustre) disk."""

    def local_path(self, path: str) -> str | None:
        return path

    @contextmanager
    def open_write(self, path: str) -> Iterator[BinaryIO]:
        # "x": the temporary name is ours alone; fsync: durable before it is published.
        with open(path, "xb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())

    def makedirs(self, folder: str) -> None:
        os.makedirs(folder, exist_ok=True)

    def publish(self, temp: str, final: str) -> None:
        link_into_place(temp, final)

    def remove(self, path: str) -> bool:
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True


def link_into_place(temp: str, final: str) -> None:
    """Rename a local file without ever replacing an existing one.

    ``link`` fails with ``FileExistsError`` if ``final`` exists, atomically, which
    ``rename`` cannot do. Filesystems without hard links fall back to check-then-rename.
    """
    try:
        os.link(temp, final)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(final):
            raise FileExistsError(errno.EEXIST, "file exists", final) from exc
        os.rename(temp, final)
    else:
        os.unlink(temp)
    _fsync_folder(os.path.dirname(final))


def _fsync_folder(folder: str) -> None:
    """Make a new name in ``folder`` durable (a rename is a change to the folder)."""
    descriptor = os.open(folder or ".", os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _xrootd_access(fs: AbstractFileSystem) -> FileAccess:
    from gasp.storage.xrootd import XRootDAccess

    return XRootDAccess(fs)


def _configure_xrootd() -> None:
    from gasp.storage.xrootd import configure_client

    configure_client()


ADAPTERS: dict[str, Callable[[AbstractFileSystem], FileAccess]] = {
    "file": LocalAccess,
    "local": LocalAccess,
    "root": _xrootd_access,
}


# What a protocol's client needs once per process, before its first filesystem is made.
PREPARE: dict[str, Callable[[], None]] = {"root": _configure_xrootd}


def _no_driver(protocol: str, exc: ImportError) -> str:
    package = PROTOCOL_PACKAGES.get(protocol)
    hint = f" (install it with: pip install {package})" if package else ""
    return f"no filesystem for {protocol}://{hint}: {exc}"


def missing_driver(url: str) -> str | None:
    """Why URLs like ``url`` cannot be opened here, or None if they can.

    For configurations: a site whose storage element needs a package that is not
    installed is told so when its file is read, not by every job's upload failing.
    """
    protocol = url.partition("://")[0] if "://" in url else "file"
    try:
        get_filesystem_class(protocol)
    except ImportError as exc:
        return _no_driver(protocol, exc)
    except ValueError:
        return f"{protocol}:// is not a storage URL scheme (file://, root://, ...)"
    return None


def access_for(url: str) -> tuple[FileAccess, str]:
    """The adapter for a URL's filesystem, and the path of the URL on it."""
    protocol = url.partition("://")[0]
    try:
        if protocol in PREPARE:
            PREPARE[protocol]()
        fs, path = url_to_fs(url, **STORAGE_OPTIONS.get(protocol, {}))
    except ImportError as exc:
        raise TransferError(url, _no_driver(protocol, exc)) from exc
    except ValueError as exc:
        raise TransferError(url, f"not a storage URL: {exc}") from exc
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    make = next((ADAPTERS[p] for p in protocols if p in ADAPTERS), FileAccess)
    return make(fs), str(path)


__all__ = [
    "ADAPTERS",
    "STORAGE_OPTIONS",
    "XROOTD_TIMEOUT_S",
    "FileAccess",
    "LocalAccess",
    "access_for",
    "link_into_place",
]
