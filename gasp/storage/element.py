"""A storage element: a name and a URL prefix under which logical file names live.

The catalogue records logical file names (``production/<module>/r<run//100*100>/<file>``)
and, per replica, the storage element's name and the full URL. ``url_for`` is the only
place the two meet, so moving a site's storage is a change of prefix in its configuration.

Operations on URLs (``stat``, ``checksum``, ``verify``, ``download``, ``delete``) accept
any URL, since a replica is recorded by URL; ``upload`` and ``walk`` work below the
element's prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from gasp.storage import transfer
from gasp.storage.access import access_for
from gasp.storage.fetch import ByteCounter, ignore_bytes
from gasp.storage.transfer import Downloaded, StoredFile


class StorageElementDescription(Protocol):
    """What a configuration or a job specification says of an element (``StorageElementSpec``)."""

    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...


class StorageElement:
    """One storage element (``file://`` folder, ``root://`` XRootD server, ...)."""

    def __init__(self, name: str, url_prefix: str) -> None:
        if not name or "://" not in url_prefix:
            raise ValueError(
                f"storage element {name!r}: {url_prefix!r} is not a URL prefix such as "
                "file:///data/se or root://host//data/se"
            )
        self.name = name
        self.url_prefix = url_prefix

    @classmethod
    def from_spec(cls, spec: StorageElementDescription) -> StorageElement:
        return cls(spec.name, spec.url)

    def __repr__(self) -> str:
        return f"StorageElement({self.name!r}, {self.url_prefix!r})"

    def url_for(self, lfn: str) -> str:
        """The URL of a logical file name on this element."""
        check_lfn(lfn)
        prefix = self.url_prefix if self.url_prefix.endswith("/") else self.url_prefix + "/"
        return prefix + lfn

    def upload(self, local_path: str | Path, lfn: str, adler32: str | None = None) -> StoredFile:
        """Store a local file under ``lfn``: checksummed on the way, published atomically.

        With ``adler32`` given, what was sent must have it (else ``ChecksumMismatch``).
        """
        return transfer.upload(local_path, self.url_for(lfn), adler32)

    def stat(self, url: str) -> int | None:
        """The size of the file at ``url``, or None if it is not there."""
        return transfer.stat(url)

    def checksum(self, url: str) -> str:
        """The adler32 of the file at ``url`` (server-side where the server offers it)."""
        return transfer.checksum(url)

    def verify(self, url: str, size: int, adler32: str) -> StoredFile:
        """Raise ``MissingReplica`` or ``ChecksumMismatch`` unless the file is as recorded."""
        return transfer.verify(url, size, adler32)

    def download(
        self,
        url: str,
        dest: str | Path,
        size: int | None = None,
        adler32: str | None = None,
        on_bytes: ByteCounter = ignore_bytes,
    ) -> Downloaded:
        """A verified local copy of ``url`` at ``dest`` (resuming a partial one)."""
        return transfer.download(url, dest, size, adler32, on_bytes)

    def copy_in(self, source_url: str, lfn: str, size: int, adler32: str) -> StoredFile:
        """Store the file at ``source_url`` (on another element) under ``lfn`` here,
        checked against ``size`` and ``adler32`` on the way and once written."""
        return transfer.copy(source_url, self.url_for(lfn), size, adler32)

    def delete(self, url: str) -> bool:
        """Remove the file at ``url``; False if it was already gone."""
        return transfer.delete(url)

    def discard(self, lfn: str) -> list[str]:
        """Remove what unfinished uploads of ``lfn`` left here (final and temporary files).

        For outputs of a job that ended without a completed report, before it is retried:
        a retry writes different bytes (ROOT files carry timestamps), so a leftover under
        the final name would make every retry fail with ``ReplicaConflict``. Only for
        names known not to be catalogued. Returns the URLs removed.
        """
        return transfer.discard(self.url_for(lfn))

    def discard_temporary(self, lfn: str) -> list[str]:
        """Remove what unfinished copies to ``lfn`` left here, and only that: the file
        under the final name, complete and verified if present, stays."""
        return transfer.discard(self.url_for(lfn), temporary_only=True)

    def walk(self, prefix: str = "", include_temporary: bool = False) -> Iterator[tuple[str, int]]:
        """(url, size) of the files below a logical folder (``""``: the whole element)."""
        folder = self.url_for(prefix.strip("/")) if prefix.strip("/") else self.url_prefix
        return transfer.walk(folder, include_temporary)

    def local_path(self, url: str) -> str | None:
        """Where an application on this machine can open ``url`` directly, if it can."""
        access, path = access_for(url)
        return access.local_path(path)


def check_lfn(lfn: str) -> None:
    """A logical file name is a relative path of plain parts: no ``..``, no empty parts."""
    parts = lfn.split("/")
    if not lfn or lfn.startswith("/") or "\\" in lfn or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{lfn!r} is not a logical file name (a relative path such as a/b/c.root)")


__all__ = ["StorageElement", "check_lfn"]
