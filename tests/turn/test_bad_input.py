"""Bad input to ``gasp enqueue``: one clear line, exit status 2, nothing written, no turn.

Every case names a command that would leave a marker file if it ever ran.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.gasp_runner import GaspRunner
from tests.turn.conftest import TurnDatabase

FAST = ("--heartbeat-delay", "0.01", "--heartbeat-stale", "0.05")
CMD = "<the marker command>"


def _marker_command(folder: Path) -> list[str]:
    return [sys.executable, "-c", f"open({str(folder / 'ran')!r}, 'w')"]


def _refused(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("backend", ["embedded"])  # refused before any store is opened
@pytest.mark.parametrize(
    ("arguments", "fragments"),
    [
        (["alpha", "--no-such-option", "--", CMD], ["No such option", "--no-such-option"]),
        (["alpha", "--heartbeat-delay", "soon", "--", CMD], ["heartbeat-delay", "soon"]),
        (["alpha", *FAST, CMD], ["missing '--'"]),
        (["alpha", *FAST], ["missing '--'"]),
        (["alpha", "--"], ["no command after '--'"]),
        (["--", CMD], ["give a SITE"]),
        (["has space", "--", CMD], ["site name: 'has space' is not a safe name"]),
        (["s" * 101, "--", CMD], ["site name: is 101 characters long"]),
        (["alpha", "--leader-doc", "_design/x", "--", CMD], ["--leader-doc: '_design/x'"]),
        (["alpha", "--heartbeat-stale", "0.02", *FAST[:2], "--", CMD], ["at least 3 x"]),
        (["alpha", "--conflict-delay", "-1", "--", CMD], ["--conflict-delay (minutes) must be"]),
        (["alpha", "--heartbeat-stale", "inf", "--", CMD], ["--heartbeat-stale", "finite"]),
        (["--status", "alpha"], ["--status takes no SITE"]),
    ],
)
def test_bad_options(
    gasp: GaspRunner,
    turn_db: TurnDatabase,
    arguments: list[str],
    fragments: list[str],
) -> None:
    config = turn_db.config_file()
    before = turn_db.snapshot()
    expanded = [
        part
        for arg in arguments
        for part in (_marker_command(turn_db.folder) if arg == CMD else [arg])
    ]
    _refused(gasp("-c", str(config), "enqueue", *expanded), *fragments)
    assert turn_db.snapshot() == before
    assert not (turn_db.folder / "ran").exists()


def test_a_command_that_does_not_exist(gasp: GaspRunner, turn_db: TurnDatabase) -> None:
    config = turn_db.config_file()
    result = gasp("-c", str(config), "enqueue", "alpha", "--", "no-such-program-here", "-x")
    _refused(result, "command not found: no-such-program-here")
    assert turn_db.snapshot() == {}


def test_an_unreachable_database(gasp: GaspRunner, tmp_path: Path) -> None:
    (tmp_path / "down.toml").write_text('[database]\nurl = "http://127.0.0.1:9"\n')
    args = ["enqueue", "alpha", *FAST, "--", *_marker_command(tmp_path)]
    _refused(gasp("-c", "down.toml", *args), "127.0.0.1:9")
    (tmp_path / "absent.toml").write_text(f'[database]\nurl = "sqlite:{tmp_path / "none"}"\n')
    _refused(gasp("-c", "absent.toml", *args), "no database 'production'", "gasp db init")
    _refused(gasp("-c", "down.toml", "enqueue", "--status"), "127.0.0.1:9")
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        (
            {"type": "enqueue_leader", "sites_doc": "enqueue_sites", "turn": -3, "leader": 7},
            ["'enqueue_leader' is corrupt", "turn", "leader"],
        ),
        (
            {"type": "enqueue_leader", "sites_doc": "enqueue_sites", "executing": "beta"},
            ["'enqueue_leader' is corrupt", "'executing' and 'token' must be set together"],
        ),
        ({"type": "something else"}, ["'enqueue_leader' is corrupt", "type"]),
        (
            {"type": "enqueue_leader", "sites_doc": "other_sites"},
            ["belongs to the sites document 'other_sites'"],
        ),
    ],
)
def test_a_corrupt_leader_document(
    gasp: GaspRunner, turn_db: TurnDatabase, document: dict[str, object], fragments: list[str]
) -> None:
    turn_db.db.put({"_id": "enqueue_leader", **document})
    config = turn_db.config_file()
    before = turn_db.snapshot()
    args = ["-c", str(config), "enqueue", "alpha", *FAST, "--", *_marker_command(turn_db.folder)]
    _refused(gasp(*args), *fragments)
    if "turn" in document:  # --status reads (and refuses) the same way; once is enough
        _refused(gasp("-c", str(config), "enqueue", "--status"), *fragments)
    assert turn_db.snapshot() == before  # no heartbeat, no sites entry, leader untouched
    assert not (turn_db.folder / "ran").exists()


def test_a_corrupt_own_heartbeat_or_sites_document(gasp: GaspRunner, turn_db: TurnDatabase) -> None:
    config = turn_db.config_file()
    args = ["-c", str(config), "enqueue", "alpha", *FAST, "--", *_marker_command(turn_db.folder)]
    turn_db.db.put({"_id": "enqueue_heartbeat:alpha", "type": "enqueue_heartbeat", "beat": "x"})
    before = turn_db.snapshot()
    _refused(gasp(*args), "'enqueue_heartbeat:alpha' is corrupt", "beat")
    turn_db.db.put({"_id": "enqueue_sites", "type": "enqueue_sites", "sites": ["a", "a"]})
    _refused(gasp(*args[:3], "beta", *args[4:]), "'enqueue_sites' is corrupt", "twice")
    assert {k: v for k, v in turn_db.snapshot().items() if k != "enqueue_sites"} == before
    assert not (turn_db.folder / "ran").exists()
