"""toyrat runs every event mode with the release's macros and writes real ROOT files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gasp.toyrat.conditions import run_conditions
from gasp.toyrat.inputs import read_meta
from gasp.toyrat.release import version
from tests.toyrat.helpers import (
    MacroMaker,
    Toyrat,
    branches,
    entries,
    read_tree,
    visible_files,
)

BETAGAMMAS = "mac/production/water/pmt/betagammas.mac"
RATDS_BRANCHES = {
    "runID",
    "subrunID",
    "evIndex",
    "eventID",
    "eventTime",
    "mcEnergy",
    "mcPosX",
    "mcPosY",
    "mcPosZ",
    "nhits",
    "hits_pmt",
    "hits_time",
    "hits_charge",
    "fitValid",
    "fitPosX",
    "fitPosY",
    "fitPosZ",
    "fitEnergy",
}
NTUPLE_BRANCHES = {
    "runID",
    "subrunID",
    "evIndex",
    "eventID",
    "eventTime",
    "nhits",
    "fitValid",
    "energy",
    "posx",
    "posy",
    "posz",
    "posr",
    "mcEdep",
    "mcPosx",
    "mcPosy",
    "mcPosz",
}


def test_number_mode_with_filled_template(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    stem = tmp_path / "WaterPmtBetagammas_r1_s0_p1"
    result = toyrat("-N", 150, "-s", 7, "-o", stem, macro(BETAGAMMAS, radius=7250))
    assert result.status == 0, result.err
    ratds, ntuple = Path(f"{stem}.root"), Path(f"{stem}.ntuple.root")
    assert entries(ratds, "T") == 150
    assert entries(ntuple, "output") == 150
    assert branches(ratds, "T") == RATDS_BRANCHES
    assert branches(ntuple, "output") == NTUPLE_BRANCHES
    events = read_tree(ratds, "T")
    assert list(events["evIndex"]) == list(range(150))
    radius = np.sqrt(events["mcPosX"] ** 2 + events["mcPosY"] ** 2 + events["mcPosZ"] ** 2)
    assert radius.min() >= 7250 - 1e-6 and radius.max() <= 8300 + 1e-6
    assert sum(len(hits) for hits in events["hits_pmt"]) == events["nhits"].sum() > 0
    meta = read_meta(ratds)
    assert meta["nEvents"] == 150 and meta["seed"] == 7 and meta["mode"] == "number"
    assert (meta["dataType"], meta["version"], meta["macro"]) == (
        "ratds",
        version(),
        "betagammas.mac",
    )
    assert "done: 150 events" in result.out
    assert f"wrote ntuple {stem}.ntuple.root (150 events)" in result.out


@pytest.mark.parametrize(
    ("relative", "seconds", "expected", "outputs"),
    [
        ("scint/bi214.mac", 20000, 100, {".root": "T", ".ntuple.root": "output"}),
        ("scint/po210.mac", 5000, 100, {".ntuple.root": "output"}),
        ("scint/solar/b8.mac", 60000, 60, {".ntuple.root": "output"}),
    ],
)
def test_time_mode_writes_rate_times_duration(
    toyrat: Toyrat,
    macro: MacroMaker,
    tmp_path: Path,
    relative: str,
    seconds: int,
    expected: int,
    outputs: dict[str, str],
) -> None:
    stem = tmp_path / "out"
    result = toyrat("-T", seconds, "-o", stem, macro(f"mac/production/{relative}"))
    assert result.status == 0, result.err
    assert visible_files(tmp_path) == sorted(["macros", *(f"out{end}" for end in outputs)])
    for end, tree in outputs.items():
        assert entries(Path(f"{stem}{end}"), tree) == expected
        assert read_meta(Path(f"{stem}{end}"))["mode"] == "time"
    times = read_tree(Path(f"{stem}.ntuple.root"), "output")["eventTime"]
    assert np.all(np.diff(times) > 0) and times[0] >= 0 and times[-1] < seconds


def test_other_output_takes_the_suffix(toyrat: Toyrat, macro: MacroMaker, tmp_path: Path) -> None:
    stem = tmp_path / "ScintBipo214_r3_s0_p1"
    result = toyrat("-T", 50000, "-o", stem, macro("mac/production/scint/bipo214.mac"))
    assert result.status == 0, result.err
    assert entries(Path(f"{stem}.ntuple.root"), "output") == 100
    assert entries(Path(f"{stem}.coinc.root"), "output") == 100
    assert "itr" in branches(Path(f"{stem}.coinc.root"), "output")
    assert read_meta(Path(f"{stem}.coinc.root"))["dataType"] == "other_ntuple"


def test_run_mode_simulates_the_whole_run(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    conditions = run_conditions(100151)
    stem = tmp_path / "WaterTl208Run_r100151_s0_p1"
    result = toyrat("-r", 100151, "-o", stem, macro("mac/production/water/tl208/run.mac"))
    assert result.status == 0, result.err
    expected = round(0.1 * conditions.duration_s)
    ntuple = read_tree(Path(f"{stem}.ntuple.root"), "output")
    assert len(ntuple["evIndex"]) == expected
    assert set(ntuple["runID"]) == {100151}
    assert ntuple["eventTime"][-1] < conditions.duration_s
    hit_pmts = np.concatenate(list(read_tree(Path(f"{stem}.root"), "T")["hits_pmt"]))
    assert conditions.offline.any() and not conditions.offline[hit_pmts].any()
    assert read_meta(Path(f"{stem}.root"))["mode"] == "run"


def test_run_number_mode(toyrat: Toyrat, macro: MacroMaker, tmp_path: Path) -> None:
    stem = tmp_path / "n16"
    result = toyrat(
        "-n", 100152, "-N", 120, "-o", stem, macro("mac/production/water/n16/source/run.mac")
    )
    assert result.status == 0, result.err
    events = read_tree(Path(f"{stem}.root"), "T")
    assert len(events["evIndex"]) == 120 and set(events["runID"]) == {100152}
    assert np.allclose(events["mcPosX"], 0.0) and np.allclose(
        events["mcEnergy"].mean(), 6.13, atol=0.1
    )
    assert read_meta(Path(f"{stem}.ntuple.root"))["mode"] == "run_number"


def test_many_chunks_continue_indices_and_report_progress(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    stem = tmp_path / "gun"
    result = toyrat(
        "-N", 2500, "-o", stem, macro("mac/production/water/gun/electron.mac", energy=2.5)
    )
    assert result.status == 0, result.err
    events = read_tree(Path(f"{stem}.root"), "T")
    assert list(events["evIndex"]) == list(range(2500))
    assert len(set(events["eventID"])) == 2500
    assert "processed 1000/2500 events" in result.out
    assert abs(events["fitEnergy"].mean() - 2.5) < 0.3
    assert visible_files(tmp_path) == ["gun.root", "macros"]


def test_zero_events_still_write_complete_files(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    stem = tmp_path / "empty"
    assert toyrat("-N", 0, "-o", stem, macro(BETAGAMMAS, radius=8000)).status == 0
    assert entries(Path(f"{stem}.root"), "T") == 0
    assert branches(Path(f"{stem}.ntuple.root"), "output") == NTUPLE_BRANCHES


def test_same_seed_same_events_other_seed_other_events(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    path = macro(BETAGAMMAS, radius=7250)
    for stem, seed in (("a", 11), ("b", 11), ("c", 12)):
        assert toyrat("-N", 1200, "-s", seed, "-o", tmp_path / stem, path).status == 0
    a, b, c = (read_tree(tmp_path / f"{stem}.root", "T") for stem in "abc")
    for name in ("mcEnergy", "fitPosX", "eventTime", "nhits"):
        assert np.array_equal(a[name], b[name])
        assert not np.array_equal(a[name], c[name])
    assert all(np.array_equal(x, y) for x, y in zip(a["hits_time"], b["hits_time"], strict=True))


def test_default_seed_is_deterministic(toyrat: Toyrat, macro: MacroMaker, tmp_path: Path) -> None:
    path = macro("mac/production/water/bi214/run.mac")
    for stem in ("a", "b"):
        assert toyrat("-n", 100160, "-N", 50, "-o", tmp_path / stem, path).status == 0
    a, b = (read_tree(tmp_path / f"{stem}.ntuple.root", "output") for stem in "ab")
    assert np.array_equal(a["energy"], b["energy"])
    assert read_meta(tmp_path / "a.root")["seed"] == read_meta(tmp_path / "b.root")["seed"]


def test_default_stem_is_the_macro_name(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = macro("mac/production/scint/po210.mac")
    monkeypatch.chdir(tmp_path)
    assert toyrat("-N", 5, path).status == 0
    assert entries(tmp_path / "po210.ntuple.root", "output") == 5


def test_version_and_release_dir(toyrat: Toyrat, release: Path) -> None:
    assert toyrat("--version").out == "1.0.0\n"
    assert toyrat("--release-dir").out == f"{release}\n"
    assert (release / "release.json").is_file()
