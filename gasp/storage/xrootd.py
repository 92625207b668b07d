"""``root://`` storage (XRootD): what fsspec-xrootd leaves to the XRootD client itself.

fsspec-xrootd lists, reads and renames (its ``mv`` asks the server); four things a storage
element needs go to the XRootD client (the ``xrootd`` package, which fsspec-xrootd wraps):

* **checksum**: ``fs.checksum`` in fsspec is a hash of the file's metadata. An XRootD
  server configured with ``xrootd.chksum adler32`` answers a ``QueryCode.CHECKSUM`` query
  with ``adler32 <8 hex digits>``, computing it next to the data, so a verification never
  has to move the file over the network. The server keeps the value with the file's
  modification time, so it vouches for what was written, not against later bit rot. A
  server without it answers with an error, and the caller reads the file back instead.
* **stat and remove**: fsspec-xrootd reports a missing file as a plain ``OSError``; asking
  the server directly tells "not there" (``kXR_NotFound``) from "could not ask" (a
  connection or permission problem, which must not read as missing).
* **writing**: fsspec-xrootd's file sends each ``write`` synchronously, so the link idles
  while the next chunk is read and checksummed. ``PipelinedWriter`` keeps a few writes in
  flight (as ``xrdcp`` does), which is what lets an upload with adler32 on the fly keep up
  with ``xrdcp`` (``bench/archive.py``).
* **persist on successful close**: the temporary copy is opened with ``POSC`` and
  ``NEW``: a name nobody else has, which the server deletes by itself if the writer
  disappears (killed, connection lost) before closing it, once its ``ofs.persist`` hold
  time has passed (ten minutes unless the site set another).

* **downloads**: the client's copy engine (``CopyProcess``, what ``xrdcp`` runs) reads
  several chunks of a file at once in C++ threads and continues a partial file
  (``cont``); gasp then hashes the whole local copy with zlib-ng and compares it with the
  catalogue (a resumed prefix that does not match is thrown away and the file copied
  again once). Reads are plain (``CpUsePgWrtRd`` off): XRootD 5 otherwise reads with
  ``kXR_pgread``, a CRC32C per 4 kB page computed by the server and checked by the
  client, which cost the test server 1.3-1.5 CPU seconds per 2 GB and adds nothing once
  the whole file's adler32 is checked. Measured for one 500 MB file on the test server,
  before those two changes: the engine with its own adler32 0.63 s against 1.05 s for
  reading through fsspec and hashing on the way; ``bench/grab.py`` has the figures for
  many files, against ``xrdcp``.
* **failing fast**: the client retries a refused connection five times over two-minute
  windows (a dead source cost 480 s here before a download gave up). gasp tells it to
  give up after one attempt and wait at most ``CONNECT_WINDOW_S`` for a connection, so a
  dead replica fails in seconds and the next one is tried; the per-request timeout
  (``TIMEOUT_S``) still bounds a slow transfer. A site's own ``XRD_CONNECTIONRETRY`` and
  ``XRD_CONNECTIONWINDOW`` are respected.

XRootD's rename replaces an existing target, so ``publish`` checks first; the short gap
between check and rename is the one place two writers of the same name could race, and
the job claims (one live attempt per pass) keep that from happening in gasp.
"""

from __future__ import annotations

import errno
import os
import posixpath
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from gasp.storage.access import XROOTD_TIMEOUT_S as TIMEOUT_S
from gasp.storage.access import FileAccess
from gasp.storage.adler32 import file_adler32, format_adler32
from gasp.storage.errors import ChecksumMismatch
from gasp.storage.fetch import ByteCounter, Fetched, partial_offset

KXR_NOT_FOUND = 3011  # the XRootD protocol's error number for a missing file
WRITES_IN_FLIGHT = 4  # chunks sent and not yet acknowledged (xrdcp's default is 4 too)
CONNECT_WINDOW_S = 5  # longest wait for a connection to be established
CLIENT_SETTINGS = {
    "ConnectionRetry": 1,
    "ConnectionWindow": CONNECT_WINDOW_S,
    "CpUsePgWrtRd": 0,  # plain reads: the whole file's adler32 is checked anyway
}
COPY_CHUNK = 8 * 1024 * 1024  # bytes a copy asks for at a time (xrdcp's default)
COPY_CHUNKS_IN_FLIGHT = 4  # chunks of one file read at once (xrdcp's default)

