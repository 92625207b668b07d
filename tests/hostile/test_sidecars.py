"""Hostile sidecars through the real ``gasp runs register FOLDER``: exit 2, nothing written.

A sidecar's values are checked like a run table's: times in ISO 8601 with their zone, in
range and in order; event counts whole, non-negative and bounded (processing later demands
exactly that many events of each job, so a wrong count would fail every job of the run);
run numbers from 1 to ``MAX_RUN``. Two sidecars naming one run are an error naming both.
Every problem of the folder is in the one message; no document, raw file or file on the
storage element changes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.hostile.harness import Change, HostileSite, setting
from tests.runs.conftest import write_daq_run

RUN = 100151
SIDECAR = f"run_{RUN}.json"


@pytest.fixture(scope="module")
def daq_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw files of two runs from the real ``toyrat daq``, written once for the module."""
    folder = tmp_path_factory.mktemp("daq")
    write_daq_run(RUN, subruns=1, events=5, out=folder)
    write_daq_run(RUN + 1, subruns=1, events=5, out=folder)
    return folder


@pytest.fixture
def raw(site: HostileSite, daq_folder: Path) -> Path:
    """The site's ``raw`` folder with both runs, ready to register."""
    folder = site.folder / "raw"
    shutil.copytree(daq_folder, folder)
    return folder


def edit(raw: Path, change: Change, name: str = SIDECAR) -> None:
    data = json.loads((raw / name).read_text("utf-8"))
    change(data)
    (raw / name).write_text(json.dumps(data), "utf-8")


EVENTS = ("subruns", 0, "files", 0, "events")


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        (setting("start", value="yesterday"), ["start: not an ISO 8601 time: 'yesterday'"]),
        (setting("start", value="0001-01-01T00:00:00+05:00"), ["start: not an ISO 8601 time"]),
        (setting("end", value="0001-01-01T00:00:00Z"), ["end: year 1 is out of range"]),
        (setting("start", value="2018-05-07T11:11:40"), ["start:", "has no time zone"]),
        (setting("end", value="2018-05-07T10:00:00Z"),
         ["end: 2018-05-07T10:00:00Z is before start 2018-05-07T11:11:40Z"]),
        (setting("start", value=17), ["start: Input should be a valid string"]),
        (setting(*EVENTS, value=-1), ["subruns[0].files[0].events", "greater than or equal to 0"]),
        (setting(*EVENTS, value=10**13), ["subruns[0].files[0].events", "less than or equal to"]),
        (setting(*EVENTS, value=10**40), ["subruns[0].files[0].events"]),
        (setting(*EVENTS, value=2.5), ["subruns[0].files[0].events", "valid integer"]),
        (setting(*EVENTS, value="5"), ["subruns[0].files[0].events", "valid integer"]),
        (setting(*EVENTS, value=True), ["subruns[0].files[0].events", "valid integer"]),
        (setting(*EVENTS, value=None), ["subruns[0].files[0].events", "valid integer"]),
        (setting("subruns", 0, "subrun", value=10**20), ["subruns[0].subrun"]),
        (setting("run", value=str(RUN)), ["run: Input should be a valid integer"]),
        (setting("run_type", value="Cosmics"), ["run_type: unknown run type 'Cosmics'"]),
    ],
)  # fmt: skip
def test_bad_sidecar_values_are_refused(
    site: HostileSite, raw: Path, change: Change, mentions: list[str]
) -> None:
    edit(raw, change)
    site.refuses("runs", "register", "raw", mentions=[f"raw/{SIDECAR}", *mentions])


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        (b'{"run": 100151, "run_type": "\xff"}', ["not UTF-8 text"]),
        (b'{"run": 100151, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         ["nested more than 64 levels deep"]),
        (b'{"run": ' + b"1" * 5000 + b"}", ["thousands of digits"]),
        (b'{"run": 100151,\n "run_type": }', ["malformed JSON at line 2"]),
        (b"[]", ["expected a JSON object"]),
    ],
)  # fmt: skip
def test_unreadable_sidecars_are_refused(
    site: HostileSite, raw: Path, content: bytes, mentions: list[str]
) -> None:
    (raw / SIDECAR).write_bytes(content)
    site.refuses("runs", "register", "raw", mentions=[f"raw/{SIDECAR}", *mentions])


def test_run_zero_is_refused(site: HostileSite, raw: Path) -> None:
    (raw / SIDECAR).rename(raw / "run_0.json")
    edit(raw, setting("run", value=0), name="run_0.json")
    site.refuses(
        "runs", "register", "raw", mentions=["raw/run_0.json", "run numbers go from 1", "not 0"]
    )


def test_two_sidecars_of_one_run_are_an_error_naming_both(site: HostileSite, raw: Path) -> None:
    shutil.copy(raw / SIDECAR, raw / f"run_0{RUN}.json")
    message = site.refuses(
        "runs", "register", "raw", mentions=[f"raw/run_0{RUN}.json", f"raw/{SIDECAR}"]
    )
    assert f"run {RUN} is also described by" in message


def test_the_clash_is_reported_even_when_one_sidecar_is_broken(
    site: HostileSite, raw: Path
) -> None:
    shutil.copy(raw / SIDECAR, raw / f"run_0{RUN}.json")
    edit(raw, setting(*EVENTS, value=-1))
    message = site.refuses(
        "runs", "register", "raw", mentions=["2 problem(s)", "subruns[0].files[0].events"]
    )
    assert f"run {RUN} is also described by" in message


def test_a_sidecar_name_with_a_huge_number_is_refused(site: HostileSite, raw: Path) -> None:
    name = f"run_{'0' * 40}{RUN}.json"
    (raw / SIDECAR).rename(raw / name)
    site.refuses("runs", "register", "raw", mentions=[f"raw/{name}", "the file name"])


def test_every_problem_of_the_folder_is_in_the_one_message(site: HostileSite, raw: Path) -> None:
    shutil.copy(raw / SIDECAR, raw / f"run_00{RUN}.json")
    edit(raw, setting(*EVENTS, value=-3), name=f"run_{RUN + 1}.json")
    message = site.refuses(
        "runs",
        "register",
        "raw",
        mentions=["raw: nothing registered, 2 problem(s)", f"run_{RUN + 1}.json", "events"],
    )
    assert f"run_00{RUN}.json" in message and f"run {RUN} is also described by" in message


def test_the_untouched_folder_registers(site: HostileSite, raw: Path) -> None:
    """The control: every refusal above is the edit's doing, not the folder's."""
    result = site.gasp("runs", "register", "raw")
    assert result.returncode == 0, result.stderr
    assert "registered 2 runs: 4 files copied to se" in result.stdout
