"""The site client with the slurm backend, on the real test cluster (``slurm_cluster``).

A production request runs to completed passes with registered files (the real client,
runner and toyrat, a ``file://`` storage element), with the Slurm commands of every
cycle counted; and the client is killed with SIGKILL between sbatch and recording the
ids, then restarted: it must find the job in Slurm by name and not submit it again.

Only the embedded store: the store matrix is the business of the other client tests.
Job names are unique within the session, because the cluster's completion record holds
the jobs of every test: each test here uses its own modules.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.factory import make_backend
from gasp.backends.slurm_parse import parse_sacct, parse_squeue
from gasp.client.context import ClientContext
from gasp.client.cycle import Client, CycleReport
from tests.client.conftest import SMALL_REQUEST, Campaign
from tests.services.slurm_cluster import SlurmCluster, started_commands

pytestmark = pytest.mark.slow

CRASH_REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterGunElectron",
            "n_ev": 200,
            "ev_per_run": 100,
            "template": {"energy": 3},
            "label": "K",
        },
        {"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 1, "label": "K"},
    ],
}


@pytest.fixture
def backend() -> str:
    """Overrides the store matrix of ``tests/conftest.py``: the embedded store only."""
    return "embedded"


def slurm_site(campaign: Campaign, cluster: SlurmCluster) -> dict[str, Any]:
    """The backend section of a site that submits to the test cluster."""
    return {
        "name": "slurm",
        "options": {"accounting": "jobcomp", "slurm_conf": str(cluster.conf)},
    }


def adler32_of(path: Path) -> str:
    return f"{zlib.adler32(path.read_bytes()) & 0xFFFFFFFF:08x}"


def check_storage_matches_data_documents(campaign: Campaign) -> int:
    """Every registered file is on storage, intact; nothing on storage lacks an entry."""
    se = campaign.folder / "se"
    registered = set()
    for doc in campaign.data_documents():
        for entry in doc["files"]:
            path = se / entry["lfn"]
            assert path.stat().st_size == entry["size"]
            assert adler32_of(path) == entry["adler32"]
            registered.add(entry["lfn"])
    on_storage = {str(p.relative_to(se)) for p in se.rglob("*") if p.is_file()}
    assert on_storage == registered, (
        f"files without a data document entry: {on_storage - registered}"
    )
    return len(registered)


def test_a_request_runs_to_registered_files_on_slurm(
    campaign: Campaign,
    slurm_cluster: SlurmCluster,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Any,
) -> None:
    for name in ("TOYRAT_FAIL", "TOYRAT_FAIL_ONCE", "GASP_CRASHPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOYRAT_MS_PER_EVENT", "0")  # sbatch passes the environment on
    exactly = campaign.submit(SMALL_REQUEST)
    config = campaign.site_config(backend=slurm_site(campaign, slurm_cluster))
    spool = Path(config.backend.workdir) / "spool"
    backend = make_backend("slurm", {**config.backend.options, "spool": str(spool)})
    client = Client(ClientContext(config=config, db=campaign.db, backend=backend))

    cycles: list[int] = []  # how many commands had started when each cycle ended
    slept: list[float] = []
    started_at = time.monotonic()
    with started_commands() as started:

        def on_cycle(_number: int, _report: CycleReport) -> None:
            cycles.append(len(started))

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            time.sleep(seconds)

        summary = client.loop(
            max_cycles=400, interval_s=0.3, until_idle=True, sleep=sleep, on_cycle=on_cycle
        )
    wall = time.monotonic() - started_at
    assert summary.idle, f"still busy: {summary.totals.line()}"

    passes = campaign.passes()
    assert {key: p["status"] for key, p in passes.items()} == {key: "completed" for key in exactly}
    subjobs = [s for p in passes.values() for s in p["subjobs"]]
    assert len(subjobs) == 5
    assert all(s["backend"] == "slurm" and str(s["backend_id"]).isdigit() for s in subjobs)
    assert check_storage_matches_data_documents(campaign) == 10  # 5 subjobs x (ratds, ntuple)
    assert len(campaign.data_documents()) == 8

    # O(1) per cycle: one squeue (+ one sacct) to follow every job, one of each to
    # reconcile names before submitting; sbatch once per subjob over the whole run.
    per_cycle = [started[a:b] for a, b in zip([0, *cycles[:-1]], cycles, strict=True)]
    for commands in per_cycle:
        status = [c for c in commands if c[0] in ("squeue", "sacct") and "--jobs" in " ".join(c)]
        lookups = [c for c in commands if c[0] in ("squeue", "sacct")]
        assert len(status) <= 2 and len(lookups) <= 4, commands
    assert Counter(c[0] for c in started)["sbatch"] == len(subjobs)
    assert summary.cycles == len(cycles)
    record_property("cycles", summary.cycles)
    record_property("client_s_per_subjob", round((wall - sum(slept)) / len(subjobs), 3))


def _site_file(campaign: Campaign, cluster: SlurmCluster) -> Path:
    """A site configuration file for ``gasp client`` (written out: it holds a table)."""
    folder = campaign.folder
    text = f"""\