_configured = threading.Lock()
_settings_applied: list[bool] = []


def configure_client() -> None:
    """Apply ``CLIENT_SETTINGS`` once per process, unless the site set them itself."""
    with _configured:
        if _settings_applied:
            return
        from XRootD import client

        for name, value in CLIENT_SETTINGS.items():
            if f"XRD_{name.upper()}" not in os.environ:
                client.EnvPutInt(name, value)
        _settings_applied.append(True)


class XRootDAccess(FileAccess):
    """An XRootD server reached through fsspec-xrootd, with the XRootD client beside it."""

    def _client(self) -> Any:
        from XRootD import client

        return client.FileSystem(f"root://{self.fs.hostid}")

    def fetch(
        self, path: str, partial: Path, size: int, adler32: str | None, on_bytes: ByteCounter
    ) -> Fetched:
        resumed_from = partial_offset(partial, size)
        fetched = self._copy(path, partial, resumed_from, on_bytes)
        actual_size, actual = file_adler32(partial)
        if resumed_from and (actual_size, actual) != (size, adler32 or actual):
            partial.unlink()  # the prefix on disk is not the source's: start from byte 0
            resumed_from = 0
            fetched += self._copy(path, partial, 0, on_bytes)
            actual_size, actual = file_adler32(partial)
        if (actual_size, actual) != (size, adler32 or actual):
            partial.unlink(missing_ok=True)
            raise ChecksumMismatch(
                self.url(path),
                expected_size=size,
                actual_size=actual_size,
                expected_adler32=adler32,
                actual_adler32=actual,
            )
        return Fetched(actual, resumed_from, fetched)

    def _copy(self, path: str, partial: Path, offset: int, on_bytes: ByteCounter) -> int:
        """One run of the copy engine into ``partial`` (continued from ``offset`` if > 0);
        the bytes it fetched. The checksum is the caller's: zlib-ng hashes the copy at
        several times the speed of the engine's own adler32."""
        from XRootD import client

        process = client.CopyProcess()
        process.add_job(
            self.url(path),
            str(partial.absolute()),  # the engine takes a relative path for a URL
            force=not offset,
            cont=bool(offset),
            chunksize=COPY_CHUNK,
            parallelchunks=COPY_CHUNKS_IN_FLIGHT,
            inittimeout=TIMEOUT_S,
        )
        progress = _Progress(on_bytes)
        process.prepare()
        _status, results = process.run(progress)
        status = results[0].get("status") if results else None
        if status is None or not status.ok:
            message = status.message.strip() if status is not None else "no result"
            raise OSError(f"copy {path}: {message}")
        return progress.seen

    def size(self, path: str) -> int | None:
        from XRootD.client.flags import StatInfoFlags

        status, info = self._client().stat(path, timeout=TIMEOUT_S)
        if not status.ok:
            if status.errno == KXR_NOT_FOUND:
                return None
            raise OSError(f"stat {path}: {status.message.strip()}")
        if info.flags & (StatInfoFlags.IS_DIR | StatInfoFlags.OTHER):
            return None
        return int(info.size)

    @contextmanager
    def open_write(self, path: str) -> Iterator[BinaryIO]:
        from XRootD import client
        from XRootD.client.flags import OpenFlags

        handle = client.File()
        status, _ = handle.open(
            self.url(path), OpenFlags.NEW | OpenFlags.POSC | OpenFlags.MAKEPATH, timeout=TIMEOUT_S
        )
        if not status.ok:
            raise OSError(f"open {path} for writing: {status.message.strip()}")
        writer = PipelinedWriter(handle, path)
        try:
            yield cast(BinaryIO, writer)
            writer.drain()
        finally:
            writer.drain(raise_errors=False)
            status, _ = handle.close(timeout=TIMEOUT_S)
        if not status.ok:  # POSC: a file whose close failed is not kept
            raise OSError(f"close {path}: {status.message.strip()}")
        self.fs.invalidate_cache(posixpath.dirname(path))

    def makedirs(self, folder: str) -> None:
        from XRootD.client.flags import MkDirFlags

        status, _ = self._client().mkdir(folder, MkDirFlags.MAKEPATH, timeout=TIMEOUT_S)
        if not status.ok:
            raise OSError(f"mkdir {folder}: {status.message.strip()}")

    def remove(self, path: str) -> bool:
        status, _ = self._client().rm(path, timeout=TIMEOUT_S)
        if not status.ok:
            if status.errno == KXR_NOT_FOUND:
                return False
            raise OSError(f"remove {path}: {status.message.strip()}")
        self.fs.invalidate_cache(posixpath.dirname(path))
        return True

    def publish(self, temp: str, final: str) -> None:
        if self.size(final) is not None:
            raise FileExistsError(errno.EEXIST, "file exists", final)
        self.fs.mv(temp, final)

    def server_checksum(self, path: str) -> str | None:
        from XRootD.client.flags import QueryCode

        status, response = self._client().query(QueryCode.CHECKSUM, path, timeout=TIMEOUT_S)
        if not status.ok or response is None:
            return None  # no checksum plugin on this server: the caller reads the file
        return parse_checksum_reply(response)

    def walk(self, folder: str) -> Iterator[tuple[str, int]]:
        if self._client().stat(folder, timeout=TIMEOUT_S)[0].errno == KXR_NOT_FOUND:
            return  # fsspec-xrootd reports a missing folder as an error, not as empty
        yield from super().walk(folder)


