"""The calibration lock: set by a PCA/ECA run, blocks later runs until released."""

from __future__ import annotations

from pathlib import Path

import pytest

from gasp.calib.lock import (
    HISTORY_LIMIT,
    blocking_lock,
    calibration_lock,
    calibration_locks,
    release_calibration_lock,
    set_calibration_lock,
)
from gasp.errors import InputError
from gasp.store import Database, open_server
from tests.gasp_runner import GaspRunner


def test_a_calibration_run_blocks_only_later_runs(db: Database) -> None:
    assert blocking_lock(db, 100300) is None
    set_calibration_lock(db, "PCA", 100200)
    lock = blocking_lock(db, 100201)
    assert lock is not None and (lock.calib_type, lock.run, lock.status) == (
        "PCA",
        100200,
        "locked",
    )
    assert blocking_lock(db, 100200) is None and blocking_lock(db, 100100) is None
    doc = db.get("calib_lock:PCA")
    assert doc["type"] == "calib_lock" and doc["released"] is None
    assert [e["action"] for e in doc["history"]] == ["locked"]


def test_setting_is_idempotent_and_moves_only_forward(db: Database) -> None:
    set_calibration_lock(db, "PCA", 100200)
    rev = db.get("calib_lock:PCA")["_rev"]
    set_calibration_lock(db, "PCA", 100200)
    set_calibration_lock(db, "PCA", 100150)  # an older calibration run: nothing changes
    assert db.get("calib_lock:PCA")["_rev"] == rev
    set_calibration_lock(db, "PCA", 100250)
    lock = calibration_lock(db, "PCA")
    assert lock is not None and lock.run == 100250 and lock.locked
    assert [e.action for e in lock.history] == ["locked", "moved"]


def test_release_lets_later_runs_through_until_a_newer_calibration(db: Database) -> None:
    set_calibration_lock(db, "ECA", 100200)
    released = release_calibration_lock(db, "ECA")
    assert released.status == "released" and released.released is not None
    assert blocking_lock(db, 100500) is None
    set_calibration_lock(db, "ECA", 100200)  # resubmitting the same run does not re-lock
    assert blocking_lock(db, 100500) is None
    again = release_calibration_lock(db, "ECA")  # not locked: unchanged
    assert again.rev == released.rev
    set_calibration_lock(db, "ECA", 100400)
    lock = blocking_lock(db, 100500)
    assert lock is not None and lock.run == 100400
    assert [e.action for e in lock.history] == ["locked", "released", "locked"]


def test_the_earliest_of_several_locks_blocks(db: Database) -> None:
    set_calibration_lock(db, "ECA", 100300)
    set_calibration_lock(db, "PCA", 100200)
    lock = blocking_lock(db, 100400)
    assert lock is not None and lock.calib_type == "PCA"
    assert [lock.calib_type for lock in calibration_locks(db)] == ["PCA", "ECA"]


def test_history_is_capped(db: Database) -> None:
    for run in range(HISTORY_LIMIT + 5):
        set_calibration_lock(db, "PCA", 100000 + run)
    assert len(db.get("calib_lock:PCA")["history"]) == HISTORY_LIMIT


def test_unknown_types_are_refused(db: Database) -> None:
    with pytest.raises(InputError, match="unknown calibration type 'Physics'"):
        set_calibration_lock(db, "Physics", 100)
    with pytest.raises(InputError, match="no PCA calibration lock has ever been set"):
        release_calibration_lock(db, "PCA")


def test_calib_commands(gasp: GaspRunner, tmp_path: Path) -> None:
    assert gasp("db", "init").returncode == 0
    empty = gasp("calib", "status")
    assert empty.returncode == 0 and empty.stdout.count("never set") == 2
    never = gasp("calib", "release", "PCA")
    assert never.returncode == 0 and "no PCA calibration lock has been set" in never.stdout
    server = open_server(f"sqlite:{tmp_path / 'gasp-data'}")
    try:
        set_calibration_lock(server.database("processing"), "PCA", 100200)
    finally:
        server.close()
    status = gasp("calib", "status")
    assert status.returncode == 0 and "runs after 100200 wait" in status.stdout
    released = gasp("calib", "release", "PCA")
    assert released.returncode == 0, released.stderr
    assert "released the PCA lock: runs after 100200 may be processed" in released.stdout
    twice = gasp("calib", "release", "PCA")
    assert twice.returncode == 0 and "is not locked; nothing to do" in twice.stdout
    assert "released" in gasp("calib", "status").stdout
    bad = gasp("calib", "release", "TELLIE")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "gasp: error: unknown calibration type 'TELLIE': expected one of PCA, ECA"
    )
