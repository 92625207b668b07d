"""``gasp cancel``: unheld passes at once, held ones by their site's client; both stores,
and a running job on the real Slurm test cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.factory import make_backend
from gasp.backends.slurm_parse import parse_sacct, parse_squeue
from gasp.client.cancel import settle_concluded
from gasp.client.context import ClientContext
from gasp.client.cycle import Client
from gasp.client.finalize import finalize
from gasp.client.monitor import monitor
from gasp.config import load_config
from tests.campaign import Campaign
from tests.services.slurm_cluster import SlurmCluster

OPERATOR = {"GASP_OPERATOR": "shifter@control-room"}


def _request(label: str, runs: int) -> dict[str, Any]:
    return {
        "rat_v": "1.0.0",
        "modules": [
            {"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": runs, "label": label}
        ],
    }


def _noop_client(campaign: Campaign, **limits: int) -> Client:
    config = campaign.site_config(
        "alpha", backend={"name": "noop"}, limits=limits, retry={"max_attempts": 3}
    )
    return campaign.client(config)


def _claim_one(campaign: Campaign, **limits: int) -> Client:
    """A client of site alpha that claims and launches one pass, then stops looking."""
    client = _noop_client(campaign, jobs_per_cycle=1, **limits)
    client.submit_only = True
    assert client.cycle().claimed == 1
    return client


def _cancel(campaign: Campaign, label: str) -> subprocess.CompletedProcess[str]:
    done = campaign.gasp("cancel", "--label", label, "--yes", site="ops", env=OPERATOR)
    assert done.returncode == 0, done.stderr
    return done


def test_cancel_stops_unheld_passes_at_once_and_held_ones_at_their_sites_next_cycle(
    campaign: Campaign,
) -> None:
    campaign.submit(_request("C", 3))
    _claim_one(campaign)
    (held,) = [k for k, p in campaign.passes().items() if p["status"] == "submitted"]

    result = _cancel(campaign, "C")
    assert "cancel requested" in result.stdout and "held by alpha" in result.stdout
    passes = campaign.passes()
    for key, pass_doc in passes.items():
        if key == held:  # only the request is recorded: the site has the jobs
            assert pass_doc["status"] == "submitted" and pass_doc["lock"] is not None
            assert pass_doc["cancel_requested"]["by"] == "shifter@control-room"
        else:
            assert pass_doc["status"] == "canceled" and pass_doc["lock"] is None
            assert {s["status"] for s in pass_doc["subjobs"]} == {"canceled"}
            last = pass_doc["history"][-1]
            assert (last["from"], last["to"], last["by"]) == (
                "waiting",
                "canceled",
                "shifter@control-room",
            )

    # The site's client, restarted (a new noop backend: its job is "unknown" for now),
    # acts on the request at its next cycle and claims nothing.
    report = _noop_client(campaign, unknown_cycles=5).cycle()
    assert (report.canceled, report.claimed) == (1, 0), report.line()
    cancelled = campaign.passes()[held]
    assert cancelled["status"] == "canceled" and cancelled["lock"] is None
    assert "cancel_requested" not in cancelled
    assert {s["status"] for s in cancelled["subjobs"]} == {"canceled"}
    last = cancelled["history"][-1]
    assert (last["to"], last["by"]) == ("canceled", "shifter@control-room")
    assert "jobs stopped by alpha:" in last.get("why", "")
    assert {p["status"] for p in campaign.passes().values()} == {"canceled"}


def test_a_request_that_arrives_as_the_pass_ends_keeps_the_outcome_or_stops_the_retry(
    campaign: Campaign,
) -> None:
    """The race: the request lands after the monitor read the passes, before finalize.
    A pass that completes stays completed; one finalize puts back for a retry is cancelled."""
    campaign.submit(_request("E", 2))
    alpha = _claim_one(campaign, unknown_cycles=1)  # its noop backend finishes the job
    _claim_one(campaign)  # another client of alpha: the first one's backend never saw it
    watched = monitor(alpha.ctx)  # one completed, one lost (failed, retryable)
    assert sorted(watched.to_finalize) == sorted(campaign.passes()) and not watched.cancel_requested

    _cancel(campaign, "E")
    done = finalize(alpha.ctx, watched.to_finalize, watched.tokens)
    retried = [key for key, state in done.concluded if state == "waiting"]
    (completed,) = [key for key, state in done.concluded if state == "completed"]
    assert len(retried) == 1
    assert settle_concluded(alpha.ctx, [key for key, _state in done.concluded]) == retried

    passes = campaign.passes()
    assert passes[completed]["status"] == "completed"
    assert "cancel_requested" not in passes[completed]
    stopped = passes[retried[0]]
    assert stopped["status"] == "canceled" and "cancel_requested" not in stopped
    last = stopped["history"][-1]
    assert (last["from"], last["to"], last["by"]) == ("waiting", "canceled", "shifter@control-room")
    assert alpha.cycle().claimed == 0


# -- a running job on the real Slurm test cluster ---------------------------------------------

LONG = {  # one subjob of 100 events at a second each: it runs until it is cancelled
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterN16SourceRun",
            "n_ev": 100,
            "ev_per_run": 100,
            "run_numbers": [100977],  # job names are unique in the session's Slurm records
            "label": "S",
        }
    ],
}


def _slurm_site(campaign: Campaign, cluster: SlurmCluster) -> Path:
    """Site alpha's configuration file, submitting to the test cluster."""
    folder = campaign.folder
    path = folder / "alpha.toml"
    path.write_text(
        f"""\
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
"""
    )
    return path


