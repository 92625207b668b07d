"""Processing modules on simulated output: a production campaign, then Analysis on it."""

from __future__ import annotations

import json

import pytest

from gasp.storage import transfer
from tests.processing.conftest import Detector

pytestmark = pytest.mark.slow

REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterN16SourceRun",
            "n_ev": 60,
            "ev_per_run": 30,
            "run_numbers": [100151, 100152],
            "label": "N16",
        }
    ],
}


def test_analysis_on_a_production_campaign(detector: Detector) -> None:
    (detector.folder / "request.json").write_text(json.dumps(REQUEST))
    detector.ok("submit", "production", "request.json")
    detector.ok("client", "--loop", "--interval", "0.5", "--until-idle", "--max-cycles", "120")

    refused = detector.gasp(
        "submit", "production-processing", "--source", "WaterN16SourceRun", "-N", "Processing"
    )
    assert refused.returncode == 2 and "reads raw detector data" in refused.stderr

    out = detector.ok(
        "submit",
        "production-processing",
        "--source",
        "WaterN16SourceRun",
        "--label",
        "N16",
        "-N",
        "Analysis",
        "-o",
        "n16.exactly",
    )
    assert "Analysis_WaterN16SourceRun" in out
    lines = (detector.folder / "n16.exactly").read_text().splitlines()
    assert lines == ["Analysis_WaterN16SourceRun 100151 1", "Analysis_WaterN16SourceRun 100152 1"]
    passes = detector.passes()
    first = passes[("Analysis_WaterN16SourceRun", 100151, 1)]
    assert first["status"] == "waiting" and first["catalogue_module"] == "Analysis"
    (subjob,) = first["subjobs"]
    assert [i["name"] for i in subjob["inputs"]] == [
        "WaterN16SourceRun_r100151_s0_p1.root",
        "WaterN16SourceRun_r100151_s1_p1.root",
    ]

    detector.run_client()
    for run in (100151, 100152):
        doc = detector.data(f"data:Analysis_WaterN16SourceRun:{run}:1:ntuple")
        assert doc["labels"] == ["N16"]
        (entry,) = doc["files"]
        assert entry["events"] == 60  # both simulated subjobs, every event
        (replica,) = entry["replicas"]
        transfer.verify(replica["url"], entry["size"], entry["adler32"])
