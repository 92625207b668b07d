"""``gasp grab`` on ``file://`` and on the real XRootD server: verified, resumable, fast to
give up on a bad replica, and idle when everything is already there."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gasp.grab.download import grab_files
from gasp.grab.fetch import Result
from gasp.grab.local import Placement
from gasp.grab.wanted import DEFAULT_STATUSES, wanted_files
from gasp.passes.selection import SelectionOptions, make_selection
from gasp.storage.transfer import partial_path
from tests.campaign import Campaign
from tests.grab.conftest import LABEL, MB, Shelf, adler32_of, make_shelf

SIZES = [3 * MB + 17, 1 * MB, 250_000, 5]


def grab(shelf: Shelf, *args: str) -> subprocess.CompletedProcess[str]:
    shelf.config()
    return shelf.campaign.gasp("grab", "--label", LABEL, *args)


def count(output: str, row: str) -> int:
    """A figure of the summary table (``│ downloaded │ 4 │ ...``)."""
    found = re.search(rf"│\s*{re.escape(row)}\s*│\s*(\d+)", output)
    assert found, f"no {row!r} row in:\n{output}"
    return int(found.group(1))


def shelf_of(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]], sizes: list[int]
) -> Shelf:
    folders, prefixes = elements
    return make_shelf(campaign, folders, prefixes, sizes)


def test_grab_verifies_every_file_and_a_second_grab_fetches_nothing(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]]
) -> None:
    shelf = shelf_of(campaign, elements, SIZES)
    first = grab(shelf, "-o", "out", "--exactly-out", "grab.exactly")
    assert first.returncode == 0, first.stdout + first.stderr
    assert count(first.stdout, "downloaded") == len(SIZES)
    out = campaign.folder / "out"
    for stored in shelf.files:
        assert adler32_of(out / stored.lfn) == stored.adler32
        assert not partial_path(out / stored.lfn).exists()
    listed = (campaign.folder / "grab.exactly").read_text().split("\n")
    assert sorted(filter(None, listed)) == sorted(
        f"{m} {r} {p}" for m, r, p in (s.key for s in shelf.files)
    )
    times = {s.lfn: (out / s.lfn).stat().st_mtime_ns for s in shelf.files}

    second = grab(shelf, "-o", "out")
    assert second.returncode == 0, second.stdout + second.stderr
    assert count(second.stdout, "downloaded") == 0
    assert count(second.stdout, "already present") == len(SIZES)
    assert count(second.stdout, "of which checksummed") == 0  # the size-and-time fast path
    assert {s.lfn: (out / s.lfn).stat().st_mtime_ns for s in shelf.files} == times

    verified = grab(shelf, "-o", "out", "--verify")
    assert count(verified.stdout, "of which checksummed") == len(SIZES)


def test_grab_killed_in_a_large_file_resumes_it(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]]
) -> None:
    """SIGKILL half-way through a file, then a rerun: the bytes already on disk are kept.

    Proof that they are not fetched again: after the kill, the source's first bytes (as
    many as the partial copy holds) are overwritten with zeros, size kept. A grab that
    resumes joins the partial copy's good prefix to the source's untouched rest and
    matches the catalogue; one that fetched from byte 0 would get the zeros and fail.
    """
    size = 300 * MB
    shelf = shelf_of(campaign, elements, [size])
    stored = shelf.files[0]
    shelf.set_replicas(stored.lfn, [("a", shelf.url("a", stored.lfn))])
    config = shelf.config()
    partial = partial_path(campaign.folder / "out" / stored.lfn)
    process = subprocess.Popen(
        [sys.executable, "-m", "gasp", "-c", str(config), "grab", "--label", LABEL, "-o", "out"],
        cwd=campaign.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size >= 8 * MB):
        assert process.poll() is None, "the grab ended before it could be killed"
        assert time.monotonic() < deadline, "the partial copy never grew"
        time.sleep(0.001)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    held = partial.stat().st_size
    assert 0 < held < size, f"killed with {held} of {size} bytes"
    source = shelf.path("a", stored.lfn)
    with open(source, "r+b") as handle:
        handle.write(bytes(held))

    again = grab(shelf, "-o", "out")
    assert again.returncode == 0, again.stdout + again.stderr
    assert count(again.stdout, "of which resumed") == 1
    assert adler32_of(campaign.folder / "out" / stored.lfn) == stored.adler32
    assert not partial.exists()


def _replace_replicas(shelf: Shelf, urls: list[tuple[str, str]]) -> None:
    shelf.set_replicas(shelf.files[0].lfn, urls)


def test_a_missing_replica_falls_back_to_the_next(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]]
) -> None:
    shelf = shelf_of(campaign, elements, [2 * MB, 1000])
    lost = shelf.files[0]
    shelf.path("a", lost.lfn).unlink()
    result = grab(shelf, "-o", "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert adler32_of(campaign.folder / "out" / lost.lfn) == lost.adler32
    assert re.search(rf"replica skipped {re.escape(lost.lfn)}: a: .*no such file", result.stdout)


def test_a_corrupt_replica_is_discarded_and_replaced_from_another(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]]
) -> None:
    shelf = shelf_of(campaign, elements, [2 * MB])
    stored = shelf.files[0]
    with open(shelf.path("a", stored.lfn), "r+b") as handle:  # one byte changed, size kept
        handle.seek(MB)
        byte = handle.read(1)
        handle.seek(MB)
        handle.write(bytes([byte[0] ^ 0xFF]))
    result = grab(shelf, "-o", "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert adler32_of(campaign.folder / "out" / stored.lfn) == stored.adler32
    assert f"replica skipped {stored.lfn}: a: corrupt replica" in result.stdout
    assert not partial_path(campaign.folder / "out" / stored.lfn).exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens once the socket is closed


def test_a_source_on_a_closed_port_fails_over_in_seconds(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]]
) -> None:
    shelf = shelf_of(campaign, elements, [MB])
    stored = shelf.files[0]
    dead = f"root://127.0.0.1:{_closed_port()}//gone/{stored.lfn}"
    _replace_replicas(shelf, [("dead", dead), ("b", shelf.url("b", stored.lfn))])
    selection = make_selection(SelectionOptions(label=LABEL), default_statuses=DEFAULT_STATUSES)
    _keys, files = wanted_files(campaign.db, selection)
    started = time.monotonic()
    report = grab_files(files, Placement(campaign.folder / "out"))
    elapsed = time.monotonic() - started
    (outcome,) = report.outcomes
    assert outcome.result is Result.DOWNLOADED and outcome.source is not None
    assert outcome.source.se == "b"
    assert outcome.problems and outcome.problems[0].startswith("dead: ")
    assert elapsed < 5, f"failing over from a closed port took {elapsed:.1f} s"


def test_a_file_no_replica_can_serve_fails_the_grab_and_the_rest_arrive(
    campaign: Campaign, elements: tuple[dict[str, Path], dict[str, str]]
) -> None:
    shelf = shelf_of(campaign, elements, [MB, 2000])
    gone = shelf.files[0]
    for element in ("a", "b"):
        shelf.path(element, gone.lfn).unlink()
    result = grab(shelf, "-o", "out")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAILED {gone.lfn}: a:" in result.stdout
    assert f"FAILED {gone.lfn}: b:" in result.stdout
    assert count(result.stdout, "failed") == 1
    assert adler32_of(campaign.folder / "out" / shelf.files[1].lfn) == shelf.files[1].adler32


def test_a_local_file_that_differs_from_the_catalogue_is_replaced(
    campaign: Campaign, tmp_path: Path
) -> None:
    """Same size, other bytes: replaced if older than the catalogue entry (checksummed),
    kept if newer (the fast path trusts size and time) unless ``--verify``."""
    folders = {name: tmp_path / f"se-{name}" for name in ("a", "b")}
    shelf = make_shelf(campaign, folders, {n: f.as_uri() for n, f in folders.items()}, [4000, 5000])
    out = campaign.folder / "out"
    old, new = (out / s.lfn for s in shelf.files)
    for path in (old, new):
        path.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(os.urandom(4000))
    os.utime(old, (946684800, 946684800))  # 2000-01-01, before it was catalogued
    new.write_bytes(os.urandom(5000))

    trusting = grab(shelf, "-o", "out")
    assert trusting.returncode == 0, trusting.stdout + trusting.stderr
    assert adler32_of(old) == shelf.files[0].adler32
    replaced = f"replaced a local file that differed from the catalogue: out/{shelf.files[0].lfn}"
    assert replaced in trusting.stdout
    assert adler32_of(new) != shelf.files[1].adler32  # same size, written later: trusted

    verifying = grab(shelf, "-o", "out", "--verify")
    assert verifying.returncode == 0
    assert adler32_of(new) == shelf.files[1].adler32


def test_bad_input_is_refused_before_anything_is_written(
    campaign: Campaign, tmp_path: Path
) -> None:
    folders = {name: tmp_path / f"se-{name}" for name in ("a", "b")}
    shelf = make_shelf(campaign, folders, {n: f.as_uri() for n, f in folders.items()}, [100, 200])
    (campaign.folder / "a-file").write_text("not a folder")
    doc = next(
        row.doc
        for row in campaign.db.all_docs(startkey="data:", endkey="data:\ufff0", include_docs=True)
        if row.doc
    )
    assert doc is not None
    twin = dict(doc["files"][0], subrun=1, lfn="elsewhere/" + doc["files"][0]["name"])
    doc["files"].append(twin)
    campaign.db.bulk([doc])
    cases = {
        ("-o", "a-file/out"): "is not a folder",
        (
            "-o",
            "out",
            "--prefer",
            "nowhere",
        ): "--prefer: no selected file has a replica on 'nowhere'",
        ("-o", "out", "--flat"): "--flat: 1 file names occur more than once",
        ("-o", "out", "--runs", "9-2"): "--runs: 9-2 ends before it starts",
        ("-o", "out", "--type", "bogus"): "Invalid value for '--type'",
        ("-o", "out", "--exactly-out", "no/such/folder/x.exactly"): "is not a folder",
    }
    for args, message in cases.items():
        result = grab(shelf, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert not (campaign.folder / "out").exists(), args
    unscoped = shelf.campaign.gasp("grab", "-o", "out")
    assert unscoped.returncode == 2 and "say which passes" in unscoped.stderr
    assert not (campaign.folder / "out").exists()
