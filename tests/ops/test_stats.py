"""``gasp stats``: time from the subjobs, what was delivered from the catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ops.conftest import LABEL, Finished


def test_stats_of_the_completed_passes(finished: Finished) -> None:
    campaign = finished.campaign
    passes = campaign.passes()
    result = campaign.gasp("stats", "--label", LABEL, "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert list(shown["modules"]) == ["WaterPmtBetagammas"]  # only completed passes
    figures = shown["modules"]["WaterPmtBetagammas"]
    subjobs = [s for key in finished.completed for s in passes[key]["subjobs"]]
    data = [d for d in campaign.data_documents() if d["module"] == "WaterPmtBetagammas"]
    files = [entry for doc in data for entry in doc["files"]]
    assert (figures["passes"], figures["subjobs"]) == (3, 3)
    assert figures["cpu_s"] == round(sum(s["cpu_s"] for s in subjobs), 3) > 0
    assert figures["wall_s"] == round(sum(s["wall_s"] for s in subjobs), 3) > 0
    assert figures["events"] == 300  # n_ev of the request: ratds and ntuple counted once
    assert figures["files"] == len(files) == 6  # both data types of three passes
    assert figures["bytes"] == sum(entry["size"] for entry in files)
    assert shown["total"] == figures and shown["missing_data"] == 0

    listed = Path(campaign.folder / "done.exactly")
    listed.write_text("".join(f"{m} {r} {p}\n" for m, r, p in finished.completed))
    by_list = campaign.gasp("stats", str(listed), "--json")
    assert by_list.returncode == 0, by_list.stderr
    assert json.loads(by_list.stdout)["total"] == figures
    table = campaign.gasp("stats", str(listed))
    assert table.returncode == 0 and "WaterPmtBetagammas" in table.stdout and "300" in table.stdout

    wider = campaign.gasp("stats", "--label", LABEL, "--status", "completed,partFail", "--json")
    part = json.loads(wider.stdout)["modules"]["WaterN16SourceRun"]
    assert (part["passes"], part["subjobs"], part["events"], part["files"]) == (1, 2, 100, 2)

    unscoped = campaign.gasp("stats")
    assert unscoped.returncode == 2 and "--label" in unscoped.stderr
    missing = campaign.gasp("stats", "nowhere.exactly")
    assert missing.returncode == 2 and "nowhere.exactly" in missing.stderr
