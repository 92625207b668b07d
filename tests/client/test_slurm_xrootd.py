"""End to end on real services: Slurm runs the jobs, XRootD stores the outputs.

A production request is executed by ``gasp client`` (the real command) with the ``slurm``
backend on the test cluster (``slurm_cluster``) and a ``root://`` primary storage element on
the test XRootD server (``xrootd_server``): the Slurm jobs run the runner, which uploads
each output to XRootD (adler32 on the fly, the server's checksum compared, then renamed
into place); the client verifies them there and registers them in data documents with
``root://`` replica URLs; the label is then downloaded back with the grabber, every file checked.

Job names are unique within the session (the cluster's completion record holds every
test's jobs): the modules here are used by no other Slurm test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import pytest

from gasp.grab.download import grab_files
from gasp.grab.fetch import Result
from gasp.grab.local import Placement
from gasp.grab.wanted import DEFAULT_STATUSES, wanted_files
from gasp.passes.selection import SelectionOptions, make_selection
from gasp.storage.transfer import is_temporary
from tests.client.conftest import Campaign
from tests.services.slurm_cluster import SlurmCluster
from tests.services.xrootd_server import XRootDServer

pytestmark = pytest.mark.slow

LABEL = "XRD1"
REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterExternalTl208",
            "n_ev": 200,
            "ev_per_run": 100,
            "template": {"inner_radius": 5000},
            "label": LABEL,
        },
        {"module": "ScintBipo214", "t_run": 1, "t_format": "hour", "n_runs": 1, "label": LABEL},
    ],
}


@pytest.fixture
def backend() -> str:
    """Overrides the store matrix of ``tests/conftest.py``: the embedded store only."""
    return "embedded"


def site_file(campaign: Campaign, cluster: SlurmCluster, se_url: str) -> Path:
    """The site's one configuration file: Slurm backend, XRootD primary storage element."""
    text = f"""\
[site]
name = "xrd-site"

[database]
url = {json.dumps(campaign.url)}
production = {json.dumps(campaign.db_name)}

[backend]
name = "slurm"
workdir = {json.dumps(str(campaign.folder / "xrd-site" / "jobs"))}

[backend.options]
accounting = "jobcomp"
slurm_conf = {json.dumps(str(cluster.conf))}

[storage]
primary = "xrootd-se"

[storage.elements.xrootd-se]
url = {json.dumps(se_url)}

[retry]
backoff_s = 0
"""
    path = campaign.folder / "xrd-site.toml"
    path.write_text(text)
    return path


def adler32_of(path: Path) -> str:
    return f"{zlib.adler32(path.read_bytes()) & 0xFFFFFFFF:08x}"


def test_a_request_on_slurm_stores_on_xrootd_and_downloads_back(
    campaign: Campaign,
    slurm_cluster: SlurmCluster,
    xrootd_server: XRootDServer,
    tmp_path: Path,
) -> None:
    expected = campaign.submit(REQUEST)
    folder = f"e2e-{uuid.uuid4().hex[:8]}"
    se_url = xrootd_server.url_for(f"/{folder}")
    config_path = site_file(campaign, slurm_cluster, se_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "TOYRAT_"))}
    env.update(TOYRAT_MS_PER_EVENT="0", COLUMNS="300")  # sbatch passes the environment on

    argv = [sys.executable, "-m", "gasp", "-c", str(config_path), "client", "--loop"]
    argv += ["--interval", "0.3", "--until-idle", "--max-cycles", "400"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr

    passes = campaign.passes()
    assert {key: p["status"] for key, p in passes.items()} == dict.fromkeys(expected, "completed")
    subjobs = [s for p in passes.values() for s in p["subjobs"]]
    assert subjobs and all(s["backend"] == "slurm" for s in subjobs)

    # Registered with root:// replicas, and exactly those files are on the server, intact.
    exported = xrootd_server.data / folder
    registered = {}
    for doc in campaign.data_documents():
        for entry in doc["files"]:
            assert entry["replicas"] == [
                {"se": "xrootd-se", "url": f"{se_url}/{entry['lfn']}", "status": "ok"}
            ]
            on_server = exported / entry["lfn"]
            assert on_server.stat().st_size == entry["size"]
            assert adler32_of(on_server) == entry["adler32"]
            registered[entry["name"]] = entry
    stored = [p for p in exported.rglob("*") if p.is_file()]
    assert not [p for p in stored if is_temporary(p.name)], "an upload left a temporary copy"
    assert sorted(p.name for p in stored) == sorted(registered)
    assert len(registered) == 6  # 2 subjobs x (ratds, ntuple) + 1 subjob x (ntuple, coinc)

    # Downloaded back by label from the XRootD element, every file checked.
    dest = tmp_path / "grabbed"
    selection = make_selection(SelectionOptions(label=LABEL), default_statuses=DEFAULT_STATUSES)
    _keys, files = wanted_files(campaign.db, selection)
    summary = grab_files(files, Placement(dest, flat=True), streams=6)
    assert len(summary.of(Result.DOWNLOADED)) == len(registered) and not summary.failed
    assert summary.fetched_bytes == sum(entry["size"] for entry in registered.values())
    for name, entry in registered.items():
        assert adler32_of(dest / name) == entry["adler32"]
    assert sorted(p.name for p in dest.iterdir()) == sorted(registered)  # no partial left

    again = grab_files(files, Placement(dest, flat=True), streams=6)
    assert len(again.of(Result.PRESENT)) == len(registered) and again.fetched_bytes == 0