class _Progress:
    """The copy engine's progress handler: passes on how many more bytes arrived."""

    def __init__(self, on_bytes: ByteCounter) -> None:
        self.on_bytes = on_bytes
        self.seen = 0

    def begin(self, job: int, total: int, source: Any, target: Any) -> None:
        pass

    def update(self, job: int, processed: int, total: int) -> None:
        if processed > self.seen:
            self.on_bytes(processed - self.seen)
            self.seen = processed

    def end(self, job: int, results: Any) -> None:
        pass

    def should_cancel(self, job: int) -> bool:
        return False


class PipelinedWriter:
    """Sequential writes to an open XRootD file, ``WRITES_IN_FLIGHT`` at a time.

    Each ``write`` is sent asynchronously and returns once there is a free slot, so the
    caller reads and checksums the next chunk while earlier ones travel. A chunk's bytes
    are kept referenced until the server acknowledged them (the client sends from that
    memory). The first failure is raised by the next ``write`` or by ``drain``.
    """

    def __init__(self, handle: Any, path: str, depth: int = WRITES_IN_FLIGHT) -> None:
        self._handle = handle
        self._path = path
        self._depth = depth
        self._slots = threading.BoundedSemaphore(depth)
        self._lock = threading.Lock()
        self._in_flight: dict[int, bytes] = {}
        self._errors: list[str] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._raise_first_error()
        data = bytes(data)
        self._slots.acquire()
        offset = self._offset

        def done(status: Any, _response: Any, _hosts: Any) -> None:
            with self._lock:
                self._in_flight.pop(offset, None)
                if not status.ok:
                    self._errors.append(f"at byte {offset}: {status.message.strip()}")
            self._slots.release()

        with self._lock:
            self._in_flight[offset] = data
        status = self._handle.write(data, offset, len(data), timeout=TIMEOUT_S, callback=done)
        if not status.ok:  # not even sent: no callback will come
            with self._lock:
                self._in_flight.pop(offset, None)
            self._slots.release()
            raise OSError(f"write {self._path} at byte {offset}: {status.message.strip()}")
        self._offset += len(data)
        return len(data)

    def drain(self, raise_errors: bool = True) -> None:
        """Wait until every write sent is acknowledged; raise the first failure."""
        for _ in range(self._depth):
            self._slots.acquire()
        for _ in range(self._depth):
            self._slots.release()
        if raise_errors:
            self._raise_first_error()

    def _raise_first_error(self) -> None:
        with self._lock:
            if self._errors:
                raise OSError(f"write {self._path} failed {self._errors[0]}")


def parse_checksum_reply(response: bytes | str) -> str | None:
    """``b"adler32 0a1b2c3d\\x00"`` -> ``"0a1b2c3d"``; None for any other algorithm."""
    text = response.decode("ascii", "replace") if isinstance(response, bytes) else response
    parts = text.strip("\x00").split()
    if len(parts) < 2 or parts[0].lower() != "adler32":
        return None
    try:
        return format_adler32(int(parts[1], 16))
    except ValueError:
        return None


__all__ = [
    "PipelinedWriter",
    "XRootDAccess",
    "configure_client",
    "parse_checksum_reply",
]
