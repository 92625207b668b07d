"""Fencing: a command run under a turn that has passed claims nothing, and says so."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from gasp.store import Database
from gasp.turn.documents import LeaderDoc, TurnDocuments
from gasp.turn.fence import TurnFence, turn_environment
from gasp.turn.state import put_leader
from tests.client.conftest import Campaign
from tests.turn.conftest import clean_environment
from tests.turn.fakes import Cuttable

REQUEST = {
    "rat_v": "1.0.0",
    "modules": [{"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 6}],
}


def _turn(db: Database, site: str, number: int) -> LeaderDoc:
    raw = db.get_many(["enqueue_leader"])[0]
    doc = (
        LeaderDoc.model_validate(raw)
        if raw
        else LeaderDoc(id="enqueue_leader", sites_doc="enqueue_sites", leader=site)
    )
    token = uuid.uuid4().hex
    written = put_leader(
        db, doc.model_copy(update={"executing": site, "token": token, "turn": number})
    )
    assert written is not None
    return written


def _fence(doc: LeaderDoc, db: Database) -> TurnFence:
    assert doc.token is not None and doc.executing is not None
    env = turn_environment(
        token=doc.token,
        site=doc.executing,
        leader_doc="enqueue_leader",
        database=db.name,
        number=doc.turn,
    )
    fence = TurnFence.from_environment(env)
    assert fence is not None
    return fence


def test_a_fence_holds_while_its_turn_is_current_and_never_again_after(db: Database) -> None:
    assert TurnFence.from_environment({}) is None  # not under gasp enqueue: no fence
    first = _turn(db, "alpha", 1)
    cuttable = Cuttable(db)
    fence = _fence(first, db)
    assert fence.holds(cuttable) and fence.holds(cuttable) and fence.lost is None
    _turn(db, "beta", 2)
    assert not fence.holds(cuttable)
    assert fence.lost == "turn 1 of alpha is no longer current (beta holds turn 2)"
    cuttable.cut = True  # a lost turn never comes back, so it is never read again
    calls = cuttable.calls
    assert not fence.holds(cuttable) and cuttable.calls == calls


def test_a_fence_fails_closed(db: Database) -> None:
    doc = _turn(db, "alpha", 1)
    other = _fence(doc, db)
    other.database = "elsewhere"
    assert not other.holds(db) and "a turn on database 'elsewhere'" in (other.lost or "")
    renamed = _fence(doc, db)
    renamed.leader_doc = "no_such_leader"
    assert not renamed.holds(db) and "is gone" in (renamed.lost or "")
    db.put({"_id": "enqueue_leader", "_rev": doc.rev, "type": "enqueue_leader", "turn": "x"})
    corrupt = _fence(doc, db)
    assert not corrupt.holds(db) and "is corrupt" in (corrupt.lost or "")


def _client(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gasp", "-c", str(config), "client", "--nomon"],
        env={**clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_gasp_client_under_a_stale_token_refuses_to_claim(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    config = campaign.config_file("alpha", backend={"name": "noop"})
    old = _turn(campaign.db, "alpha", 1)
    stale_env = turn_environment(
        token=str(old.token),
        site="alpha",
        leader_doc=TurnDocuments().leader_doc,
        database=campaign.db_name,
        number=1,
    )
    current = _turn(campaign.db, "beta", 2)
    result = _client(config, stale_env)
    assert result.returncode == 0, result.stderr
    assert "claimed 0" in result.stdout
    assert "fenced, not claiming: turn 1 of alpha is no longer current (beta holds turn 2)" in (
        result.stdout
    )
    assert {p["status"] for p in campaign.passes().values()} == {"waiting"}
    # The same client under the current turn claims: the fence is what stopped it.
    result = _client(config, {**stale_env, "GASP_TURN_TOKEN": str(current.token)})
    assert result.returncode == 0, result.stderr
    assert "claimed 6" in result.stdout and "fenced" not in result.stdout
