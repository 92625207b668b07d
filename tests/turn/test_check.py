"""``gasp enqueue --check``, and what people see of a turn from outside: real processes.

* inside a running turn the check exits 0 (the example multi-step script runs every step);
  with the token of a turn that has passed it exits 1 and says why in one line; without a
  usable turn to check it is bad input (exit 2).
* ``--status`` shows the site running the command as ``executing`` and holding the turn
  at once, not a heartbeat delay later, and the others ``waiting``, with their ages.
* a site whose enqueue is frozen (SIGSTOP) past the stale limit: its command, still
  running, checks and gets 1 once the turn has moved on; the woken enqueue logs the gap it
  really had, at least as long as it was frozen (not the length of its lease).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.gasp_runner import GaspRunner
from tests.turn.conftest import (
    DELAY_S,
    STALE_S,
    TIMING_OPTIONS,
    Sites,
    TurnDatabase,
    clean_environment,
    wait_for,
)
from tests.turn.test_bad_input import _refused

EXAMPLE = Path(__file__).parents[2] / "examples" / "enqueue-step.sh"
GASP = f"{sys.executable} -m gasp"


def _status(config: Path) -> str:
    shown = subprocess.run(
        [sys.executable, "-m", "gasp", "-c", str(config), "enqueue", "--status"],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def _rows(status: str) -> dict[str, list[str]]:
    """site -> [state, beats, holds turn, last heartbeat, age here, active]."""
    lines = status.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("site "))
    return {line.split()[0]: line.split()[1:] for line in lines[start + 1 :]}


def test_check_passes_inside_the_turn_and_fails_once_it_has_passed(
    gasp: GaspRunner, turn_db: TurnDatabase
) -> None:
    config = turn_db.config_file()
    out = turn_db.folder / "out"
    env = {"GASP_CONFIG": str(config), "GASP": GASP}
    ran = gasp("enqueue", "alpha", *TIMING_OPTIONS, "--", "sh", str(EXAMPLE), str(out), env=env)
    assert ran.returncode == 0, ran.stderr
    assert (out / "turn-1.txt").read_text().strip()  # every step ran: each check said 0
    assert not (out / "turn-1.txt.tmp").exists()
    site, number, token = (out / "turns.log").read_text().split()
    assert (site, number) == ("alpha", "1")

    # The turn is over (the site resigned on its way out): its token no longer holds.
    late = gasp("-c", str(config), "enqueue", "--check", env={"GASP_TURN_TOKEN": token})
    assert late.returncode == 1, late.stderr
    assert late.stderr.strip().splitlines() == [
        "gasp enqueue --check: turn ? of ? is no longer current (nobody holds it)"
    ]


@pytest.mark.parametrize(
    ("arguments", "env", "fragments"),
    [
        ([], {}, ["GASP_TURN_TOKEN is not set"]),
        ([], {"GASP_TURN_TOKEN": "x" * 32}, ["not a turn token", "'xxx"]),
        (["alpha"], {"GASP_TURN_TOKEN": "a" * 32}, ["--check takes no SITE and no command"]),
        (["--status"], {"GASP_TURN_TOKEN": "a" * 32}, ["--check takes no --status"]),
        (["--repeat"], {"GASP_TURN_TOKEN": "a" * 32}, ["--check takes no --repeat"]),
        (
            [],
            {"GASP_TURN_TOKEN": "a" * 32, "GASP_TURN_DATABASE": "elsewhere"},
            ["database 'elsewhere'", "configuration does not name"],
        ),
        (
            ["--leader-doc", "other_leader"],
            {"GASP_TURN_TOKEN": "a" * 32, "GASP_TURN_LEADER_DOC": "enqueue_leader"},
            ["--leader-doc 'other_leader' is not the turn's leader document"],
        ),
    ],
)
def test_check_without_a_turn_to_check_is_bad_input(
    gasp: GaspRunner,
    turn_db: TurnDatabase,
    arguments: list[str],
    env: dict[str, str],
    fragments: list[str],
) -> None:
    config = turn_db.config_file()
    _refused(gasp("-c", str(config), "enqueue", "--check", *arguments, env=env), *fragments)


@pytest.mark.slow
def test_status_shows_the_executing_site_at_once(turn_db: TurnDatabase, sites: Sites) -> None:
    # A heartbeat delay of 6 s: "executing" must not wait for the next beat to show.
    slow = ("--heartbeat-delay", "0.1", "--heartbeat-stale", "0.4")
    config = turn_db.config_file()
    for name in ("alpha", "beta"):
        sites.start(name, config, ["sleep", "60"], *slow)
    started = wait_for(
        lambda: [s for s in sites.started.values() if "started pid" in s.stderr()],
        20,
        "a command to start",
    )
    logged = time.monotonic()
    holder = started[0].name
    doc = turn_db.leader()
    assert doc is not None and doc.executing == holder
    other = "beta" if holder == "alpha" else "alpha"

    wait_for(
        lambda: turn_db.db.get_many([f"enqueue_heartbeat:{holder}"])[0]["state"] == "executing",
        10,
        "the holder's heartbeat to say executing",
    )
    assert time.monotonic() - logged < 3.0, "published only with the next beat (6 s later)"
    wait_for(lambda: other in turn_db.db.get("enqueue_sites")["sites"], 10, "both sites listed")
    rows = _rows(_status(config))
    assert rows[holder][0] == "executing" and rows[holder][2] == str(doc.turn), rows
    assert rows[other][0] == "waiting" and rows[other][2] == "-"
    for row in rows.values():
        assert re.fullmatch(r"-?\d+\.\ds", row[4]), row  # the age of its heartbeat
    statuses = sites.stop_all()
    assert set(statuses.values()) == {128 + signal.SIGTERM}


@pytest.mark.slow
def test_a_frozen_sites_command_fails_its_check_and_the_gap_is_logged(
    turn_db: TurnDatabase, sites: Sites
) -> None:
    config = turn_db.config_file()
    checks = turn_db.folder / "checks.txt"
    sleep_s = STALE_S + 2 * DELAY_S + 1.3  # past the moment the turn has surely moved on
    script = (
        f'sleep {sleep_s}; {GASP} -c "$1" enqueue --check 2>>"$2.err"; '
        'echo "$GASP_TURN_SITE $GASP_TURN_NUMBER $?" >> "$2"'
    )
    for name in ("alpha", "beta"):
        sites.start(name, config, ["sh", "-c", script, "sh", str(config), str(checks)])
    first = wait_for(
        lambda: [s for s in sites.started.values() if "turn 1: started pid" in s.stderr()],
        20,
        "the first turn",
        0.01,
    )[0]
    os.kill(first.process.pid, signal.SIGSTOP)  # the enqueue alone: its command runs on
    frozen_at = time.monotonic()
    wait_for(lambda: checks.exists() and checks.read_text(), sleep_s + 5, "the frozen check")
    os.kill(first.process.pid, signal.SIGCONT)
    frozen_s = time.monotonic() - frozen_at

    assert checks.read_text().splitlines()[0] == f"{first.name} 1 1"
    reason = Path(f"{checks}.err").read_text().strip().splitlines()
    assert len(reason) == 1 and reason[0].startswith(
        f"gasp enqueue --check: turn 1 of {first.name} is no longer current ("
    ), reason
    gap = wait_for(
        lambda: re.search(r"no heartbeat for ([\d.]+) s \(lease ([\d.]+) s\)", first.stderr()),
        10,
        "the woken enqueue to report its gap",
    )
    assert float(gap.group(1)) >= frozen_s - 0.1, (gap.group(0), frozen_s)  # 1 decimal shown
    assert float(gap.group(2)) == STALE_S - DELAY_S
    # The other site's command, inside its own turn, passes the same check.
    wait_for(lambda: len(checks.read_text().splitlines()) >= 2, 2 * sleep_s, "a second check")
    second = checks.read_text().splitlines()[1].split()
    assert second[0] != first.name and second[2] == "0", second
    sites.stop_all()
    for site in sites.started.values():
        assert "Traceback" not in site.stderr()
