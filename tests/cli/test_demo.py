"""``gasp demo`` from an empty folder: the new user's first command, end to end."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
import uproot

from gasp.store import open_server
from tests.gasp_runner import GaspRunner


@pytest.mark.slow
def test_demo_runs_a_campaign_to_downloaded_files(gasp: GaspRunner, tmp_path: Path) -> None:
    result = gasp("demo", env={"TOYRAT_MS_PER_EVENT": "0.2"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every file is here and matches the catalogue" in result.stdout
    downloaded = sorted((tmp_path / "demo-output").iterdir())
    # 3 WaterPmtBetagammas jobs (ratds + ntuple) and 3 ScintBi214 jobs (ratds + ntuple).
    assert len(downloaded) == 12
    db = open_server(f"sqlite:{tmp_path / 'gasp-data'}").database("production")
    catalogued = {
        entry["name"]: entry
        for row in db.all_docs(startkey="data:", endkey="data:\ufff0", include_docs=True)
        if row.doc
        for entry in row.doc["files"]
    }
    assert {p.name for p in downloaded} == set(catalogued)
    for path in downloaded:
        entry = catalogued[path.name]
        assert path.stat().st_size == entry["size"]
        assert f"{zlib.adler32(path.read_bytes()) & 0xFFFFFFFF:08x}" == entry["adler32"]
        tree = "output" if ".ntuple." in path.name else "T"
        with uproot.open(path) as root_file:
            assert root_file[tree].num_entries == entry["events"]
    water = [
        e for n, e in catalogued.items() if n.startswith("WaterPmtBetagammas") and ".ntuple." in n
    ]
    assert sorted(e["events"] for e in water) == [1000, 1000, 1000]
    exactly = (tmp_path / "demo.exactly").read_text().splitlines()
    assert len(exactly) == 7  # and the WaterExternalTl208 entry that cannot work

    # The shift in the middle: one crash, one entry that cannot work; summary, errors,
    # retry, summary again.
    out = result.stdout
    steps = ["gasp summary --label", "gasp errors --label", "gasp retry --label", "6. gasp grab"]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions), "the tour is out of order"
    assert out.count("$ gasp summary") == 2
    assert "segmentation violation" in out and "R_IN <= R_OUT" in out
    passes = {
        (row.doc["module"], row.doc["run"]): row.doc["passes"][0]
        for row in db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
        if row.doc
    }
    crashed = [p for p in passes.values() if p["attempt"] == 2 and p["status"] == "completed"]
    assert len(crashed) == 1, "exactly one job crashed once and completed on its retry"
    assert [h["to"] for h in crashed[0]["history"]][-5:] == [
        "failed",
        "waiting",
        "submitted",
        "running",
        "completed",
    ]
    tl208 = [p for (m, _r), p in passes.items() if m == "WaterExternalTl208"]
    assert [(p["status"], p["attempt"]) for p in tl208] == [("failed", 2)]
    assert "@" in crashed[0]["history"][-4]["by"], "the retry names its operator"
