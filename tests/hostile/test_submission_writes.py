"""A submission that fails writes nothing: ``-o`` is checked before the first write.

Before, ``submit production`` and ``submit processing`` wrote the request and its passes
(and moved the run allocator) and only then failed on an ``-o`` they could not write.
Each case here is a submission that is valid in every other way, so the only thing that
stops it is the ``-o`` file; the harness compares every document and file before and
after. The ``-o`` file itself must not be created either: an empty file left behind is a
write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.conftest import FIXTURES
from tests.hostile.harness import HostileSite

RUN = "100200"


def _missing_folder(site: HostileSite) -> tuple[str, str]:
    return "no/such/folder/out.exactly", "does not exist"


def _folder_is_a_file(site: HostileSite) -> tuple[str, str]:
    return "site.toml/out.exactly", "is not a folder"


def _a_folder(site: HostileSite) -> tuple[str, str]:
    return "se", "is a directory"


def _unwritable_file(site: HostileSite) -> tuple[str, str]:
    """A file the user may not write; root may write any of its own, but not this one."""
    if os.geteuid() == 0:
        return "/proc/version", "cannot be written"
    locked = site.folder / "locked.exactly"
    locked.write_text("kept 1 1\n")
    locked.chmod(0o444)
    return str(locked), "cannot be written"


def _unwritable_folder(site: HostileSite) -> tuple[str, str]:
    locked = site.folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return str(locked / "out.exactly"), "not writable"


def _pipe_nobody_reads(site: HostileSite) -> tuple[str, str]:
    os.mkfifo(site.folder / "pipe")
    return "pipe", "cannot be written"


Target = Callable[[HostileSite], tuple[str, str]]
TARGETS: list[Target] = [
    _missing_folder,
    _folder_is_a_file,
    _a_folder,
    _unwritable_file,
    _pipe_nobody_reads,
]
if os.geteuid() != 0:  # root may create files in any folder its file system lets it
    TARGETS.append(_unwritable_folder)
IDS = [t.__name__.strip("_") for t in TARGETS]


@pytest.fixture
def detector_site(site: HostileSite) -> HostileSite:
    """The site with one detector run registered (raw files copied to its storage)."""
    subprocess.run(
        [
            *(sys.executable, "-m", "gasp.toyrat", "daq", "--run", RUN, "--subruns", "1"),
            *("--events-per-subrun", "10", "--out", str(site.folder / "raw")),
        ],
        check=True,
        capture_output=True,
    )
    registered = site.gasp("runs", "register", "raw")
    assert registered.returncode == 0, registered.stderr
    return site


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_production_with_an_unwritable_outlist_writes_nothing(
    site: HostileSite, target: Target
) -> None:
    shutil.copy(FIXTURES / "time_mode.json", site.folder / "time_mode.json")
    outlist, why = target(site)
    site.refuses("submit", "production", "time_mode.json", "-o", outlist, mentions=[why])


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_processing_with_an_unwritable_outlist_writes_nothing(
    detector_site: HostileSite, target: Target
) -> None:
    outlist, why = target(detector_site)
    detector_site.refuses("submit", "processing", "--runs", RUN, "-o", outlist, mentions=[why])


def test_the_same_submissions_succeed_with_a_writable_outlist(detector_site: HostileSite) -> None:
    """The refusals above are about -o alone: with a good one, both submissions write."""
    site = detector_site
    shutil.copy(FIXTURES / "time_mode.json", site.folder / "time_mode.json")
    production = site.gasp("submit", "production", "time_mode.json", "-o", "p.exactly")
    assert production.returncode == 0, production.stderr
    assert "ScintPo210 1 1" in (site.folder / "p.exactly").read_text()  # allocator untouched
    processing = site.gasp("submit", "processing", "--runs", RUN, "-o", "q.exactly")
    assert processing.returncode == 0, processing.stderr
    assert f"Processing {RUN} 1" in (site.folder / "q.exactly").read_text()


def test_a_dry_run_checks_the_outlist_and_creates_nothing(site: HostileSite) -> None:
    shutil.copy(FIXTURES / "time_mode.json", site.folder / "time_mode.json")
    site.refuses(
        "submit", "production", "time_mode.json", "--dry-run", "-o", "no/x", mentions=["-o no/x"]
    )
    before = site.snapshot()
    result = site.gasp("submit", "production", "time_mode.json", "--dry-run", "-o", "new.exactly")
    assert result.returncode == 0, result.stderr
    assert site.snapshot() == before and not Path(site.folder / "new.exactly").exists()


def test_processing_over_the_site_limit_is_refused(detector_site: HostileSite) -> None:
    """Run 100200 makes two jobs (Processing, then Analysis); listed runs one job each."""
    with detector_site.config.open("a") as config:
        config.write("[submit]\nmax_jobs = 1\n")
    detector_site.refuses(
        "submit", "processing", "--runs", RUN, mentions=["makes 2 jobs", "[submit] max_jobs"]
    )
    detector_site.refuses(
        "submit", "processing", "--runs", f"{RUN},100201", mentions=["the 2 runs listed make"]
    )
