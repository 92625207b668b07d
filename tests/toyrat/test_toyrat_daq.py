"""``toyrat daq`` writes a run's raw files and sidecar; the processing macros read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gasp.toyrat.conditions import iso_utc, run_conditions
from gasp.toyrat.daq import L2_MIN_NHITS, adler32_of, raw_file_name
from gasp.toyrat.inputs import read_meta
from tests.toyrat.helpers import MacroMaker, Toyrat, branches, entries, read_tree

RUN = 100151
RAW_BRANCHES = {"runID", "subrunID", "eventID", "eventTime", "nhits"} | {
    "hits_pmt",
    "hits_time",
    "hits_charge",
}


def write_run(toyrat: Toyrat, out: Path, *extra: object) -> dict[str, Any]:
    result = toyrat(
        "daq", "--run", RUN, "--subruns", 2, "--events-per-subrun", 300, "--out", out, *extra
    )
    assert result.status == 0, result.err
    sidecar: dict[str, Any] = json.loads((out / f"run_{RUN}.json").read_text())
    return sidecar


@pytest.fixture
def raw(toyrat: Toyrat, tmp_path: Path) -> Path:
    write_run(toyrat, tmp_path / "raw", "--seed", 5)
    return tmp_path / "raw"


def test_daq_writes_l1_l2_files_and_a_sidecar(toyrat: Toyrat, tmp_path: Path) -> None:
    sidecar = write_run(toyrat, tmp_path / "raw", "--run-type", "DeployedSource")
    conditions = run_conditions(RUN)
    assert sidecar["run"] == RUN and sidecar["run_type"] == "DeployedSource"
    assert (sidecar["start"], sidecar["end"]) == (
        iso_utc(conditions.start),
        iso_utc(conditions.end),
    )
    assert sidecar["complete"] is True and sidecar["seed"] == RUN
    assert [subrun["subrun"] for subrun in sidecar["subruns"]] == [0, 1]
    names = sorted(path.name for path in (tmp_path / "raw").iterdir())
    assert names == sorted(
        [f"run_{RUN}.json"]
        + [raw_file_name(RUN, subrun, level) for subrun in (0, 1) for level in ("l1", "l2")]
    )
    assert raw_file_name(RUN, 0, "l2") == "SNOP_0000100151_000.l2.zdab.root"
    for subrun in sidecar["subruns"]:
        level1, level2 = subrun["files"]
        assert (level1["level"], level2["level"]) == ("l1", "l2")
        for entry in subrun["files"]:
            path = tmp_path / "raw" / entry["name"]
            assert entry["size"] == path.stat().st_size
            assert entry["adler32"] == adler32_of(path) and len(entry["adler32"]) == 8
            assert entries(path, "raw") == entry["events"]
            assert branches(path, "raw") == RAW_BRANCHES
            meta = read_meta(path)
            assert (meta["runType"], meta["level"]) == ("DeployedSource", entry["level"])
            assert meta["subrunID"] == subrun["subrun"]
        assert level1["events"] == 300 and 0 < level2["events"] < 300
        l1 = read_tree(tmp_path / "raw" / level1["name"], "raw")
        l2 = read_tree(tmp_path / "raw" / level2["name"], "raw")
        assert set(l2["eventID"]) <= set(l1["eventID"])
        assert l2["nhits"].min() >= L2_MIN_NHITS
        assert np.all(np.diff(l1["eventTime"]) > 0)
        assert set(l1["subrunID"]) == {subrun["subrun"]} and set(l1["runID"]) == {RUN}


def test_daq_is_deterministic_for_a_seed(toyrat: Toyrat, tmp_path: Path) -> None:
    first = write_run(toyrat, tmp_path / "a", "--seed", 9)
    second = write_run(toyrat, tmp_path / "b", "--seed", 9)
    assert [[f["events"] for f in s["files"]] for s in first["subruns"]] == [
        [f["events"] for f in s["files"]] for s in second["subruns"]
    ]
    name = raw_file_name(RUN, 1, "l1")
    a, b = read_tree(tmp_path / "a" / name, "raw"), read_tree(tmp_path / "b" / name, "raw")
    assert all(np.array_equal(a[key], b[key]) for key in ("eventID", "eventTime", "nhits"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run-type", "Party"], "--run-type 'Party'"),
        (["--subruns", 0], "--subruns 0"),
    ],
)
def test_daq_refuses_bad_options(
    toyrat: Toyrat, tmp_path: Path, args: list[object], message: str
) -> None:
    base: list[object] = ["--run", 1, "--subruns", 1, "--events-per-subrun", 1]
    result = toyrat("daq", *base, "--out", tmp_path / "raw", *args)
    assert result.status == 2 and message in result.err
    assert toyrat("daq", "--run", 1).status == 2


def test_processing_then_analysis_of_a_run(
    toyrat: Toyrat, macro: MacroMaker, raw: Path, tmp_path: Path
) -> None:
    processing = macro("mac/processing/Processing.mac")
    stems = []
    for subrun in (0, 1):
        stem = tmp_path / f"Processing_r{RUN}_s{subrun}_p1"
        source = raw / raw_file_name(RUN, subrun, "l2")
        result = toyrat("-i", source, "-o", stem, processing)
        assert result.status == 0, result.err
        expected = entries(source, "raw")
        assert entries(Path(f"{stem}.root"), "T") == expected
        ntuple = read_tree(Path(f"{stem}.ntuple.root"), "output")
        assert len(ntuple["evIndex"]) == expected and "mcEdep" not in ntuple
        assert np.array_equal(ntuple["eventID"], read_tree(source, "raw")["eventID"])
        meta = read_meta(Path(f"{stem}.root"))
        assert (meta["mode"], meta["runID"], meta["subrunID"]) == ("processing", RUN, subrun)
        assert meta["inputs"] == source.name
        stems.append(stem)
    analysis = macro("mac/processing/Analysis.mac")
    inputs = [Path(f"{stem}.root") for stem in stems]
    result = toyrat("-i", *inputs, "-o", tmp_path / "Analysis", analysis)
    assert result.status == 0, result.err
    ntuple = read_tree(tmp_path / "Analysis.ntuple.root", "output")
    assert len(ntuple["evIndex"]) == sum(entries(path, "T") for path in inputs)
    assert set(ntuple["subrunID"]) == {0, 1}
    assert 0.3 < ntuple["itr"].mean() < 1.0
    assert not (tmp_path / "Analysis.root").exists()
    assert read_meta(tmp_path / "Analysis.ntuple.root")["subrunID"] == -1


def test_processing_checks_its_inputs(
    toyrat: Toyrat, macro: MacroMaker, raw: Path, tmp_path: Path
) -> None:
    level2 = raw / raw_file_name(RUN, 0, "l2")
    analysis = toyrat("-i", level2, "-o", tmp_path / "a", macro("mac/processing/Analysis.mac"))
    assert analysis.status == 2 and "no tree 'T' (holds meta, raw)" in analysis.err
    processing = macro("mac/processing/Processing.mac")
    counted = toyrat("-N", 5, "-i", level2, "-o", tmp_path / "p", processing)
    assert counted.status == 2 and "-N and -T do not apply" in counted.err
    missing = toyrat("-i", raw / "nothing.root", "-o", tmp_path / "p", processing)
    assert missing.status == 2 and "No such file" in missing.err


def test_an_empty_subrun_processes_into_empty_trees(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path
) -> None:
    args = ["daq", "--run", 7, "--subruns", 1, "--events-per-subrun", 0, "--out", tmp_path]
    assert toyrat(*args).status == 0
    source = tmp_path / raw_file_name(7, 0, "l2")
    assert entries(source, "raw") == 0
    stem = tmp_path / "Processing_r7_s0_p1"
    result = toyrat("-i", source, "-o", stem, macro("mac/processing/Processing.mac"))
    assert result.status == 0, result.err
    assert entries(Path(f"{stem}.root"), "T") == 0
    assert branches(Path(f"{stem}.ntuple.root"), "output") >= {"energy", "posx", "nhits"}
    assert read_meta(Path(f"{stem}.root"))["runID"] == 7
