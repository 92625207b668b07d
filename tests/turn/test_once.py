"""One ``gasp enqueue`` without ``--repeat``: one turn, the command's exit status, a clean exit."""

from __future__ import annotations

import json
import sys

from gasp.turn.documents import HeartbeatDoc
from tests.gasp_runner import GaspRunner
from tests.turn.conftest import TIMING_OPTIONS, TurnDatabase

SHOW_TURN = (
    "import json, os, sys; "
    "json.dump({k: v for k, v in os.environ.items() if k.startswith('GASP_TURN_')}, "
    "open(sys.argv[1], 'w')); sys.exit(3)"
)


def test_one_turn_passes_the_turn_to_the_command_and_its_exit_status_back(
    gasp: GaspRunner, turn_db: TurnDatabase
) -> None:
    # The turn lives in the processing database here; production names no database at all.
    config = turn_db.config_file(
        "site", database={"url": turn_db.url, "production": "absent", "processing": turn_db.name}
    )
    seen = turn_db.folder / "turn.json"
    result = gasp(
        "-c", str(config), "enqueue", "alpha", *TIMING_OPTIONS, "--kind", "processing",
        "--", sys.executable, "-c", SHOW_TURN, str(seen),
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    env = json.loads(seen.read_text())
    assert env["GASP_TURN_SITE"] == "alpha" and env["GASP_TURN_NUMBER"] == "1"
    assert env["GASP_TURN_LEADER_DOC"] == "enqueue_leader"
    assert env["GASP_TURN_DATABASE"] == turn_db.name
    heartbeat = HeartbeatDoc.model_validate(turn_db.db.get("enqueue_heartbeat:alpha"))
    assert heartbeat.state == "stopped" and heartbeat.done == env["GASP_TURN_TOKEN"]
    doc = turn_db.leader()
    assert doc is not None and doc.leader is None  # it resigned on the way out
    assert doc.executing is None and doc.previous == "alpha" and doc.turn == 1
    assert turn_db.db.get("enqueue_sites")["sites"] == ["alpha"]
    assert "command ended with exit status 3" in result.stderr

    status = gasp("-c", str(config), "enqueue", "--status", "--kind", "processing")
    assert status.returncode == 0, status.stderr
    assert "leader:    none (the last leader resigned; term 1)" in status.stdout
    assert "executing: nobody (turns so far: 1)" in status.stdout
    assert status.stdout.splitlines()[-1].split()[:3] == ["alpha", "stopped", str(heartbeat.beat)]
