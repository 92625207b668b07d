"""What a copy guarantees when it goes wrong, on ``file://`` and ``root://`` alike.

A copy whose bytes are not the expected ones, and an uploader killed with SIGKILL half-way,
must both leave nothing under the final name. The XRootD server's own adler32 (its
``query checksum``, which verifications use instead of reading a file back) must be the
one gasp computed on the fly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from gasp.storage import ChecksumMismatch, StorageElement
from gasp.storage.access import access_for
from tests.conftest import missing_service
from tests.services.xrootd_server import XRootDServer
from tests.storage.conftest import Element, FileMaker, files_below

LFN = "production/ScintBi214/r100100/ScintBi214_r100151_s0_p1.root"
CHUNK = 4 * 1024 * 1024


def test_an_upload_that_is_not_what_was_expected_is_not_published(
    element: Element, make_file: FileMaker
) -> None:
    local = make_file()
    data = local.read_bytes()
    right = f"{zlib.adler32(data):08x}"
    wrong = f"{(zlib.adler32(data) + 1) & 0xFFFFFFFF:08x}"
    with pytest.raises(ChecksumMismatch, match=f"adler32 {right}, expected {wrong}"):
        element.se.upload(local, LFN, adler32=wrong)
    assert files_below(element.folder) == []  # neither the final name nor a temporary one
    stored = element.se.upload(local, LFN, adler32=right)
    assert (stored.adler32, files_below(element.folder)) == (right, [LFN])
    with pytest.raises(ChecksumMismatch):  # already there: the local file is still checked
        element.se.upload(local, LFN, adler32=wrong)
    assert (element.folder / LFN).read_bytes() == data


def test_the_servers_checksum_is_ours(
    xrootd_server: XRootDServer, make_file: FileMaker, tmp_path: Path
) -> None:
    se = StorageElement("xrootd", xrootd_server.url_for("/checksums"))
    local = make_file(data=os.urandom(10 * 1024 * 1024 + 3))
    stored = se.upload(local, LFN)
    assert stored.adler32 == f"{zlib.adler32(local.read_bytes()):08x}"
    access, path = access_for(stored.url)
    assert access.server_checksum(path) == stored.adler32  # asked of the server
    xrdfs = shutil.which("xrdfs")
    if xrdfs is None:
        missing_service("xrdfs is not installed (Debian: apt-get install xrootd-client)")
    done = subprocess.run(
        [xrdfs, xrootd_server.url, "query", "checksum", f"/checksums/{LFN}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["adler32", stored.adler32]
    assert access.server_checksum(f"/checksums/{LFN}.absent") is None


def test_a_server_without_checksums_is_read_back(make_file: FileMaker) -> None:
    """No ``xrootd.chksum``: the query fails, and copies are checked by reading them."""
    from tests.conftest import missing_service
    from tests.services.xrootd_server import missing_reason, running_xrootd_server

    reason = missing_reason()
    if reason is not None:
        missing_service(reason)
    with running_xrootd_server(checksums=False) as server:
        se = StorageElement("plain", server.url_for("/plain"))
        local = make_file()
        stored = se.upload(local, LFN)
        assert stored.adler32 == f"{zlib.adler32(local.read_bytes()):08x}"
        access, path = access_for(stored.url)
        assert access.server_checksum(path) is None
        assert se.checksum(stored.url) == stored.adler32  # read back and hashed
        on_disk = server.data / "plain" / LFN
        data = bytearray(on_disk.read_bytes())
        data[7] ^= 0x01
        on_disk.write_bytes(bytes(data))
        with pytest.raises(ChecksumMismatch, match="adler32"):
            se.verify(stored.url, stored.size, stored.adler32)


UPLOADER = """
import sys
from gasp.storage import StorageElement
StorageElement("se", sys.argv[1]).upload(sys.argv[2], sys.argv[3])
"""


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.mark.slow
def test_an_uploader_killed_half_way_leaves_no_final_file(element: Element, tmp_path: Path) -> None:
    """SIGKILL while the upload is blocked half-way: a named pipe feeds it, then stalls."""
    fifo = tmp_path / "output.root"
    os.mkfifo(fifo)
    uploader = subprocess.Popen(
        [sys.executable, "-c", UPLOADER, element.se.url_prefix, str(fifo), LFN],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        with open(fifo, "wb") as feed:
            feed.write(os.urandom(3 * CHUNK))  # three chunks go out, then the source stalls
            feed.flush()

            def temporary_copy_grew() -> bool:
                sizes = [p.stat().st_size for p in element.folder.rglob(".*.part-*")]
                return bool(sizes) and max(sizes) >= 2 * CHUNK

            _wait_for(temporary_copy_grew, 30, "the temporary copy to grow")
            uploader.send_signal(signal.SIGKILL)
            assert uploader.wait(timeout=30) == -signal.SIGKILL
    finally:
        if uploader.poll() is None:
            uploader.kill()
            uploader.wait()
    assert not (element.folder / LFN).exists()
    leftovers = [name for name in files_below(element.folder) if name != LFN]
    if element.se.url_prefix.startswith("root://"):
        # Opened with "persist on successful close": the server drops the copy itself.
        _wait_for(lambda: files_below(element.folder) == [], 30, "the server to drop it")
    else:
        assert [Path(name).name.startswith(".") for name in leftovers] == [True]
        assert [url for url, _ in element.se.walk()] == []  # hidden from listings
