"""Dead sites, stuck passes and fencing, with an injected clock (no waiting, no patching)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gasp.model.states import PassState
from gasp.model.transitions import move_pass
from gasp.passes.update import update_passes
from tests.client.conftest import Campaign

REQUEST = {
    "rat_v": "1.0.0",
    "modules": [{"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 5}],
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_passes_of_a_silent_site_are_released_to_others(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    clock = Clock()
    alpha = campaign.client(campaign.site_config("alpha", backend={"name": "noop"}), clock=clock)
    alpha.submit_only = True  # claims and submits, then "dies": never monitors
    assert alpha.cycle().claimed == 5
    old_tokens = {k: p["lock"]["token"] for k, p in campaign.passes().items()}
    beta = campaign.client(campaign.site_config("beta", backend={"name": "noop"}), clock=clock)
    assert beta.cycle().released == 0  # alpha's heartbeat is fresh
    clock.now += timedelta(minutes=31)
    report = beta.cycle()
    assert report.released == 5 and report.claimed == 5
    passes = campaign.passes()
    assert all(p["attempt"] == 2 and p["lock"]["site"] == "beta" for p in passes.values())
    assert all(
        any("silent since" in (h.get("why") or "") for h in p["history"]) for p in passes.values()
    )

    # Alpha wakes up: whatever it tries under its old claims is refused (fencing).
    def complete(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
        move_pass(pass_doc, PassState.COMPLETED, at="x", by="alpha")
        return True

    outcome = update_passes(
        campaign.db, {key: (token, complete) for key, token in old_tokens.items()}
    )
    assert sorted(outcome.stale) == sorted(old_tokens) and not outcome.written
    while not beta.cycle().idle:
        pass
    assert {p["status"] for p in campaign.passes().values()} == {"completed"}


def test_stuck_passes_of_this_site_are_released(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    clock = Clock()
    config = campaign.site_config("alpha", backend={"name": "noop"}, limits={"stuck_hours": 1})
    alpha = campaign.client(config, clock=clock)
    alpha.submit_only = True
    alpha.cycle()
    clock.now += timedelta(hours=2)
    later = campaign.client(config, clock=clock)
    later.monitor_only = True
    report = later.cycle()
    # The noop backend of the new client process knows none of the old jobs: they are
    # unknown, then released as stuck, never read as completed.
    assert report.released == 5 and report.completed == 0
    assert {p["status"] for p in campaign.passes().values()} == {"waiting"}
    assert {p["attempt"] for p in campaign.passes().values()} == {2}


def test_unknown_jobs_are_never_completed(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    config = campaign.site_config(
        "alpha", backend={"name": "noop"}, limits={"unknown_cycles": 2}, retry={"max_attempts": 1}
    )
    first = campaign.client(config)
    first.submit_only = True
    first.cycle()
    amnesiac = campaign.client(config)  # a new noop backend: it has lost every job
    amnesiac.monitor_only = True
    amnesiac.cycle()
    assert {s["status"] for p in campaign.passes().values() for s in p["subjobs"]} == {"unknown"}
    amnesiac.cycle()
    statuses = {p["status"] for p in campaign.passes().values()}
    assert statuses == {"failed"}
    errors = {s["error"] for p in campaign.passes().values() for s in p["subjobs"]}
    assert errors == {"noop lost track of the job"}


def test_lost_jobs_are_retried_as_infrastructure_failures(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    config = campaign.site_config("alpha", backend={"name": "noop"}, limits={"unknown_cycles": 1})
    first = campaign.client(config)
    first.submit_only = True
    first.cycle()
    amnesiac = campaign.client(config)
    amnesiac.monitor_only = True
    assert amnesiac.cycle().retried == 5
    for p in campaign.passes().values():
        assert p["status"] == "waiting" and p["attempt"] == 2 and p["lock"] is None
        assert p["subjobs"][0]["previous"]["error"] == "noop lost track of the job"


def test_claims_follow_the_queue_policy(campaign: Campaign) -> None:
    request = {
        "rat_v": "1.0.0",
        "modules": [
            {"module": "WaterBi214Run", "run_numbers": [300, 100, 200], "priority": 1},
            {"module": "WaterTl208Run", "run_numbers": [150], "priority": 9},
        ],
    }
    campaign.submit(request)
    orders = {}
    for policy in ("priority", "runlevel", "newfirst"):
        client = campaign.client(
            campaign.site_config("alpha", backend={"name": "noop"}, limits={"jobs_per_cycle": 1})
        )
        client.policy = policy
        client.submit_only = True
        client.cycle()
        (claimed,) = [k for k, p in campaign.passes().items() if p["status"] == "submitted"]
        orders[policy] = claimed
        # put it back for the next policy
        token = campaign.passes()[claimed]["lock"]["token"]

        def back(_job: dict[str, Any], pass_doc: dict[str, Any]) -> bool:
            move_pass(pass_doc, PassState.WAITING, at="x", by="test")
            pass_doc["lock"] = None
            return True

        update_passes(campaign.db, {claimed: (token, back)})
    assert orders == {
        "priority": ("WaterTl208Run", 150, 1),
        "runlevel": ("WaterBi214Run", 100, 1),
        "newfirst": ("WaterBi214Run", 300, 1),
    }
