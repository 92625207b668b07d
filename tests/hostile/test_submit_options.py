"""Hostile options of the submit commands: one rule per value, and no silent choices.

A tag is one line of bounded length, names are safe names, priorities and loop delays are
bounded and finite, and options that contradict each other are refused rather than one of
them ignored. Each case runs the real command and checks that nothing was written.
"""

from __future__ import annotations

import shutil

import pytest

from tests.hostile.conftest import FIXTURES
from tests.hostile.harness import HostileSite

PRODUCTION = ("submit", "production", "time_mode.json", "-o", "out.exactly")
PROCESSING = ("submit", "processing", "--runs", "100200")
PRODUCTION_PROCESSING = ("submit", "production-processing", "--source", "WaterN16SourceRun")


@pytest.fixture
def requests(site: HostileSite) -> HostileSite:
    for name in ("time_mode.json", "run_mode.json", "runs.txt"):
        shutil.copy(FIXTURES / name, site.folder / name)
    return site


CASES: list[tuple[str, tuple[str, ...], list[str]]] = [
    ("tag over two lines", (*PRODUCTION, "-t", "tag\n/rat/db/set x"), ["-t/--ratdb-tag", "single"]),
    ("tag too long", (*PRODUCTION, "-t", "t" * 201), ["-t/--ratdb-tag", "at most 200"]),
    ("empty tag", (*PRODUCTION, "-t", ""), ["-t/--ratdb-tag", "empty"]),
    ("processing tag with a tab", (*PROCESSING, "-t", "a\tb"), ["-t/--ratdb-tag"]),
    ("huge priority", (*PROCESSING, "--priority", "1" + "0" * 30), ["--priority"]),
    ("priority not in ASCII digits", (*PROCESSING, "--priority", "\u0665"), ["--priority"]),
    ("module name with a slash", (*PROCESSING, "-N", "../Processing"), ["-N", "safe name"]),
    ("software version with a colon", (*PROCESSING, "--rat-v", "1.0:0"), ["--rat-v"]),
    (
        "forced prerequisite with a newline",
        (*PROCESSING, "--force-prereq-pass", "Pro\ncessing", "1"),
        ["--force-prereq-pass", "safe name"],
    ),
    (
        "label over two lines",
        (*PRODUCTION_PROCESSING, "-N", "Analysis", "--label", "a\nb"),
        ["--label", "safe name"],
    ),
    (
        "source with a slash",
        ("submit", "production-processing", "--source", "a/b", "-N", "Analysis"),
        ["--source", "safe name"],
    ),
    (
        "interval NaN",
        ("submit", "processing", "--start-run", "0", "--loop", "--interval", "nan"),
        ["--interval", "finite"],
    ),
    (
        "interval inf",
        ("submit", "processing", "--start-run", "0", "--loop", "--interval", "inf"),
        ["--interval", "finite"],
    ),
    (
        "interval without --loop",
        ("submit", "processing", "--start-run", "0", "--interval", "5"),
        ["--interval", "--loop"],
    ),
    (
        "max passes without --loop",
        ("submit", "processing", "--start-run", "0", "--max-passes", "2"),
        ["--max-passes", "--loop"],
    ),
    ("loop without sensing", ("submit", "processing", "--runs", "1", "--loop"), ["--start-run"]),
    (
        "two ways of choosing runs",
        ("submit", "processing", "--runs", "1", "-L", "runs.txt"),
        ["exactly one of"],
    ),
    (
        "completing a request as a dry run",
        ("submit", "production", "time_mode.json", "--request", "x", "--dry-run"),
        ["--request", "--dry-run"],
    ),
    (
        "a run list nothing reads",
        ("submit", "production", "run_mode.json", "-L", "runs.txt"),
        ["-L runs.txt", "no entry of run_mode.json"],
    ),
    ("exactly by a label on two lines", ("exactly", "--label", "a\nb"), ["--label"]),
]


@pytest.mark.parametrize(("what", "args", "mentions"), CASES, ids=[c[0] for c in CASES])
def test_hostile_option_is_refused(
    requests: HostileSite, what: str, args: tuple[str, ...], mentions: list[str]
) -> None:
    requests.refuses(*args, mentions=mentions)


def test_a_tag_at_the_bound_is_taken(requests: HostileSite) -> None:
    result = requests.gasp(*PRODUCTION, "-t", "t" * 200)
    assert result.returncode == 0, result.stderr
