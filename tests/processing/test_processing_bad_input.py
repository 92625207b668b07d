"""Bad processing submissions: exit status 2, one message naming the problem, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gasp.model.run import RunDocument
from tests.processing.conftest import FAST, Detector


@pytest.fixture
def registered(detector: Detector) -> Detector:
    detector.daq(100200, subruns=2, events=20)
    detector.daq(100201, events=20)
    detector.ok("runs", "register", "raw")
    return detector


def _refused(detector: Detector, *args: str) -> str:
    """Run a submission that must be refused; returns its one error line."""
    before = detector.documents()
    result = detector.gasp("submit", "processing", *args, env=FAST)
    assert result.returncode == 2, result.stdout + result.stderr
    assert detector.documents() == before  # nothing written
    assert result.stderr.startswith("gasp: error: ")
    assert "Traceback" not in result.stderr
    return result.stderr


def test_runs_that_are_not_registered(registered: Detector) -> None:
    error = _refused(registered, "--runs", "100200,999")
    assert "run 999: not registered" in error and "100200" not in error


def test_run_list_with_an_unregistered_run(registered: Detector, tmp_path: Path) -> None:
    (tmp_path / "runs.txt").write_text("100201\n100300\n")
    assert "run 100300: not registered" in _refused(registered, "-L", str(tmp_path / "runs.txt"))


def test_unknown_module(registered: Detector) -> None:
    error = _refused(registered, "--runs", "100200", "-N", "Reconstruction")
    assert "-N Reconstruction: no such module" in error and "Processing, Analysis" in error


def test_missing_catalogue_for_the_version(registered: Detector) -> None:
    error = _refused(registered, "--start-run", "0", "--rat-v", "9.9.9")
    assert "no processing catalogue for software version '9.9.9'" in error
    assert "1.0.0" in error


def test_prerequisite_pass_that_does_not_exist(registered: Detector) -> None:
    error = _refused(
        registered, "--runs", "100200", "-N", "Analysis", "--force-prereq-pass", "Processing", "3"
    )
    assert "--force-prereq-pass Processing 3: run 100200 has no such pass" in error


def test_prerequisite_with_no_pass_at_all(registered: Detector) -> None:
    error = _refused(registered, "--runs", "100200", "-N", "Analysis", "--find-prereq")
    assert "needs a completed pass of its prerequisite Processing" in error


def test_run_with_no_raw_files(registered: Detector) -> None:
    doc = RunDocument.new(100250, "Physics", "register").to_document()
    registered.db.put({**doc, "complete": True})
    error = _refused(registered, "--runs", "100250")
    assert "run 100250: no raw L2 files registered" in error


def test_unknown_run_type(registered: Detector) -> None:
    doc = RunDocument.new(100260, "Physics", "register").to_document()
    registered.db.put({**doc, "run_type": "Cosmics", "complete": True})
    error = _refused(registered, "--runs", "100260")
    assert "run 100260" in error and "unknown run type 'Cosmics'" in error


def test_raw_file_changed_since_registration(registered: Detector) -> None:
    run = registered.db.get("run:100200")
    entry = next(f for f in run["subruns"][1]["files"] if f["level"] == "L2")
    stored = Path(entry["replicas"][0]["url"].removeprefix("file://"))
    data = bytearray(stored.read_bytes())
    data[-10] ^= 0xFF  # same size, different bytes
    stored.write_bytes(bytes(data))
    error = _refused(registered, "--start-run", "0")
    assert f"run 100200 subrun 1: {entry['name']} differs from its registration" in error
    assert entry["adler32"] in error


def test_one_way_of_choosing_runs(registered: Detector) -> None:
    error = _refused(registered, "--start-run", "0", "--range", "1", "2")
    assert "exactly one of --start-run" in error
    assert "START is after END" in _refused(registered, "--range", "100201", "100200")


def test_dry_run_writes_nothing(registered: Detector) -> None:
    before = registered.documents()
    out = registered.ok("submit", "processing", "--start-run", "0", "--dry-run")
    assert "dry run: nothing written" in out and "Processing" in out
    assert registered.documents() == before


def test_a_processing_request_is_shown_by_module(registered: Detector) -> None:
    """A processing plan has no file entries: ``requests show`` lists it by module."""
    out = registered.ok("submit", "processing", "--start-run", "0")
    name = re.search(r"request (\d{8}-\d{6}-[0-9a-f]{6})", out)
    assert name is not None, out
    shown = registered.ok("requests", "show", name.group(1))
    assert "Processing" in shown and "runs: 100200..100201" in shown
