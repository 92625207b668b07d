"""``root://`` storage (XRootD): what fsspec-xrootd leaves to the protocol itself.

fsspec-xrootd reads, writes, lists and deletes; two operations a storage element needs are
not in it, so they go to the XRootD client (``pyxrootd``, which fsspec-xrootd depends on):

* **rename**: fsspec-xrootd has no move, and fsspec's fallback (copy, then delete) would
  read the whole file back through the client. XRootD's ``mv`` renames on the server.
* **checksum**: ``fs.checksum`` in fsspec is a hash of the file's metadata. An XRootD
  server configured with ``xrootd.chksum adler32`` answers a ``QueryCode.CHECKSUM`` query
  with ``adler32 <8 hex digits>``, computing (and caching) it next to the data, so a
  verification never has to move the file over the network. A server without it answers
  with an error, and the caller reads the file back instead.

fsspec-xrootd also reports a missing file as a plain ``OSError``; ``size`` and ``remove``
ask the server with ``stat`` so that "not there" (``kXR_NotFound``) is told apart from
"could not ask" (a connection or permission problem, which must not read as missing).

XRootD's rename replaces an existing target, so ``publish`` checks first; the short gap
between check and rename is the one place two writers of the same name could race, and
the job claims (one live attempt per pass) keep that from happening in gasp.
"""

from __future__ import annotations

import errno
import posixpath
from typing import Any

from gasp.storage.access import FileAccess
from gasp.storage.adler32 import format_adler32

KXR_NOT_FOUND = 3011  # the XRootD protocol's error number for a missing file


class XRootDAccess(FileAccess):
    """An XRootD server reached through fsspec-xrootd, with pyxrootd for rename and checksum."""

    def _client(self) -> Any:
        from XRootD import client

        return client.FileSystem(f"root://{self.fs.hostid}")

    def _timeout(self) -> int:
        return int(getattr(self.fs, "timeout", 60))

    def size(self, path: str) -> int | None:
        from XRootD.client.flags import StatInfoFlags

        status, info = self._client().stat(path, timeout=self._timeout())
        if not status.ok:
            if status.errno == KXR_NOT_FOUND:
                return None
            raise OSError(f"stat {path}: {status.message}")
        if info.flags & (StatInfoFlags.IS_DIR | StatInfoFlags.OTHER):
            return None
        return int(info.size)

    def remove(self, path: str) -> bool:
        status, _ = self._client().rm(path, timeout=self._timeout())
        if not status.ok:
            if status.errno == KXR_NOT_FOUND:
                return False
            raise OSError(f"remove {path}: {status.message}")
        self.fs.invalidate_cache(posixpath.dirname(path))
        return True

    def publish(self, temp: str, final: str) -> None:
        if self.size(final) is not None:
            raise FileExistsError(errno.EEXIST, "file exists", final)
        status, _ = self._client().mv(temp, final, timeout=self._timeout())
        if not status.ok:
            raise OSError(f"rename {temp} -> {final} refused: {status.message}")
        self.fs.invalidate_cache()

    def server_checksum(self, path: str) -> str | None:
        from XRootD.client.flags import QueryCode

        status, response = self._client().query(QueryCode.CHECKSUM, path, timeout=self._timeout())
        if not status.ok or response is None:
            return None  # no checksum plugin on this server: the caller reads the file
        return parse_checksum_reply(response)


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


__all__ = ["XRootDAccess", "parse_checksum_reply"]
