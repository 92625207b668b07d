"""``gasp validate`` on outputs a real client stored: damaged, stray and vanished files on
``file://`` elements (both stores) and on the real XRootD server.

Damage is done the way it happens: bytes of a stored file changed or appended on the
element's disk, a file copied in by hand, the element's folder moved away. Each test runs
the real ``gasp`` command and then reads the data documents and the element's folder.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from gasp.grab.wanted import DEFAULT_STATUSES, wanted_files
from gasp.passes.selection import SelectionOptions, make_selection
from tests.campaign import Campaign
from tests.ops.conftest import COMPLETES, LABEL, run_until_done
from tests.services.xrootd_server import XRootDServer

FOLDER = Path("production/WaterPmtBetagammas/r0")
TWO_DAYS_S = 48 * 3600
ONE_RUN: dict[str, Any] = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterPmtBetagammas",
            "n_ev": 100,
            "ev_per_run": 100,
            "template": {"radius": 7000},
            "label": LABEL,
        }
    ],
}


@pytest.fixture
def produced(campaign: Campaign, toyrat_env: None) -> Campaign:
    """Three runs of WaterPmtBetagammas stored on the file:// element ``se``: six files."""
    campaign.submit(COMPLETES)
    run_until_done(campaign.client(campaign.site_config()))
    return campaign


def replicas(campaign: Campaign) -> dict[str, list[dict[str, Any]]]:
    """Each catalogued file's replicas, by file name."""
    return {
        entry["name"]: entry["replicas"]
        for doc in campaign.data_documents()
        for entry in doc["files"]
    }


def revisions(campaign: Campaign) -> dict[str, str]:
    return {doc["_id"]: doc["_rev"] for doc in campaign.data_documents()}


