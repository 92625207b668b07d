"""kill -9 a submission while it writes passes; ``--request ID`` then completes it exactly.

The submission is a real ``gasp`` process writing 20,000 jobs in batches; it is killed at
different points of its progress. Afterwards, completing it must leave exactly one pass of
this request on every intended job, no job outside the plan, and an ``.exactly`` list of
every job once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gasp.store import Database
from tests.gasp_runner import GaspRunner

JOBS = 20_000


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_lines", [1, 4])
def test_killed_submission_is_completed_by_request_id(
    gasp: GaspRunner, site: Path, production: Database, kill_after_lines: int
) -> None:
    request = {
        "rat_v": "1.0.0",
        "modules": [
            {
                "module": "WaterPmtBetagammas",
                "n_ev": JOBS,
                "ev_per_run": 1,
                "template": {"radius": 6000},
                "label": "big",
            }
        ],
    }
    (site / "big.json").write_text(json.dumps(request))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GASP_")}
    env["COLUMNS"] = "300"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gasp",
            "-c",
            "site.toml",
            "submit",
            "production",
            "-o",
            "big.exactly",
            "big.json",
        ],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    announced = process.stdout.readline()
    name = re.search(r"request (\S+): if interrupted", announced)
    assert name, announced
    progress_lines = [process.stderr.readline() for _ in range(kill_after_lines)]
    assert all("writing passes" in line for line in progress_lines), progress_lines
    process.send_signal(signal.SIGKILL)
    process.wait()

    def passes_of_request() -> list[tuple[int, int]]:
        rows = production.all_docs(
            startkey="job:WaterPmtBetagammas:",
            endkey="job:WaterPmtBetagammas:\ufff0",
            include_docs=True,
        )
        return [
            (row.doc["run"], p["pass"])
            for row in rows
            if row.doc
            for p in row.doc["passes"]
            if p["request"] == name.group(1)
        ]

    partial = passes_of_request()
    assert 0 < len(partial) < JOBS, "the kill did not land while passes were being written"
    assert not (site / "big.exactly").exists()
    doc = production.get(f"request:{name.group(1)}")
    assert doc["status"] == "approved"

    done = gasp(
        "-c",
        "site.toml",
        "submit",
        "production",
        "--request",
        name.group(1),
        "-o",
        "big.exactly",
        "big.json",
    )
    assert done.returncode == 0, done.stderr
    complete = passes_of_request()
    assert sorted(complete) == [(run, 1) for run in range(1, JOBS + 1)]
    lines = (site / "big.exactly").read_text().splitlines()
    assert sorted(lines) == sorted(f"WaterPmtBetagammas {run} 1" for run in range(1, JOBS + 1))
    assert production.get(f"request:{name.group(1)}")["status"] == "submitted"
    assert f"{JOBS - len(partial)} passes written, {len(partial)} already present" in done.stdout