def _slurm_state(cluster: SlurmCluster, job_id: str) -> str:
    """The job's state in the queue, else in the completion records ("" if neither)."""
    queue = cluster.run("squeue", "--noheader", "--states=all", "--format=%i|%j|%T|%r")
    for job in parse_squeue(queue.stdout):
        if job.job_id == job_id:
            return job.state
    ended = cluster.run(
        "sacct",
        "--completion",
        "--noheader",
        "--parsable2",
        "--format=JobIDRaw,JobName,State,ExitCode",
    )
    return next((job.state for job in parse_sacct(ended.stdout) if job.job_id == job_id), "")


def _wait(what: str, done: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not {what} after {timeout:.0f} s"
        time.sleep(0.3)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["embedded"])  # the store matrix is the tests' above
def test_cancel_of_a_running_slurm_job(
    campaign: Campaign, slurm_cluster: SlurmCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TOYRAT_FAIL", "TOYRAT_FAIL_ONCE", "GASP_CRASHPOINT", "GASP_OPERATOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOYRAT_MS_PER_EVENT", "1000")  # sbatch passes the environment on
    (key,) = campaign.submit(LONG)
    config_path = _slurm_site(campaign, slurm_cluster)
    config = load_config(config_path)
    options = {**config.backend.options, "spool": str(Path(config.backend.workdir) / "spool")}
    client = Client(
        ClientContext(config=config, db=campaign.db, backend=make_backend("slurm", options))
    )
    assert client.cycle().submitted == 1
    (subjob,) = campaign.passes()[key]["subjobs"]
    job_id = str(subjob["backend_id"])

    def running() -> bool:
        client.cycle()
        return (
            _slurm_state(slurm_cluster, job_id) == "RUNNING"
            and campaign.passes()[key]["status"] == "running"
        )

    _wait("running", running)
    _cancel(campaign, "S")
    pass_doc = campaign.passes()[key]
    assert pass_doc["status"] == "running" and "cancel_requested" in pass_doc
    assert _slurm_state(slurm_cluster, job_id) == "RUNNING", "the operator's command reached Slurm"

    # The site's client is killed right after scancel: nothing is recorded, the request
    # survives, and the job is cancelled in Slurm.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GASP_")}
    crashed = subprocess.run(
        [sys.executable, "-m", "gasp", "-c", str(config_path), "client", "--mononly"],
        env={**env, "GASP_CRASHPOINT": "client-after-cancel"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert campaign.passes()[key] == pass_doc
    _wait("cancelled in Slurm", lambda: _slurm_state(slurm_cluster, job_id) == "CANCELLED")

    report = client.cycle()  # the next cycle finds the request and finishes the job
    assert (report.canceled, report.claimed) == (1, 0), report.line()
    final = campaign.passes()[key]
    assert final["status"] == "canceled" and final["lock"] is None
    assert "cancel_requested" not in final
    (subjob,) = final["subjobs"]
    assert subjob["status"] in ("canceled", "failed") and "CANCELLED" in str(subjob.get("error"))
    last = final["history"][-1]
    assert (last["from"], last["to"], last["by"]) == ("running", "canceled", "shifter@control-room")
    assert client.cycle().claimed == 0