def flip_a_byte(path: Path, *, keep_mtime: bool = False) -> None:
    """Same size, different content: only a checksum tells."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    with open(path, "r+b") as handle:  # in place: the owner (an XRootD server's) stays
        handle.write(data)
    moved = 0 if keep_mtime else 10 * 10**9
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + moved))


def stray_file(path: Path, *, age_s: float) -> Path:
    path.write_bytes(b"copied in by hand")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_lost_and_dark_files_are_listed_and_fixed_only_when_confirmed(produced: Campaign) -> None:
    campaign = produced
    campaign.site_config(ops={"lost_share": 0.5})  # six files: two lost is a third
    element = campaign.folder / "se"
    folder = element / FOLDER
    grown, flipped = (
        folder / "WaterPmtBetagammas_r1_s0_p1.root",
        folder / "WaterPmtBetagammas_r2_s0_p1.root",
    )
    with open(grown, "ab") as handle:
        handle.write(b"\0")
    flip_a_byte(flipped)
    stray = stray_file(folder / "stray.root", age_s=TWO_DAYS_S)
    fresh = stray_file(folder / "fresh.root", age_s=60)
    before = revisions(campaign)

    selected = campaign.gasp("validate", "--label", LABEL)
    assert selected.returncode == 1, selected.stderr
    assert f"changed se {grown.as_uri()} (size {grown.stat().st_size}," in selected.stdout
    assert f"changed se {flipped.as_uri()} (adler32 " in selected.stdout
    assert stray.name not in selected.stdout  # a selection does not walk an element
    assert "summary: checked 6, ok 4, missing 0, changed 2\n" in selected.stdout

    listed = campaign.gasp("validate", "--se", "se")
    assert listed.returncode == 1, listed.stderr
    assert "summary: checked 6, ok 4, missing 0, changed 2, dark 1" in listed.stdout
    assert f"dark se {stray.as_uri()} " in listed.stdout
    assert fresh.name not in listed.stdout  # too young to call dark

    planned = campaign.gasp("validate", "--se", "se", "--fix", "--dry-run")
    refused = campaign.gasp("validate", "--se", "se", "--fix", input="n\n")
    assert planned.returncode == refused.returncode == 1
    assert "plan: mark 2 lost replicas bad in 2 data documents; move 1 dark files" in planned.stdout
    assert "dry run: nothing written" in planned.stdout
    assert revisions(campaign) == before and stray.exists()

    fixed = campaign.gasp("validate", "--se", "se", "--fix", "--yes")
    assert fixed.returncode == 1, fixed.stderr  # it found problems, fixed or not
    statuses = {name: [r["status"] for r in found] for name, found in replicas(campaign).items()}
    assert statuses.pop(grown.name) == statuses.pop(flipped.name) == ["bad"]
    assert set(map(tuple, statuses.values())) == {("ok",)}
    assert not stray.exists() and fresh.exists()
    assert (element / "quarantine" / FOLDER / stray.name).read_bytes() == b"copied in by hand"
    selection = make_selection(SelectionOptions(label=LABEL), default_statuses=DEFAULT_STATUSES)
    readable = {w.name: w.replicas for w in wanted_files(campaign.db, selection)[1]}
    assert readable[grown.name] == readable[flipped.name] == ()  # downloads skip bad ones
    assert len([name for name, found in readable.items() if found]) == 4

    again = campaign.gasp("validate", "--se", "se")
    assert again.returncode == 0, again.stdout
    assert "checked 4, ok 4" in again.stdout and "already marked bad 2" in again.stdout


@pytest.mark.parametrize("backend", ["embedded"])
def test_an_element_that_looks_mostly_lost_stops_the_fix(
    campaign: Campaign, toyrat_env: None
) -> None:
    campaign.submit(ONE_RUN)
    run_until_done(campaign.client(campaign.site_config()))
    before = revisions(campaign)
    (campaign.folder / "se").rename(campaign.folder / "se-moved")  # an unmounted disk

    result = campaign.gasp("validate", "--se", "se", "--fix", "--yes")
    assert result.returncode == 1, result.stderr
    assert "summary: checked 2, ok 0, missing 2, changed 0" in result.stdout
    assert "stopping: storage element se: 2 of 2 checked files look lost" in result.stdout
    assert "nothing fixed" in result.stdout
    assert revisions(campaign) == before


@pytest.mark.parametrize("backend", ["embedded"])
def test_on_xrootd_the_server_checksum_finds_a_change_and_full_reads_every_byte(
    campaign: Campaign, toyrat_env: None, xrootd_server: XRootDServer
) -> None:
    name = f"se-{uuid.uuid4().hex[:10]}"
    storage = {"primary": "xrd", "elements": {"xrd": {"url": xrootd_server.url_for(f"/{name}")}}}
    config = campaign.site_config(storage=storage, ops={"lost_share": 0.6})
    campaign.submit(ONE_RUN)
    run_until_done(campaign.client(config))
    folder = xrootd_server.data / name / FOLDER
    changed = folder / "WaterPmtBetagammas_r1_s0_p1.root"
    rotten = folder / "WaterPmtBetagammas_r1_s0_p1.ntuple.root"
    flip_a_byte(changed)  # modified: the server computes its checksum again
    flip_a_byte(rotten, keep_mtime=True)  # bit rot: the server's stored checksum is stale
    stray = stray_file(folder / "stray.root", age_s=TWO_DAYS_S)

    served = campaign.gasp("validate", "--se", "xrd")
    assert served.returncode == 1, served.stderr
    assert f"/{name}/{FOLDER}/{changed.name} (adler32 " in served.stdout
    assert rotten.name not in served.stdout
    assert f"/{name}/{FOLDER}/{stray.name} (" in served.stdout

    read = campaign.gasp("validate", "--se", "xrd", "--full")
    assert "summary: checked 2, ok 0, missing 0, changed 2, dark 1" in read.stdout, read.stdout

    fixed = campaign.gasp("validate", "--se", "xrd", "--fix", "--remove", "--yes")
    assert fixed.returncode == 1, fixed.stderr
    found = replicas(campaign)
    assert found[changed.name] == []  # removed; the entry stays, with no replica
    assert [r["status"] for r in found[rotten.name]] == ["ok"]
    assert not stray.exists()
    assert (xrootd_server.data / name / "quarantine" / FOLDER / stray.name).exists()
