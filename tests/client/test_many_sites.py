"""Four sites' clients, as four real processes, over 2,000 passes of one database.

The claim path is what is under test, so the sites use the ``noop`` backend (nothing runs;
every job finishes at once without outputs). No pass may be claimed twice, every pass must
end completed, and the conflicts the sites ran into are printed for the record.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest

from tests.client.conftest import Campaign
from tests.gasp_runner import start_client

PASSES = 2000
SITES = ("site-a", "site-b", "site-c", "site-d")


@pytest.mark.slow
def test_four_sites_share_two_thousand_passes(campaign: Campaign, backend: str) -> None:
    campaign.submit(
        {
            "rat_v": "1.0.0",
            "modules": [
                {
                    "module": "WaterGunElectron",
                    "n_ev": PASSES,
                    "ev_per_run": 1,
                    "template": {"energy": 2},
                }
            ],
        }
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GASP_")}
    env["COLUMNS"] = "300"
    processes = []
    for site in SITES:
        config = campaign.config_file(
            site, backend={"name": "noop"}, limits={"jobs_per_cycle": 100, "claim_batch": 25}
        )
        processes.append(start_client(config, env, interval="0", max_cycles=2000))
    outputs = [p.communicate(timeout=900) for p in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    passes = campaign.passes()
    assert len(passes) == PASSES
    assert Counter(p["status"] for p in passes.values()) == {"completed": PASSES}
    for key, p in passes.items():
        claims = [h for h in p["history"] if h.get("why") == "claimed"]
        assert len(claims) == 1, f"{key} was claimed {len(claims)} times"
        assert p["attempt"] == 1 and p["lock"] is None
    per_site = Counter(p["site"] for p in passes.values())
    conflicts = sum(int(re.findall(r"conflicts (\d+)", out)[-1]) for out, _err in outputs)
    print(f"\n{backend}: passes per site {dict(per_site)}; claim conflicts {conflicts}")
    assert sum(per_site.values()) == PASSES
