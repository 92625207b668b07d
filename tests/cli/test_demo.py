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
    assert "every adler32 checked" in result.stdout
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
    assert len(exactly) == 6