[site]
name = "alpha"

[database]
url = {json.dumps(campaign.url)}
production = {json.dumps(campaign.db_name)}

[backend]
name = "slurm"
workdir = {json.dumps(str(folder / "alpha" / "jobs"))}

[backend.options]
accounting = "jobcomp"
slurm_conf = {json.dumps(str(cluster.conf))}

[storage]
primary = "se"

[storage.elements.se]
url = {json.dumps(str(folder / "se"))}

[retry]
backoff_s = 0
"""
    path = folder / "alpha.toml"
    path.write_text(text)
    return path


def _run_client(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "gasp", "-c", str(config), "client", "--loop"]
    argv += ["--interval", "0.3", "--until-idle", "--max-cycles", "400"]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)


def _slurm_jobs_by_name(cluster: SlurmCluster, names: set[str]) -> dict[str, set[str]]:
    """Every Slurm job (live, or ended and recorded) under these names: name -> ids."""
    queue = cluster.run("squeue", "--noheader", "--states=all", "--format=%i|%j|%T|%r")
    ended = cluster.run(
        "sacct",
        "--completion",
        "--noheader",
        "--parsable2",
        "--format=JobIDRaw,JobName,State,ExitCode",
    )
    found: dict[str, set[str]] = defaultdict(set)
    for job in [*parse_squeue(queue.stdout), *parse_sacct(ended.stdout)]:
        if job.name in names:
            found[job.name].add(job.job_id)
    return found


def test_a_client_killed_after_sbatch_finds_its_job_instead_of_resubmitting(
    campaign: Campaign, slurm_cluster: SlurmCluster, tmp_path: Path
) -> None:
    expected = campaign.submit(CRASH_REQUEST)
    config = _site_file(campaign, slurm_cluster)
    markers = tmp_path / "markers.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "TOYRAT_"))}
    env.update(GASP_RUNNER_MARKERS=str(markers), TOYRAT_MS_PER_EVENT="0", COLUMNS="300")

    crashed = _run_client(config, {**env, "GASP_CRASHPOINT": "client-after-submit"})
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    # Slurm has every claimed subjob, under its name...
    names = {
        f"{module}_r{run}_s{s['subrun']}_p{number}_a1"
        for (module, run, number), p in campaign.passes().items()
        for s in p["subjobs"]
    }
    assert set(_slurm_jobs_by_name(slurm_cluster, names)) == names
    # ...but nothing was recorded: every subjob is still waiting in the documents,
    assert {s["status"] for p in campaign.passes().values() for s in p["subjobs"]} == {"waiting"}
    # and the ids the backend recorded go too, so that only Slurm itself can tell.
    shutil.rmtree(campaign.folder / "alpha" / "jobs" / "spool" / "slurm-ids")

    for _round in range(3):
        done = _run_client(config, env)
        assert done.returncode == 0, done.stderr
        if all(p["status"] == "completed" for p in campaign.passes().values()):
            break
    passes = campaign.passes()
    assert set(passes) == set(expected)
    assert {p["status"] for p in passes.values()} == {"completed"}

    subjobs = [s for p in passes.values() for s in p["subjobs"]]
    assert {str(s["name"]) for s in subjobs} == names and len(subjobs) == 3
    in_slurm = _slurm_jobs_by_name(slurm_cluster, names)
    assert {name: len(ids) for name, ids in in_slurm.items()} == dict.fromkeys(names, 1), (
        "a subjob was submitted to Slurm more than once"
    )
    assert {str(s["backend_id"]) for s in subjobs} == set().union(*in_slurm.values())
    starts = Counter(
        line.split()[1] for line in markers.read_text().splitlines() if line.startswith("start")
    )
    assert starts == dict.fromkeys(names, 1), "a subjob's runner started more than once"
    check_storage_matches_data_documents(campaign)
