"""The enqueue loop of several sites in one process, on the real store, with a test clock.

Each test drives the sites' heartbeats itself and moves one shared time forward (no
patching, no sleeping), so the timing claims of the design are checked exactly: when a
leader is replaced, when a lease ends, what a gap in heartbeats does.
"""

from __future__ import annotations

from gasp.errors import InputError
from gasp.store import Database
from gasp.turn.documents import LeaderDoc, TurnDocuments, parse_document
from gasp.turn.election import stand
from gasp.turn.state import join_sites, put_leader
from tests.turn.fakes import TIMING, Cuttable, Fleet

DELAY, STALE, LEASE = TIMING.delay_s, TIMING.stale_s, TIMING.lease_s


def _leader(db: Database) -> LeaderDoc:
    raw = db.get_many(["enqueue_leader"])[0]
    assert raw is not None
    return parse_document(LeaderDoc, raw)


def _starts(fleet: Fleet) -> list[tuple[float, str]]:
    """(start time, site) of every command started, in order."""
    return sorted(
        (run.ends_at - launcher.duration, name)
        for name, launcher in fleet.launchers.items()
        for run in launcher.started
    )


def test_one_leader_and_turns_in_name_order_one_at_a_time(db: Database) -> None:
    fleet = Fleet(db)
    for name in ("gamma", "alpha", "beta"):
        fleet.add(name)
    for _ in range(30):
        fleet.step()
        assert len(fleet.running()) <= 1, fleet.running()
    order = [name for _, name in _starts(fleet)]
    assert len(order) >= 9
    assert order == (["alpha", "beta", "gamma"] * 10)[: len(order)]
    doc = _leader(db)
    assert (doc.leader, doc.term, doc.active) == ("gamma", 1, ["alpha", "beta", "gamma"])
    envs = [run.env for launcher in fleet.launchers.values() for run in launcher.started]
    assert len({env["GASP_TURN_TOKEN"] for env in envs}) == len(envs)  # never reused
    first = fleet.launchers["alpha"].started[0].env
    assert first["GASP_TURN_SITE"] == "alpha" and first["GASP_TURN_DATABASE"] == db.name
    assert first["GASP_TURN_LEADER_DOC"] == "enqueue_leader" and first["GASP_TURN_NUMBER"] == "1"


def test_of_simultaneous_stands_exactly_one_write_wins(db: Database) -> None:
    names = TurnDocuments()
    first, second = (stand(None, names, s, "2026-11-22T12:00:00Z") for s in ("a", "b"))
    assert put_leader(db, first) is not None
    assert put_leader(db, second) is None  # created meanwhile: conflict
    read = _leader(db)
    contenders = [stand(read, names, s, "2026-11-22T12:00:01Z") for s in ("b", "c")]
    outcomes = [put_leader(db, doc) for doc in contenders]
    assert [o is not None for o in outcomes] == [True, False]
    assert (_leader(db).leader, _leader(db).term) == ("b", 2)


def test_a_dead_leader_is_replaced_after_the_stale_limit_and_not_before(db: Database) -> None:
    fleet = Fleet(db)
    for name in ("gamma", "alpha", "beta"):
        fleet.add(name)
    for _ in range(4):
        fleet.step()
    assert _leader(db).leader == "gamma"
    last_beat = fleet.world.now - 1.0  # gamma's last tick was in the last step
    while _leader(db).leader == "gamma":
        fleet.step(["alpha", "beta"], seconds=0.25)
        assert fleet.world.now - last_beat < STALE + 2 * DELAY + 1, "no new leader"
    took = fleet.world.now - 0.25 - last_beat
    assert STALE < took <= STALE + 2 * DELAY, took
    doc = _leader(db)
    assert doc.leader in ("alpha", "beta") and doc.term == 2 and "gamma" not in doc.active
    assert any("elected leader, term 2 (leader gamma is inactive)" in line for line in fleet.lines)


def test_wall_clock_skew_of_hours_changes_nothing(db: Database) -> None:
    fleet = Fleet(db)
    for name, offset in (("alpha", -3600.0), ("beta", 0.0), ("gamma", 3600.0)):
        fleet.add(name, offset_s=offset)
    for _ in range(40):
        fleet.step()
        assert len(fleet.running()) <= 1
        doc = _leader(db)
        assert doc.active in ([], ["alpha", "beta", "gamma"])  # nobody ever judged dead
    doc = _leader(db)
    assert doc.term == 1  # the leader was never replaced
    per_site = [name for _, name in _starts(fleet)]
    assert min(per_site.count(s) for s in ("alpha", "beta", "gamma")) >= 4
    beats = {s: e.heartbeat for s, e in fleet.sites.items()}
    assert beats["alpha"] is not None and beats["gamma"] is not None
    # A judge comparing timestamps would have called alpha two hours dead.
    assert beats["alpha"].at[:13] != beats["gamma"].at[:13]


