"""Five real sites, with skewed clocks, take turns at one command; leader and executor die.

Each site is a real ``gasp enqueue --repeat`` process looping a command that records when
it starts and ends (``recorder.py``). Their wall clocks are skewed by up to 5 s either
way, more than the 3 s stale limit, so a turn that compared timestamps would misjudge
them. The run:

1. all five take turns for a while: every site gets turns;
2. ``kill -9`` the leader: another site becomes leader (time measured);
3. ``kill -9`` the site executing the command, mid-command: the command dies with it
   and the turn moves on (time measured);
4. the three survivors keep taking turns.

Throughout, no two recorded intervals overlap and no turn ran its command twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.turn.conftest import (
    DELAY_S,
    RECORDER,
    STALE_S,
    Sites,
    TurnDatabase,
    assert_no_overlap,
    clean_environment,
    pid_alive,
    read_intervals,
    wait_for,
)

OFFSETS = {"site-a": -5.0, "site-b": -2.5, "site-c": 0.0, "site-d": 2.5, "site-e": 5.0}
COMMAND_S = 0.4
NORMAL_RUN_S = 25.0
SLACK_S = 1.0  # process scheduling on a busy 2-core machine


@pytest.mark.slow
def test_five_sites_take_turns_exclusively_through_deaths_and_skew(
    turn_db: TurnDatabase, sites: Sites, backend: str
) -> None:
    record = turn_db.folder / "record.txt"
    config = turn_db.config_file()
    command = [sys.executable, str(RECORDER), str(record), str(COMMAND_S)]
    began = time.time()
    for name, offset in OFFSETS.items():
        sites.start(name, config, command, "--clock-offset", str(offset))

    died: dict[str, float] = {}

    def kill(name: str) -> None:
        """kill -9 a site's enqueue; its command must die with it (noted when seen dead)."""
        os.kill(sites.started[name].process.pid, signal.SIGKILL)
        time.sleep(0.2)  # a start line written before the command died is on disk by now
        for pid in [i.pid for i in read_intervals(record).values() if i.site == name and not i.end]:
            wait_for(lambda: not pid_alive(pid), 2, f"its command {pid} to die with it")  # noqa: B023
        died[name] = time.time()

    def turns(since: float = 0.0) -> dict[str, int]:
        done = [i for i in read_intervals(record).values() if i.end and i.start > since]
        return {name: sum(i.site == name for i in done) for name in OFFSETS}

    # 1. Every site gets turns.
    wait_for(lambda: min(turns().values()) >= 2, 60, "two turns for every site")
    time.sleep(max(0.0, began + NORMAL_RUN_S - time.time()))
    status = sites.started["site-c"]  # any site's config reads the same database
    assert status.process.poll() is None
    doc = turn_db.leader()
    assert doc is not None and doc.active == sorted(OFFSETS)  # skew made nobody look dead
    beats = {
        name: turn_db.db.get(f"enqueue_heartbeat:{name}")["at"] for name in ("site-a", "site-e")
    }
    assert beats["site-a"] < beats["site-e"]  # the offsets are in force (10 s apart)

    # 2. kill -9 the leader.
    leader = doc.leader
    assert leader is not None
    killed_leader = time.monotonic()
    kill(leader)
    new_doc = wait_for(
        lambda: (d := turn_db.leader()) and d.leader not in (leader, None) and d,
        STALE_S + 2 * DELAY_S + 5,
        "a new leader",
    )
    leader_takeover = time.monotonic() - killed_leader

    # 3. kill -9 the executing site while its command runs (not the new leader).
    def executing_mid_command() -> tuple[str, int] | None:
        current = turn_db.leader()
        if current is None or current.executing in (None, current.leader):
            return None
        interval = read_intervals(record).get(str(current.token))
        if interval is None or interval.end is not None:
            return None
        return str(current.executing), interval.pid

    victim, victim_command = wait_for(executing_mid_command, 30, "a site mid-command", 0.01)
    killed_executing = time.monotonic()
    kill(victim)
    assert not pid_alive(victim_command)
    wait_for(
        lambda: (d := turn_db.leader()) and d.executing != victim,
        STALE_S + 2 * DELAY_S + 5,
        "the turn to move on",
    )
    turn_moved = time.monotonic() - killed_executing

    # 4. The survivors keep taking turns.
    survivors = [n for n in OFFSETS if n not in (leader, victim)]
    after = time.time()
    wait_for(lambda: all(turns(after)[n] >= 1 for n in survivors), 30, "turns for the survivors")
    shown = subprocess.run(
        [sys.executable, "-m", "gasp", "-c", str(config), "enqueue", "--status"],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
        check=False,
    )
    statuses = sites.stop_all()
    stopped = time.time()
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[1].startswith(f"leader:    {new_doc.leader} (term {new_doc.term},")
    assert lines[2].startswith("executing: site-")
    rows = {line.split()[0]: line.split() for line in lines[4:]}
    assert sorted(rows) == sorted(OFFSETS)
    for name, row in rows.items():
        assert row[-1] == ("no" if name in (leader, victim) else "yes"), shown.stdout

    intervals = list(read_intervals(record).values())
    cut_short = [i for i in intervals if i.end is None]
    for interval in cut_short:
        if interval.site in died:  # killed with its enqueue: dead when we looked
            interval.end = died[interval.site]
        else:  # ended by its enqueue when the test stopped the sites (one by one: a
            # site may start a turn while an earlier one is being stopped)
            assert interval.start < stopped, interval
            interval.end = stopped
    assert len(cut_short) <= 3, cut_short
    assert_no_overlap(intervals)
    per_site = turns()
    assert min(per_site.values()) >= 2, per_site
    for name in survivors:
        assert statuses[name] == 128 + signal.SIGTERM, sites.started[name].stderr()
        assert "Traceback" not in sites.started[name].stderr()
    assert new_doc.term >= 2
    print(
        f"\n{backend}: {len(intervals)} turns in {time.time() - began:.0f} s, per site "
        f"{per_site}; leader {leader} killed -> {new_doc.leader} leads after "
        f"{leader_takeover:.2f} s; executing {victim} killed -> turn moved after "
        f"{turn_moved:.2f} s (stale {STALE_S:g} s, delay {DELAY_S:g} s)"
    )
    # Never before the stale limit (minus the beat the victim may have just written)...
    assert leader_takeover >= STALE_S - DELAY_S
    assert turn_moved >= STALE_S - DELAY_S
    # ...and within stale + 2 delays (a judge reads once per delay, out of phase).
    assert leader_takeover <= STALE_S + 2 * DELAY_S + SLACK_S
    assert turn_moved <= STALE_S + 2 * DELAY_S + SLACK_S
