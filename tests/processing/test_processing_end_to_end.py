"""Detector runs from raw files to processed data, through the real commands.

Registered runs are sensed, ``Processing`` runs on each raw subfile and ``Analysis`` on
the whole run once ``Processing`` completed (promoted by the client); a calibration run
holds later runs until ``gasp calib release``; a range is reprocessed as a second pass.
"""

from __future__ import annotations

from typing import Any

import pytest

from gasp.model.run import l2_files
from gasp.storage import transfer
from tests.processing.conftest import Detector

pytestmark = pytest.mark.slow


def _check_on_storage(doc: dict[str, Any]) -> None:
    """Every catalogued file is on the storage element with its size and adler32."""
    assert doc["files"]
    for entry in doc["files"]:
        (replica,) = entry["replicas"]
        transfer.verify(replica["url"], entry["size"], entry["adler32"])


def _check_run(detector: Detector, run: int, number: int) -> None:
    """Both modules' data documents of one pass of one run: names, events, storage."""
    raw = dict(l2_files(detector.db.get(f"run:{run}")))
    for data_type in ("ratds", "ntuple"):
        doc = detector.data(f"data:Processing:{run}:{number}:{data_type}")
        assert doc["kind"] == "processing"
        assert [f["subrun"] for f in doc["files"]] == sorted(raw)
        for entry in doc["files"]:
            assert entry["events"] == raw[entry["subrun"]].events  # every L2 event, processed
            tag = ".ntuple" if data_type == "ntuple" else ""
            name = f"Processing_r{run}_s{entry['subrun']}_p{number}{tag}.root"
            assert entry["name"] == name
            assert entry["lfn"] == f"processing/Processing/r{run // 100 * 100}/{name}"
        _check_on_storage(doc)
    analysis = detector.data(f"data:Analysis:{run}:{number}:ntuple")
    (whole,) = analysis["files"]
    assert whole["events"] == sum(f.events for f in raw.values())
    assert whole["name"] == f"Analysis_r{run}_s0_p{number}.ntuple.root"
    _check_on_storage(analysis)


def test_sense_process_hold_release_and_reprocess(detector: Detector) -> None:
    detector.daq(100100, subruns=2)
    detector.daq(100101)
    detector.daq(100102, run_type="PCA")
    detector.daq(100103)
    detector.ok("runs", "register", "raw")

    out = detector.ok("submit", "processing", "--start-run", "100000", "-o", "first.exactly")
    assert "run 100103: held" in out and "PCA calibration lock of run 100102" in out
    passes = detector.passes()
    assert set(passes) == {
        ("Processing", 100100, 1),
        ("Analysis", 100100, 1),
        ("Processing", 100101, 1),
        ("Analysis", 100101, 1),
        ("Processing", 100102, 1),  # PCA runs get Processing only
    }
    assert passes[("Processing", 100100, 1)]["status"] == "waiting"
    assert passes[("Processing", 100100, 1)]["level"] == "sub_run"
    assert len(passes[("Processing", 100100, 1)]["subjobs"]) == 2
    analysis = passes[("Analysis", 100100, 1)]
    assert analysis["status"] == "new"
    assert analysis["prerequisites"] == [{"module": "Processing", "pass": 1}]
    assert len(analysis["subjobs"]) == 1
    lines = (detector.folder / "first.exactly").read_text().splitlines()
    assert sorted(lines) == sorted(f"{m} {r} {p}" for m, r, p in passes)

    # Sensing again finds nothing new and writes nothing; the held run stays held.
    before = detector.documents()
    again = detector.ok("submit", "processing", "--start-run", "100000")
    assert "no runs to process" in again and "run 100103: held" in again
    assert detector.documents() == before

    detector.run_client()
    passes = detector.passes()
    assert {p["status"] for p in passes.values()} == {"completed"}
    promoted = [h for h in passes[("Analysis", 100100, 1)]["history"] if h.get("from") == "new"]
    assert promoted[0]["to"] == "waiting" and promoted[0]["why"] == "prerequisites"
    for run in (100100, 100101):
        _check_run(detector, run, 1)

    status = detector.ok("calib", "status")
    assert "PCA" in status
    detector.ok("calib", "release", "PCA")
    released = detector.ok("submit", "processing", "--start-run", "100000")
    assert "held" not in released
    assert ("Analysis", 100103, 1) in detector.passes()

    # Reprocess a range: a second pass of both modules, Analysis reading Processing's.
    out = detector.ok("submit", "processing", "--range", "100100", "100101", "-o", "re.exactly")
    name = out.split("request ", 1)[1].split(":", 1)[0]
    passes = detector.passes()
    assert passes[("Processing", 100100, 2)]["status"] == "waiting"
    assert passes[("Analysis", 100100, 2)]["prerequisites"] == [{"module": "Processing", "pass": 2}]
    listed = detector.ok("exactly", "--request", name).splitlines()
    assert sorted(listed) == sorted((detector.folder / "re.exactly").read_text().splitlines())
    assert sorted(listed) == sorted(
        f"{m} {r} 2" for m in ("Processing", "Analysis") for r in (100100, 100101)
    )

    detector.run_client()
    passes = detector.passes()
    assert {p["status"] for p in passes.values()} == {"completed"}
    for run in (100100, 100101):
        _check_run(detector, run, 1)  # the first pass's data is untouched
        _check_run(detector, run, 2)
    _check_run(detector, 100103, 1)
    first = detector.data("data:Processing:100100:1:ratds")["files"][0]
    second = detector.data("data:Processing:100100:2:ratds")["files"][0]
    assert first["lfn"] != second["lfn"] and first["events"] == second["events"]
