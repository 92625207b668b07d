"""A site frozen (SIGSTOP) past the stale limit wakes up and claims nothing under its old turn.

Three real sites loop ``gasp enqueue --repeat SITE -- gasp client --nomon --loop`` over a
campaign (``noop`` backend: the claim path is what is under test). While one site's turn
runs and its client sleeps between cycles, the whole site (its enqueue and its client) is
frozen; the turn moves on and another site claims; then the client is woken alone, as if
its machine came back before the enqueue process was scheduled: it must see that its
turn has passed and claim nothing. Then the enqueue is woken: it must notice the lost
turn, and later take a fresh turn as normal.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time

import pytest

from tests.client.conftest import Campaign
from tests.turn.conftest import DELAY_S, STALE_S, Sites, pid_alive, wait_for

SITES = ("alpha", "beta", "gamma")
REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {"module": "WaterGunElectron", "n_ev": 300, "ev_per_run": 1, "template": {"energy": 2}}
    ],
}


def _claims(campaign: Campaign) -> dict[str, list[tuple[tuple[str, int, int], str]]]:
    """Per site, the passes it claimed and when (its own clock)."""
    found: dict[str, list[tuple[tuple[str, int, int], str]]] = {s: [] for s in SITES}
    for key, pass_doc in campaign.passes().items():
        claims = [h for h in pass_doc["history"] if h.get("why") == "claimed"]
        assert len(claims) <= 1, f"{key} was claimed {len(claims)} times"
        for entry in claims:
            found[entry["by"].split(":")[0]].append((key, entry["at"]))
    return found


def _leader(campaign: Campaign) -> dict[str, object]:
    return campaign.db.get_many(["enqueue_leader"])[0] or {}


@pytest.mark.slow
def test_a_frozen_site_claims_nothing_under_its_old_turn(
    campaign: Campaign, sites: Sites, backend: str
) -> None:
    campaign.submit(REQUEST)
    for name in SITES:
        config = campaign.config_file(
            name, backend={"name": "noop"}, limits={"jobs_per_cycle": 4, "claim_batch": 2}
        )
        client = [sys.executable, "-m", "gasp", "-c", str(config), "client", "--nomon"]
        client += ["--loop", "--interval", "1", "--max-cycles", "3"]
        sites.start(name, config, client)

    # Wait for a turn whose client has just printed a cycle: it now sleeps for a second.
    seen: dict[int, int] = {}

    def sleeping_client() -> tuple[str, int, int] | None:
        doc = _leader(campaign)
        name, turn = doc.get("executing"), doc.get("turn")
        if not isinstance(name, str) or not isinstance(turn, int):
            return None
        started = re.findall(rf"turn {turn}: started pid (\d+)", sites.started[name].stderr())
        if not started:
            return None
        printed = re.findall(r"cycle (\d+):", sites.started[name].stdout())
        if seen.setdefault(turn, len(printed)) == len(printed) or printed[-1] == "3":
            return None  # not yet a cycle of this turn, or its last one (no cycle follows)
        return name, turn, int(started[0])

    frozen, turn, client_pid = wait_for(sleeping_client, 40, "a client between cycles", 0.02)
    enqueue_pid = sites.started[frozen].process.pid
    os.killpg(client_pid, signal.SIGSTOP)
    os.kill(enqueue_pid, signal.SIGSTOP)
    stopped = time.monotonic()
    old_token = _leader(campaign)["token"]
    claimed_in_turn = _claims(campaign)[frozen]
    assert claimed_in_turn, "the frozen site claimed nothing in its turn: nothing was tested"

    moved_to = wait_for(
        lambda: (d := _leader(campaign))["token"] != old_token and d["executing"],
        STALE_S + 2 * DELAY_S + 5,
        "the turn to move on",
    )
    moved_after = time.monotonic() - stopped
    others = sum(len(v) for k, v in _claims(campaign).items() if k != frozen)
    wait_for(
        lambda: sum(len(v) for k, v in _claims(campaign).items() if k != frozen) > others,
        20,
        "another site to claim",
    )

    # The client wakes alone: its next claim batch finds the turn gone.
    os.killpg(client_pid, signal.SIGCONT)
    out = wait_for(
        lambda: "fenced" in (o := sites.started[frozen].stdout()) and o, 10, "the client fenced"
    )
    assert f"fenced, not claiming: turn {turn} of {frozen} is no longer current" in out
    wait_for(lambda: not pid_alive(client_pid), 10, "the fenced client to stop")
    assert _claims(campaign)[frozen] == claimed_in_turn  # nothing claimed after waking

    # The enqueue wakes: it sees its lease expired and later takes a fresh turn.
    os.kill(enqueue_pid, signal.SIGCONT)
    wait_for(
        lambda: re.search(rf"turn {turn}: .*(lease|turn lost)", sites.started[frozen].stderr()),
        10,
        "the enqueue to notice its lost turn",
    )
    wait_for(
        lambda: [t for t in re.findall(r"turn (\d+): started", sites.started[frozen].stderr())
                 if int(t) > turn],
        40,
        "a fresh turn for the woken site",
    )  # fmt: skip
    # Its old client is gone, so whatever it claims from now on is under the fresh turn.
    wait_for(lambda: len(_claims(campaign)[frozen]) > len(claimed_in_turn), 20, "fresh claims")
    statuses = sites.stop_all()
    claims = _claims(campaign)  # (also: no pass was claimed twice)
    for name in SITES:
        assert statuses[name] == 128 + signal.SIGTERM, sites.started[name].stderr()
        assert "Traceback" not in sites.started[name].stderr()
    print(
        f"\n{backend}: {frozen} frozen in turn {turn} -> turn moved to {moved_to} after "
        f"{moved_after:.2f} s; woken client fenced, 0 claims; claims per site "
        f"{ {k: len(v) for k, v in claims.items()} }"
    )
    assert STALE_S - DELAY_S <= moved_after <= STALE_S + 2 * DELAY_S + 1.0
