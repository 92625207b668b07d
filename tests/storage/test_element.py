"""Storage elements, ``file://`` and ``root://`` alike: round trips, verification, failures.

Tests taking ``se`` run once per kind of element (``tests/storage/conftest.py``); the few
that need what only a local folder can do take ``local_se``.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gasp.storage import (
    ChecksumMismatch,
    MissingReplica,
    ReplicaConflict,
    StorageElement,
    TransferError,
)
from gasp.storage.transfer import is_temporary
from tests.storage.conftest import FileMaker, files_below

LFN = "production/ScintBi214/r100100/ScintBi214_r100151_s0_p1.root"


def test_url_for_joins_prefix_and_logical_name(tmp_path: Path) -> None:
    plain = StorageElement("a", "file:///data/se")
    slashed = StorageElement("b", "root://host.example.org//data/se/")
    assert plain.url_for("x/y.root") == "file:///data/se/x/y.root"
    assert slashed.url_for("x/y.root") == "root://host.example.org//data/se/x/y.root"
    for bad in ("", "/abs/y.root", "x/../y.root", "x//y.root", "./y.root", "x/"):
        with pytest.raises(ValueError, match="not a logical file name"):
            plain.url_for(bad)
    with pytest.raises(ValueError, match="not a URL prefix"):
        StorageElement("c", str(tmp_path))


def test_upload_round_trip(
    se: StorageElement, se_folder: Path, make_file: FileMaker, tmp_path: Path
) -> None:
    local = make_file()
    data = local.read_bytes()
    stored = se.upload(local, LFN)

    assert stored.url == se.url_for(LFN)
    assert stored.size == len(data)
    assert stored.adler32 == f"{zlib.adler32(data):08x}"
    assert (se_folder / LFN).read_bytes() == data
    assert files_below(se_folder) == [LFN]  # no temporary file left behind
    assert se.stat(stored.url) == len(data)
    assert se.checksum(stored.url) == stored.adler32
    assert se.verify(stored.url, stored.size, stored.adler32) == stored
    assert list(se.walk()) == [(stored.url, stored.size)]
    assert list(se.walk("production/ScintBi214")) == [(stored.url, stored.size)]

    copy = se.download(stored.url, tmp_path / "down" / "copy.root", stored.size, stored.adler32)
    assert copy.path.read_bytes() == data
    assert (copy.size, copy.adler32, copy.resumed_from) == (stored.size, stored.adler32, 0)
    assert files_below(tmp_path / "down") == ["copy.root"]


def test_checksum_of_a_known_file(se: StorageElement, make_file: FileMaker) -> None:
    stored = se.upload(make_file("w.txt", b"Wikipedia"), "w/w.txt")
    assert (stored.size, stored.adler32) == (9, "11e60398")
    assert se.checksum(stored.url) == "11e60398"


def test_verify_detects_a_corrupted_replica(
    se: StorageElement, se_folder: Path, make_file: FileMaker
) -> None:
    stored = se.upload(make_file(), LFN)
    path = se_folder / LFN
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    path.write_bytes(bytes(data))
    # An XRootD server keeps the adler32 it computed (in an extended attribute) with the
    # file's modification time, and computes it again only once that time changed: a
    # rewrite within the same second as the upload would go unseen, so move it on.
    mtime = path.stat().st_mtime
    os.utime(path, (mtime + 5, mtime + 5))
    with pytest.raises(ChecksumMismatch, match="adler32") as caught:
        se.verify(stored.url, stored.size, stored.adler32)
    assert caught.value.expected_adler32 == stored.adler32
    assert caught.value.url == stored.url

    path.write_bytes(bytes(data[:100]))  # truncated: caught by size, without hashing
    with pytest.raises(ChecksumMismatch, match="size 100 bytes"):
        se.verify(stored.url, stored.size, stored.adler32)


def test_missing_replicas(se: StorageElement, make_file: FileMaker, tmp_path: Path) -> None:
    stored = se.upload(make_file(), LFN)
    assert se.delete(stored.url) is True
    assert se.delete(stored.url) is False
    assert se.stat(stored.url) is None
    with pytest.raises(MissingReplica, match="no such file"):
        se.verify(stored.url, stored.size, stored.adler32)
    with pytest.raises(MissingReplica):
        se.checksum(stored.url)
    with pytest.raises(MissingReplica):
        se.download(stored.url, tmp_path / "x.root")
    assert not (tmp_path / "x.root").exists()


def test_upload_again_is_idempotent(
    se: StorageElement, se_folder: Path, make_file: FileMaker
) -> None:
    local = make_file()
    first = se.upload(local, LFN)
    again = se.upload(local, LFN)
    assert again == first
    assert files_below(se_folder) == [LFN]


def test_a_different_file_is_never_overwritten(
    se: StorageElement, se_folder: Path, make_file: FileMaker
) -> None:
    first = se.upload(make_file("a.bin"), LFN)
    original = (se_folder / LFN).read_bytes()
    for other in (make_file("b.bin"), make_file("c.bin", original[:-1] + b"\x00")):
        with pytest.raises(ReplicaConflict, match="not overwritten"):
            se.upload(other, LFN)
    assert (se_folder / LFN).read_bytes() == original
    assert files_below(se_folder) == [LFN]
    se.verify(first.url, first.size, first.adler32)


def test_racing_writers_of_one_name(local_se: StorageElement, make_file: FileMaker) -> None:
    """Two uploads of different files under one name: one wins, the other is refused.

    A local folder only: publishing there is a hard link, which refuses an existing name
    atomically. XRootD's rename replaces a target, so on ``root://`` the check before the
    rename leaves a short window, which the job claims close (one writer per output).
    """
    se = local_se
    se_folder = Path(str(se.local_path(se.url_prefix)))
    locals_ = [make_file(f"{i}.bin") for i in range(2)]
    results: list[object] = [None, None]

    def upload(index: int) -> None:
        try:
            results[index] = se.upload(locals_[index], LFN)
        except ReplicaConflict as exc:
            results[index] = exc

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    conflicts = [r for r in results if isinstance(r, ReplicaConflict)]
    assert len(conflicts) == 1
    winner = locals_[results.index(next(r for r in results if r is not conflicts[0]))]
    assert (se_folder / LFN).read_bytes() == winner.read_bytes()
    assert files_below(se_folder) == [LFN]


@contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Let no write in this process grow a file past ``limit`` bytes (EFBIG instead)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_copy_failing_half_way_leaves_nothing(
    local_se: StorageElement, make_file: FileMaker
) -> None:
    se = local_se
    se_folder = Path(str(se.local_path(se.url_prefix)))
    local = make_file()  # written before the limit applies
    with file_size_limit(1024 * 1024), pytest.raises(TransferError, match="File too large"):
        se.upload(local, LFN)
    assert files_below(se_folder) == []  # neither the final name nor the temporary one
    assert se.upload(local, LFN).size == local.stat().st_size  # and a retry then works


def test_a_destination_that_cannot_be_created(tmp_path: Path, make_file: FileMaker) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the element's folder should be")
    broken = StorageElement("broken", (blocker / "se").as_uri())
    with pytest.raises(TransferError, match="upload failed") as caught:
        broken.upload(make_file(), LFN)
    assert caught.value.url == broken.url_for(LFN)
    assert blocker.read_text().startswith("a file")


def test_download_resumes_a_partial_copy(
    se: StorageElement, make_file: FileMaker, tmp_path: Path
) -> None:
    local = make_file()
    data = local.read_bytes()
    stored = se.upload(local, LFN)
    dest = tmp_path / "down" / "copy.root"
    dest.parent.mkdir()
    partial = dest.parent / ".copy.root.part"
    partial.write_bytes(data[:1_000_000])  # what an interrupted download left

    copy = se.download(stored.url, dest, stored.size, stored.adler32)
    assert copy.resumed_from == 1_000_000
    assert dest.read_bytes() == data
    assert not partial.exists()


def test_download_does_not_trust_a_bad_prefix(
    se: StorageElement, make_file: FileMaker, tmp_path: Path
) -> None:
    local = make_file()
    data = local.read_bytes()
    stored = se.upload(local, LFN)
    dest = tmp_path / "copy.root"
    (tmp_path / ".copy.root.part").write_bytes(b"\x00" * 1000)  # not the source's bytes

    copy = se.download(stored.url, dest, stored.size, stored.adler32)
    assert copy.resumed_from == 0  # started over
    assert dest.read_bytes() == data


def test_download_refuses_a_source_that_does_not_match(
    se: StorageElement, make_file: FileMaker, tmp_path: Path
) -> None:
    stored = se.upload(make_file(), LFN)
    dest = tmp_path / "copy.root"
    with pytest.raises(ChecksumMismatch, match="adler32"):
        se.download(stored.url, dest, stored.size, "00000000")
    with pytest.raises(ChecksumMismatch, match="size"):
        se.download(stored.url, dest, stored.size + 1, stored.adler32)
    assert not dest.exists()
    assert not (tmp_path / ".copy.root.part").exists()


def test_download_onto_an_existing_file(
    se: StorageElement, make_file: FileMaker, tmp_path: Path
) -> None:
    stored = se.upload(make_file(), LFN)
    dest = tmp_path / "copy.root"
    se.download(stored.url, dest, stored.size, stored.adler32)
    again = se.download(stored.url, dest, stored.size, stored.adler32)
    assert again.already_present
    dest.write_bytes(b"something else")
    with pytest.raises(ReplicaConflict):
        se.download(stored.url, dest, stored.size, stored.adler32)
    assert dest.read_bytes() == b"something else"


def test_walk_hides_temporary_copies(
    se: StorageElement, se_folder: Path, make_file: FileMaker
) -> None:
    stored = se.upload(make_file(), LFN)
    leftover = se_folder / "production" / ".other.root.part-0a1b2c"  # a killed upload's
    leftover.write_bytes(b"partial")
    assert is_temporary(leftover.name)
    assert [url for url, _ in se.walk()] == [stored.url]
    assert sorted(url for url, _ in se.walk(include_temporary=True)) == sorted(
        [stored.url, se.url_for(str(leftover.relative_to(se_folder)))]
    )
    assert list(se.walk("no/such/folder")) == []


def test_a_protocol_without_its_driver_names_the_install_command() -> None:
    """In a fresh interpreter where fsspec-xrootd cannot be imported (the default install)."""
    program = (
        "import sys\n"
        "sys.modules['fsspec_xrootd'] = None  # import fails, as when it is not installed\n"
        "from gasp.storage.access import access_for\n"
        "from gasp.storage.errors import TransferError\n"
        "try:\n"
        "    access_for('root://localhost//data/x.root')\n"
        "except TransferError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert "pip install 'gasp[xrootd]'" in done.stdout, done.stdout + done.stderr


def test_discard_removes_what_unfinished_uploads_left(
    se: StorageElement, se_folder: Path, make_file: FileMaker
) -> None:
    stored = se.upload(make_file(), LFN)
    other = se.upload(make_file("o.bin"), LFN.replace("_s0_", "_s1_"))
    folder = (se_folder / LFN).parent
    name = Path(LFN).name
    (folder / f".{name}.part-0a1b2c3d4e5f").write_bytes(b"half")  # a killed upload's
    removed = se.discard(LFN)
    leftover = folder / f".{name}.part-0a1b2c3d4e5f"
    assert sorted(removed) == sorted([stored.url, se.url_for(str(leftover.relative_to(se_folder)))])
    assert [url for url, _ in se.walk(include_temporary=True)] == [other.url]  # others stay
    assert se.discard(LFN) == []
