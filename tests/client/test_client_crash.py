"""kill -9 the client (and the runner) at the moments that matter, restart, repeat.

Each case runs a real ``gasp client --loop`` over a small campaign with the local backend,
the real runner and toyrat, kills it (at a named crash point, or from outside at a random
moment), restarts it until the campaign is done, and then checks:

* every pass is completed;
* no subjob ran twice at the same time, and each ran to completion at most once (the
  runner's start/end markers);
* every file in a data document is on the storage element with its registered size and
  adler32;
* no file on the storage element lacks a data document entry (no orphans, no partial
  copies).
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import time
import zlib
from collections import defaultdict
from pathlib import Path

import pytest

from tests.client.conftest import Campaign
from tests.gasp_runner import start_client

REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {
            "module": "WaterGunElectron",
            "n_ev": 1200,
            "ev_per_run": 200,
            "template": {"energy": 3},
            "label": "K",
        },
        {
            "module": "WaterN16SourceRun",
            "n_ev": 400,
            "ev_per_run": 200,
            "run_numbers": [100151],
            "label": "K",
        },
    ],
}
CASES = [
    "client-after-claim",
    "client-after-submit",
    "client-after-catalogue",
    "runner-after-upload",
    "random",
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_killed_client_loses_and_duplicates_nothing(
    campaign: Campaign, case: str, tmp_path: Path
) -> None:
    expected = campaign.submit(REQUEST)
    config = campaign.config_file("alpha", retry={"max_attempts": 6, "backoff_s": 0})
    markers = tmp_path / "markers.log"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "TOYRAT_"))}
    base_env.update(GASP_RUNNER_MARKERS=str(markers), TOYRAT_MS_PER_EVENT="1", COLUMNS="300")
    rng = random.Random(case)
    kills = 0
    for round_number in range(1, 30):
        env = dict(base_env)
        crash = round_number <= 3
        if crash and case != "random":
            env["GASP_CRASHPOINT"] = f"{case}:{rng.randint(1, 2)}"
            env["GASP_CRASHPOINT_ONCE"] = str(tmp_path / f"crashed-{round_number}")
        process = start_client(config, env, interval="0.2", max_cycles=600)
        if crash and case == "random":
            time.sleep(rng.uniform(0.3, 2.5))
            process.send_signal(signal.SIGKILL)
        _out, err = process.communicate(timeout=300)
        if process.returncode == -signal.SIGKILL:
            kills += 1
            continue
        assert process.returncode == 0, err
        if not crash and all(p["status"] == "completed" for p in campaign.passes().values()):
            break
    assert kills >= 1 or case == "runner-after-upload", "no kill landed: the test proved nothing"
    if case == "runner-after-upload":
        assert list(tmp_path.glob("crashed-*")), "no runner was killed after its upload"

    passes = campaign.passes()
    assert set(passes) == set(expected)
    assert {p["status"] for p in passes.values()} == {"completed"}

    runs: dict[str, list[tuple[float, float | None, str | None]]] = defaultdict(list)
    open_runs: dict[tuple[str, str], float] = {}
    for line in markers.read_text().splitlines():
        event, name, pid, moment, *rest = line.split()
        subjob = name.rsplit("_a", 1)[0]
        if event == "start":
            open_runs[(name, pid)] = float(moment)
        else:
            runs[subjob].append((open_runs.pop((name, pid)), float(moment), rest[0]))
    for (name, _pid), started in open_runs.items():  # runners killed before their end marker
        runs[name.rsplit("_a", 1)[0]].append((started, None, None))
    for subjob, intervals in runs.items():
        completed = [i for i in intervals if i[2] == "completed"]
        assert len(completed) <= 1, f"{subjob} ran to completion {len(completed)} times"
        ordered = sorted(intervals)
        for earlier, later in itertools.pairwise(ordered):
            assert earlier[1] is None or earlier[1] <= later[0], f"{subjob} ran twice at once"

    se = campaign.folder / "se"
    registered = {}
    for doc in campaign.data_documents():
        for entry in doc["files"]:
            path = se / entry["lfn"]
            assert path.is_file(), f"registered file missing: {entry['lfn']}"
            assert path.stat().st_size == entry["size"]
            assert f"{zlib.adler32(path.read_bytes()) & 0xFFFFFFFF:08x}" == entry["adler32"]
            registered[entry["lfn"]] = entry
    on_storage = {str(p.relative_to(se)) for p in se.rglob("*") if p.is_file()}
    assert on_storage == set(registered), (
        f"files without a data document entry: {on_storage - set(registered)}"
    )
    outputs_per_subjob = {"WaterGunElectron": 1, "WaterN16SourceRun": 2}  # ratds; ratds+ntuple
    assert len(registered) == sum(
        outputs_per_subjob[k[0]] * len(p["subjobs"]) for k, p in passes.items()
    )
