"""Copies from one storage element to another (``StorageElement.copy_in``, what ``gasp
move`` does with each file): into a ``file://`` folder and onto the real XRootD server,
from a ``file://`` source, and back from the server.

A copy must arrive whole and checked or not at all: a source whose bytes are not the
catalogue's fails naming the source and publishes nothing, an identical file already
under the final name is accepted without reading the source again (a rerun after a
kill), and a different one is never replaced.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from gasp.storage import ChecksumMismatch, ReplicaConflict, StorageElement, StorageError
from tests.services.xrootd_server import XRootDServer
from tests.storage.conftest import Element, files_below

LFN = "production/WaterPmtBetagammas/r0/WaterPmtBetagammas_r1_s0_p1.root"


def stored_source(tmp_path: Path, data: bytes) -> tuple[StorageElement, str, str]:
    """A ``file://`` element holding ``data`` under ``LFN``: (element, url, adler32)."""
    source = StorageElement("source", (tmp_path / "source").as_uri())
    local = tmp_path / "bytes.bin"
    local.write_bytes(data)
    stored = source.upload(local, LFN)
    return source, stored.url, stored.adler32


def test_copy_round_trip_and_rerun(element: Element, tmp_path: Path) -> None:
    data = os.urandom(2 * 1024 * 1024 + 5)
    _source, url, adler32 = stored_source(tmp_path, data)
    copied = element.se.copy_in(url, LFN, len(data), adler32)
    assert (copied.url, copied.size, copied.adler32) == (
        element.se.url_for(LFN),
        len(data),
        adler32,
    )
    assert (element.folder / LFN).read_bytes() == data
    assert files_below(element.folder) == [LFN]  # no temporary copy left
    assert element.se.verify(copied.url, len(data), adler32) == copied

    (tmp_path / "source" / LFN).unlink()  # a rerun does not need the source any more
    assert element.se.copy_in(url, LFN, len(data), adler32) == copied
    assert files_below(element.folder) == [LFN]


def test_a_corrupted_source_publishes_nothing(element: Element, tmp_path: Path) -> None:
    data = os.urandom(1024 * 1024)
    _source, url, adler32 = stored_source(tmp_path, data)
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0xFF  # same size: only the checksum tells
    (tmp_path / "source" / LFN).write_bytes(bytes(damaged))
    with pytest.raises(ChecksumMismatch, match=f"^{url}: checksum mismatch: adler32 ") as caught:
        element.se.copy_in(url, LFN, len(data), adler32)
    assert caught.value.url == url  # the source is named, not the target
    assert caught.value.actual_adler32 == f"{zlib.adler32(bytes(damaged)):08x}"
    assert files_below(element.folder) == []  # neither the final name nor a temporary one

    (tmp_path / "source" / LFN).write_bytes(data[:-1])  # short
    with pytest.raises(ChecksumMismatch, match="size 1048575 bytes, expected 1048576"):
        element.se.copy_in(url, LFN, len(data), adler32)
    (tmp_path / "source" / LFN).unlink()
    with pytest.raises(StorageError) as gone:  # TransferError today, naming the target
        element.se.copy_in(url, LFN, len(data), adler32)
    assert str(tmp_path / "source" / LFN) in str(gone.value)  # but the source's path too
    assert files_below(element.folder) == []


def test_a_different_file_under_the_name_is_never_replaced(
    element: Element, tmp_path: Path
) -> None:
    data = os.urandom(512 * 1024)
    _source, url, adler32 = stored_source(tmp_path, data)
    other = tmp_path / "other.bin"
    other.write_bytes(os.urandom(512 * 1024))
    element.se.upload(other, LFN)
    with pytest.raises(ReplicaConflict, match="a different file is already there"):
        element.se.copy_in(url, LFN, len(data), adler32)
    assert (element.folder / LFN).read_bytes() == other.read_bytes()
    assert files_below(element.folder) == [LFN]


def test_discard_temporary_keeps_the_published_file(element: Element, tmp_path: Path) -> None:
    data = os.urandom(64 * 1024)
    _source, url, adler32 = stored_source(tmp_path, data)
    copied = element.se.copy_in(url, LFN, len(data), adler32)
    folder, name = (element.folder / LFN).parent, Path(LFN).name
    (folder / f".{name}.part-0a1b2c3d4e5f").write_bytes(data[:100])  # a killed copy's
    removed = element.se.discard_temporary(LFN)
    assert removed == [element.se.url_for(f"{Path(LFN).parent}/.{name}.part-0a1b2c3d4e5f")]
    assert files_below(element.folder) == [LFN]
    assert element.se.verify(copied.url, len(data), adler32) == copied
    assert element.se.discard_temporary(LFN) == []


def test_copy_back_from_the_xrootd_server(xrootd_server: XRootDServer, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 1)
    remote = StorageElement("xrd", xrootd_server.url_for(f"/copy-back-{os.getpid()}"))
    local = tmp_path / "bytes.bin"
    local.write_bytes(data)
    stored = remote.upload(local, LFN)
    here = StorageElement("here", (tmp_path / "here").as_uri())
    copied = here.copy_in(stored.url, LFN, len(data), stored.adler32)
    assert (tmp_path / "here" / LFN).read_bytes() == data
    assert files_below(tmp_path / "here") == [LFN]
    assert (
        remote.delete(stored.url)
        and here.copy_in(stored.url, LFN, len(data), stored.adler32) == copied
    )
