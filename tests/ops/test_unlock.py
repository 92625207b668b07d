"""``gasp unlock SITE`` on both stores: the site's passes go back to the queue, and what
the site still tries under its old claims is refused."""

from __future__ import annotations

from gasp.client.finalize import finalize
from gasp.client.launch import launch
from gasp.ops.apply import edit_passes
from gasp.ops.cancel import cancel_edit
from gasp.passes.selection import Selection
from tests.campaign import Campaign

OPERATOR = {"GASP_OPERATOR": "shifter@control-room"}
REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 3, "label": "U"}
    ],
}


def test_unlock_requeues_a_sites_passes_and_refuses_its_old_claims(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    alpha = campaign.client(campaign.site_config("alpha", backend={"name": "noop"}))
    alpha.submit_only = True  # claims and launches, then "dies": never monitors
    assert alpha.cycle().claimed == 3
    old_tokens = {key: p["lock"]["token"] for key, p in campaign.passes().items()}
    # One pass has a cancel request alpha never acted on: unlocking cancels it instead.
    asked = min(old_tokens)
    request = cancel_edit(at="2026-01-01T00:00:00Z", by="night-shift")
    assert len(edit_passes(campaign.db, [asked], Selection(), request).changed) == 1
    before = campaign.passes()

    bad = campaign.gasp("unlock", "alpha/..", "--yes", site="ops", env=OPERATOR)
    assert bad.returncode == 2 and "SITE" in bad.stderr, bad.stderr
    dry = campaign.gasp("unlock", "alpha", "--dry-run", site="ops", env=OPERATOR)
    assert dry.returncode == 0 and "dry run" in dry.stdout, dry.stderr
    assert campaign.passes() == before, "a refused or dry unlock wrote something"

    done = campaign.gasp("unlock", "alpha", "--yes", site="ops", env=OPERATOR)
    assert done.returncode == 0, done.stderr
    after = campaign.passes()
    canceled = after.pop(asked)
    assert canceled["status"] == "canceled" and "cancel_requested" not in canceled
    assert (canceled["history"][-1]["by"], canceled["lock"]) == ("night-shift", None)
    for key, pass_doc in after.items():
        assert pass_doc["status"] == "waiting" and pass_doc["lock"] is None
        assert pass_doc["attempt"] == before[key]["attempt"] + 1
        assert {s["status"] for s in pass_doc["subjobs"]} == {"waiting"}
        last = pass_doc["history"][-1]
        assert (last["from"], last["to"], last["by"], last.get("why")) == (
            "submitted",
            "waiting",
            "shifter@control-room",
            "unlocked from site alpha",
        )

    # Alpha's client wakes up: launching or concluding under its old claims is refused.
    assert launch(alpha.ctx, old_tokens) == 0
    assert finalize(alpha.ctx, list(old_tokens), old_tokens).concluded == []
    assert campaign.passes() == {asked: canceled, **after}

    # The next claim is a new one, with a new token and the next attempt's job names.
    beta = campaign.client(campaign.site_config("beta", backend={"name": "noop"}))
    assert beta.cycle().claimed == 2
    for key, pass_doc in campaign.passes().items():
        if key == asked:
            continue
        assert pass_doc["lock"]["site"] == "beta" and pass_doc["lock"]["token"] != old_tokens[key]
        assert {s["name"].rsplit("_", 1)[1] for s in pass_doc["subjobs"]} == {"a2"}
