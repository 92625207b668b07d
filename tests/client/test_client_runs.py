"""The site client with the real local backend, the real runner and toyrat.

Each test submits a small request and cycles a client until nothing is left, then checks
the documents and the storage element against what must be true.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gasp.catalog.scan import make_production_catalogue
from gasp.catalog.stored import upload_catalogue
from gasp.client.cycle import Client
from gasp.model.states import PassState
from gasp.toyrat.release import release_dir
from tests.client.conftest import SMALL_REQUEST, Campaign


def run_until_done(client: Client, *, cycles: int = 200) -> None:
    """Cycle with short sleeps until the client holds nothing and claims nothing."""
    summary = client.loop(max_cycles=cycles, interval_s=0.2, until_idle=True)
    assert summary.last is not None and summary.idle, (
        f"still busy after {cycles} cycles: {summary.totals.line()}"
    )
    client.ctx.backend.close()


def adler32_of(path: Path) -> str:
    return f"{zlib.adler32(path.read_bytes()) & 0xFFFFFFFF:08x}"


@pytest.fixture
def toyrat_env() -> Iterator[None]:
    """Cheap events, and no failure modes unless a test asks for one."""
    saved = {
        k: os.environ.get(k) for k in ("TOYRAT_MS_PER_EVENT", "TOYRAT_FAIL", "TOYRAT_FAIL_ONCE")
    }
    os.environ["TOYRAT_MS_PER_EVENT"] = "0"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_campaign_runs_to_registered_files(campaign: Campaign, toyrat_env: None) -> None:
    exactly = campaign.submit(SMALL_REQUEST)
    assert len(exactly) == 4  # 3 WaterPmtBetagammas jobs + 1 run_number job (2 subjobs)
    run_until_done(campaign.client(campaign.site_config()))
    passes = campaign.passes()
    assert {key: p["status"] for key, p in passes.items()} == {key: "completed" for key in exactly}
    for p in passes.values():
        assert p["lock"] is None and p["site"] == "alpha"
        assert [h["to"] for h in p["history"]][:3] == ["waiting", "submitted", "running"]
        assert p["history"][-1]["to"] == "completed"
        assert all(s["status"] == "completed" and s["cpu_s"] >= 0 for s in p["subjobs"])
    data = campaign.data_documents()
    # Two data types (ratds, ntuple) for each of the 4 passes; one file per subjob.
    assert len(data) == 8
    se = campaign.folder / "se"
    on_storage = {str(p.relative_to(se)) for p in se.rglob("*.root")}
    registered = set()
    for doc in data:
        assert doc["labels"] == ["T1"] and doc["rat_version"] == "1.0.0"
        subjobs = 2 if doc["module"] == "WaterN16SourceRun" else 1
        assert [f["subrun"] for f in doc["files"]] == list(range(subjobs))
        for entry in doc["files"]:
            path = se / entry["lfn"]
            assert path.stat().st_size == entry["size"]
            assert adler32_of(path) == entry["adler32"]
            assert entry["events"] == 100
            assert entry["replicas"] == [{"se": "se", "url": path.as_uri(), "status": "ok"}]
            registered.add(entry["lfn"])
    assert on_storage == registered, "a file on the storage element has no data document entry"
    totals = list(campaign.db.view("data", "by_label", startkey=["T1"], endkey=["T1", {}]))
    assert totals[0].value[0] == 10  # 5 subjobs x 2 data types


def test_failed_job_keeps_its_logs(campaign: Campaign, toyrat_env: None, tmp_path: Path) -> None:
    os.environ["TOYRAT_FAIL"] = "crash:10"
    campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [{"module": "ScintBi214", "t_run": 1, "t_format": "hour", "n_runs": 1}],
        }
    )
    run_until_done(campaign.client(campaign.site_config()))
    ((key, failed),) = campaign.passes().items()
    assert failed["status"] == PassState.FAILED and failed["attempt"] == 1
    assert "crash" in (failed["subjobs"][0]["error"] or "").lower() or failed["subjobs"][0]["error"]
    job = campaign.db.get(f"job:{key[0]}:{key[1]}")
    assert any(name.endswith(".stderr.txt") for name in job["_attachments"])
    assert not list((campaign.folder / "se").rglob("*.root")), "a failed job left files"
    config = campaign.config_file()
    logs = subprocess.run(
        [sys.executable, "-m", "gasp", "-c", str(config), "logs", key[0], str(key[1])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert logs.returncode == 0, logs.stderr
    assert "stderr.txt" in logs.stdout and "toyrat" in logs.stdout


def test_transient_failure_is_retried_then_succeeds(
    campaign: Campaign, toyrat_env: None, tmp_path: Path
) -> None:
    os.environ["TOYRAT_FAIL"] = "transient"
    os.environ["TOYRAT_FAIL_ONCE"] = str(tmp_path / "failed-once")
    campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [{"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 1}],
        }
    )
    run_until_done(campaign.client(campaign.site_config()))
    ((_key, done),) = campaign.passes().items()
    assert done["status"] == "completed" and done["attempt"] == 2
    steps = [(h["from"], h["to"]) for h in done["history"]]
    assert ("failed", "waiting") in steps
    assert done["subjobs"][0]["previous"]["name"].endswith("_a1")


def test_transient_failures_stop_at_the_attempt_limit(campaign: Campaign, toyrat_env: None) -> None:
    os.environ["TOYRAT_FAIL"] = "transient"
    campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [{"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 1}],
        }
    )
    run_until_done(campaign.client(campaign.site_config(retry={"max_attempts": 2, "backoff_s": 0})))
    ((_key, done),) = campaign.passes().items()
    assert done["status"] == "failed" and done["attempt"] == 2


def test_short_output_is_never_completed(campaign: Campaign, toyrat_env: None) -> None:
    os.environ["TOYRAT_FAIL"] = "short"
    campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [
                {
                    "module": "WaterGunElectron",
                    "n_ev": 50,
                    "ev_per_run": 50,
                    "template": {"energy": 3},
                }
            ],
        }
    )
    run_until_done(campaign.client(campaign.site_config()))
    ((_key, done),) = campaign.passes().items()
    assert done["status"] == "failed"
    assert not campaign.data_documents()


def test_version_the_site_cannot_run_is_left_alone(campaign: Campaign, toyrat_env: None) -> None:
    campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [{"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 1}],
        }
    )
    client = campaign.client(campaign.site_config(software={}))
    report = client.cycle()
    assert report.claimed == 0
    assert [p["status"] for p in campaign.passes().values()] == ["waiting"]


def test_a_pass_that_cannot_start_fails_and_the_others_run(
    campaign: Campaign, toyrat_env: None
) -> None:
    """A module gone from the catalogue after submission: that pass fails with the reason;
    the client goes on launching and completing every other pass."""
    exactly = campaign.submit(SMALL_REQUEST)
    catalogue = make_production_catalogue(release_dir())
    del catalogue.modules["WaterN16SourceRun"]
    assert upload_catalogue(campaign.db, catalogue)
    run_until_done(campaign.client(campaign.site_config()))
    passes = campaign.passes()
    assert sorted(passes) == sorted(exactly)
    for (module, _run, _number), pass_doc in passes.items():
        if module == "WaterN16SourceRun":
            assert pass_doc["status"] == PassState.FAILED
            assert pass_doc["error"].startswith("could not start: WaterN16SourceRun")
            assert pass_doc["lock"] is None
            assert pass_doc["history"][-1]["why"] == "could not start"
        else:
            assert pass_doc["status"] == PassState.COMPLETED


def test_a_pass_whose_stored_values_the_runner_refuses_fails_alone(
    campaign: Campaign, toyrat_env: None
) -> None:
    """A template value written before the macro-line rule existed (here: written straight
    into the database) fails its own pass with the reason; the cycle and the others go on."""
    exactly = campaign.submit(SMALL_REQUEST)
    victim = exactly[0]
    doc = campaign.db.get(f"job:{victim[0]}:{victim[1]}")
    doc["passes"][0]["template"] = {"energy": "3\n/run/beamOn 1000000"}
    campaign.db.put(doc)
    run_until_done(campaign.client(campaign.site_config()))
    passes = campaign.passes()
    for key, pass_doc in passes.items():
        if key == tuple(victim):
            assert pass_doc["status"] == PassState.FAILED
            assert pass_doc["error"].startswith("could not start: job specification")
            assert "template" in pass_doc["error"]
        else:
            assert pass_doc["status"] == PassState.COMPLETED


def _claims(campaign: Campaign) -> dict[Any, Any]:
    return {k: p.get("lock") for k, p in campaign.passes().items()}


def test_mononly_claims_nothing_and_nomon_only_submits(
    campaign: Campaign, toyrat_env: None
) -> None:
    campaign.submit(SMALL_REQUEST)
    monitor_only = campaign.client(campaign.site_config())
    monitor_only.monitor_only = True
    assert monitor_only.cycle().claimed == 0
    assert all(lock is None for lock in _claims(campaign).values())
    submit_only = campaign.client(campaign.site_config())
    submit_only.submit_only = True
    report = submit_only.cycle()
    assert report.claimed == 4 and report.completed == 0
    run_until_done(campaign.client(campaign.site_config()))
    assert {p["status"] for p in campaign.passes().values()} == {"completed"}