def test_a_site_cut_off_from_the_store_stops_its_command_before_anyone_moves_its_turn(
    db: Database,
) -> None:
    fleet = Fleet(db)
    cut = Cuttable(db)
    fleet.add("beta")
    fleet.add("alpha", db=cut, duration=1000.0)  # a command that would run for ever
    while not fleet.launchers["alpha"].started:
        fleet.step(seconds=0.25)
    command = fleet.launchers["alpha"].started[0]
    token = command.env["GASP_TURN_TOKEN"]
    cut.cut = True
    last_good = fleet.sites["alpha"].last_beat
    assert last_good is not None
    moved_at = None
    while moved_at is None:
        fleet.step(seconds=0.25)
        if _leader(db).token != token:
            moved_at = fleet.world.now - 0.25
    assert command.terminated_at is not None, "the command ran on after its lease"
    assert command.terminated_at - last_good <= LEASE + 0.25
    assert command.terminated_at < moved_at  # stopped before the turn moved
    assert moved_at - last_good > STALE
    gap = f"no heartbeat for {command.terminated_at - last_good:.1f} s (lease {LEASE:g} s)"
    assert any(f"{gap}: lease expired" in line for line in fleet.lines), fleet.lines  # measured
    cut.cut = False
    for _ in range(8):
        fleet.step()
    later = fleet.launchers["alpha"].started[1:]
    assert all(run.env["GASP_TURN_TOKEN"] != token for run in later)


def test_after_a_gap_in_its_heartbeats_a_site_gives_its_turn_back_unused(db: Database) -> None:
    fleet = Fleet(db)
    fleet.add("beta")
    fleet.add("alpha")
    fleet.step(["beta"])  # beta leads and gives alpha the first turn...
    doc = _leader(db)
    assert (doc.leader, doc.executing) == ("beta", "alpha")
    fleet.world.now += LEASE + 0.5 - 1.0  # ...but alpha is frozen a while before it looks
    fleet.step(["alpha"], seconds=0.0)
    assert not fleet.launchers["alpha"].started  # not run under a turn it may be losing
    gap = "heartbeat gap of 2.5 s: turn 1 given back"  # the gap itself, longer than the lease
    assert any(gap in line for line in fleet.lines), fleet.lines
    fleet.step(["beta"], seconds=0.0)
    doc = _leader(db)
    assert (doc.executing, doc.turn) == ("beta", 2)  # moved on at once, not after stale
    assert any("turn 2 to beta (alpha is done)" in line for line in fleet.lines)


def test_a_restarted_site_gives_back_the_turn_of_its_earlier_process(db: Database) -> None:
    fleet = Fleet(db)
    fleet.add("beta")
    fleet.add("alpha", duration=1000.0)
    while not fleet.launchers["alpha"].started:
        fleet.step()
    del fleet.sites["alpha"]  # the process dies (its command with it)...
    fleet.add("alpha")  # ...and the site's next enqueue starts
    assert any("turn 1 was this site's before it started: given back" in x for x in fleet.lines)
    fleet.step(["beta"])
    doc = _leader(db)
    assert (doc.executing, doc.turn) == ("beta", 2)


def test_a_clean_stop_hands_over_leadership_and_the_turn_at_once(db: Database) -> None:
    fleet = Fleet(db)
    fleet.add("alpha", duration=1000.0)
    fleet.add("beta")
    fleet.step()
    assert (_leader(db).leader, _leader(db).executing) == ("alpha", "alpha")
    alpha = fleet.sites.pop("alpha")
    alpha.stop_signal = 15
    alpha.leave()
    assert fleet.launchers["alpha"].started[0].terminated_at is not None
    doc = _leader(db)
    assert (doc.leader, doc.executing) == (None, "beta")
    fleet.step(["beta"])
    assert (_leader(db).leader, _leader(db).term) == ("beta", 2)


def test_a_second_process_for_the_same_site_is_refused(db: Database) -> None:
    fleet = Fleet(db)
    first = fleet.add("alpha")
    fleet.step()
    fleet.sites["alpha-again"] = fleet.add("alpha")  # a second enqueue as site alpha
    try:
        first.tick()
    except InputError as exc:
        assert "another gasp enqueue is running as site alpha" in str(exc)
    else:
        raise AssertionError("the first process kept beating as alpha")


def test_a_corrupt_heartbeat_sidelines_only_its_own_site(db: Database) -> None:
    join_sites(db, TurnDocuments(), "zeta")
    db.put({"_id": "enqueue_heartbeat:zeta", "type": "enqueue_heartbeat", "site": "zeta"})
    fleet = Fleet(db)
    fleet.add("alpha")
    fleet.add("beta")
    for _ in range(12):
        fleet.step()
    assert {name for _, name in _starts(fleet)} == {"alpha", "beta"}
    assert "zeta" not in _leader(db).active
    assert sum("ignoring site zeta" in line for line in fleet.lines) == 2  # once per site
