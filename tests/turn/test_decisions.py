"""The turn's pure parts: documents, timing, staleness, election and turn decisions."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gasp.errors import InputError
from gasp.turn.documents import HeartbeatDoc, LeaderDoc, SitesDoc, TurnDocuments, parse_document
from gasp.turn.election import stand, why_stand
from gasp.turn.rotation import SiteView, next_site, plan_turn
from gasp.turn.staleness import Observer
from gasp.turn.state import TurnState
from gasp.turn.status import status_lines
from gasp.turn.timing import Timing
from gasp.values import MAX_WAIT_S, parse_timestamp

NOW = "2026-11-22T12:00:00.000000Z"


def _heartbeat(site: str, state: str = "waiting", done: str | None = None) -> HeartbeatDoc:
    return HeartbeatDoc(
        id=f"enqueue_heartbeat:{site}",
        site=site,
        beat=1,
        at=NOW,
        state=state,  # type: ignore[arg-type]
        done=done,
        instance="i",
        delay_s=1,
        stale_s=3,
    )


def _token_factory() -> Callable[[], str]:
    """Tokens 1, 2, 3... as 32 hex digits, so a test knows which one comes next."""
    counter = itertools.count(1)
    return lambda: f"{next(counter):032x}"


def _leader(**fields: object) -> LeaderDoc:
    return LeaderDoc(id="enqueue_leader", sites_doc="enqueue_sites", leader="a", **fields)  # type: ignore[arg-type]


def test_next_site_goes_round_in_name_order() -> None:
    assert next_site(None, ["c", "a", "b"]) == "a"
    assert next_site("a", ["c", "a", "b"]) == "b"
    assert next_site("c", ["c", "a", "b"]) == "a"  # wraps round
    assert next_site("b", ["a", "b"]) == "a"
    assert next_site("bb", ["a", "c"]) == "c"  # the one after, even if bb is gone
    assert next_site("a", ["a"]) == "a"  # alone: again
    assert next_site("a", []) is None


def test_the_turn_stays_while_the_executing_site_runs() -> None:
    doc = _leader(executing="b", token="0" * 32, turn=4, active=["a", "b", "c"])
    views = {
        s: SiteView(True, _heartbeat(s, "executing" if s == "b" else "waiting")) for s in "abc"
    }
    planned, note = plan_turn(doc, views, new_token=_token_factory(), now=NOW)
    assert planned is doc and note is None  # nothing to write at all


@pytest.mark.parametrize(
    ("b_view", "why"),
    [
        (SiteView(True, _heartbeat("b", done="0" * 32)), "b is done"),
        (SiteView(False, _heartbeat("b", "executing")), "b is inactive"),
        (SiteView(True, _heartbeat("b", "stopped")), "b stopped"),
        (SiteView(False, None), "b has no heartbeat"),
    ],
)
def test_the_turn_moves_on_to_the_next_waiting_site(b_view: SiteView, why: str) -> None:
    doc = _leader(executing="b", token="0" * 32, turn=4, active=["a", "b", "c", "d"])
    views = {
        "a": SiteView(True, _heartbeat("a")),
        "b": b_view,
        "c": SiteView(False, _heartbeat("c")),  # inactive: skipped
        "d": SiteView(True, _heartbeat("d")),
    }
    planned, note = plan_turn(doc, views, new_token=_token_factory(), now=NOW)
    assert (planned.executing, planned.turn, planned.previous) == ("d", 5, "b")
    assert planned.token == f"{1:032x}" and planned.since == NOW
    assert note == f"turn 5 to d ({why})"
    assert planned.active == sorted(s for s, v in views.items() if v.active)


def test_nobody_waiting_leaves_the_turn_empty_and_the_round_continues_later() -> None:
    doc = _leader(executing="b", token="0" * 32, turn=4)
    views = {"a": SiteView(True, _heartbeat("a", "stopped")), "b": SiteView(False, None)}
    planned, note = plan_turn(doc, views, new_token=_token_factory(), now=NOW)
    assert planned.executing is None and planned.token is None and planned.previous == "b"
    assert note == "nobody is waiting (b has no heartbeat)"
    views["c"] = SiteView(True, _heartbeat("c"))
    views["a"] = SiteView(True, _heartbeat("a"))
    again, _ = plan_turn(planned, views, new_token=_token_factory(), now=NOW)
    assert again.executing == "c" and again.turn == 5  # after b, not from the top


def test_a_new_leader_stands_only_when_there_is_no_live_leader() -> None:
    alive = {"a": True, "b": False}.__getitem__
    assert why_stand(None, "c", alive) == "no leader document yet"
    assert why_stand(_leader().model_copy(update={"leader": None}), "c", alive) == "no leader"
    assert why_stand(_leader(), "c", alive) is None  # a is alive
    assert why_stand(_leader(), "a", alive) is None  # it is us
    assert why_stand(_leader().model_copy(update={"leader": "b"}), "c", alive) == (
        "leader b is inactive"
    )
    fresh = stand(None, TurnDocuments(), "c", NOW)
    assert (fresh.id, fresh.leader, fresh.term, fresh.rev) == ("enqueue_leader", "c", 1, None)
    taken = stand(_leader(term=3).model_copy(update={"rev": "7-x"}), TurnDocuments(), "c", NOW)
    assert (taken.leader, taken.term, taken.rev) == ("c", 4, "7-x")  # on the revision read


def test_staleness_is_judged_by_revisions_changing_on_the_judges_own_clock() -> None:
    observer = Observer(stale_s=3.0)
    assert not observer.active("a", 0.0)  # never seen
    observer.observe({"a": "1-x"}, now=10.0)
    assert observer.active("a", 13.0) and not observer.active("a", 13.01)
    observer.observe({"a": "1-x"}, now=12.0)  # the same revision again: no news
    assert observer.age("a", 13.5) == 3.5 and not observer.active("a", 13.5)
    observer.observe({"a": "2-y"}, now=13.5)  # a new beat, whatever time it claims
    assert observer.active("a", 16.5)
    observer.observe({"a": None}, now=17.0)  # its heartbeat is gone
    assert not observer.active("a", 17.0)


def test_timing_refuses_a_stale_limit_that_would_make_live_sites_look_dead() -> None:
    timing = Timing.from_minutes(10, 30, 1)
    assert (timing.delay_s, timing.stale_s, timing.conflict_delay_s) == (600, 1800, 60)
    assert timing.lease_s == 1200 and timing.grace_s == 10
    with pytest.raises(InputError, match="at least 3 x"):
        Timing.from_minutes(10, 25, 1)
    with pytest.raises(InputError, match=r"--conflict-delay \(minutes\) must be a finite"):
        Timing.from_minutes(1, 3, 0)


@settings(max_examples=300, deadline=None)
@given(minutes=st.floats())
def test_timing_takes_only_finite_positive_minutes_up_to_a_year(minutes: float) -> None:
    """``inf`` would be a stale limit that never expires; ``nan`` passes every comparison."""
    year = MAX_WAIT_S / 60
    usable = math.isfinite(minutes) and 0 < minutes <= year
    cases = [
        ("--heartbeat-delay", (minutes, year, 1.0), usable and 3 * minutes <= year),
        ("--heartbeat-stale", (1e-3, minutes, 1.0), usable and minutes >= 3e-3),
        ("--conflict-delay", (1e-3, 1.0, minutes), usable),
    ]
    for option, values, accepted in cases:
        if accepted:
            assert Timing.from_minutes(*values).lease_s > 0
        else:
            with pytest.raises(InputError, match=option):
                Timing.from_minutes(*values)


def test_corrupt_documents_are_refused_with_every_bad_field_on_one_line() -> None:
    raw = {"_id": "enqueue_leader", "type": "enqueue_leader", "sites_doc": "x", "turn": "many"}
    with pytest.raises(InputError) as caught:
        parse_document(LeaderDoc, {**raw, "leader": "has space"})
    message = str(caught.value)
    assert "\n" not in message
    assert "'enqueue_leader' is corrupt" in message and "turn" in message and "leader" in message
    with pytest.raises(InputError, match="'executing' and 'token' must be set together"):
        parse_document(LeaderDoc, {**raw, "turn": 1, "executing": "a"})
    with pytest.raises(InputError, match="type"):
        parse_document(LeaderDoc, {**raw, "turn": 1, "type": "job"})


def _raw_heartbeat(at: Any) -> dict[str, Any]:
    return {**_heartbeat("b").to_document(), "at": at}


@settings(max_examples=300, deadline=None)
@given(
    at=st.one_of(
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z\Z"),
        st.text(max_size=40),
    )
)
def test_a_heartbeat_time_is_a_real_moment_or_the_heartbeat_is_corrupt(at: str) -> None:
    """Year 0, month 13, year 1 with an offset: corrupt documents, never a crash of --status."""
    try:
        heartbeat = parse_document(HeartbeatDoc, _raw_heartbeat(at))
    except InputError as exc:
        assert "'enqueue_heartbeat:b' is corrupt" in str(exc) and "at" in str(exc)
        return
    assert 1970 <= parse_timestamp(heartbeat.at).year <= 9999
    state = TurnState(None, SitesDoc(id="enqueue_sites", sites=["b"]), heartbeats={"b": heartbeat})
    now = parse_timestamp(NOW)
    lines = status_lines(state, TurnDocuments(), "db", now)
    assert any(line.startswith("b ") for line in lines)


def test_site_and_turn_document_names_follow_the_one_name_rule() -> None:
    with pytest.raises(InputError, match="101 characters"):
        TurnDocuments.checked("l" * 101, "s")
    with pytest.raises(InputError, match="--sites-doc: 'a:b' is not a safe name"):
        TurnDocuments.checked("leader", "a:b")
    with pytest.raises(InputError, match="two different documents"):
        TurnDocuments.checked("same", "same")
    assert TurnDocuments.checked("l", "s") == TurnDocuments("l", "s")
    with pytest.raises(InputError, match="is corrupt"):
        parse_document(HeartbeatDoc, {**_raw_heartbeat(NOW), "site": "s" * 101})


def test_heartbeats_belong_to_their_sites_document() -> None:
    assert TurnDocuments().heartbeat_id("a") == "enqueue_heartbeat:a"
    assert TurnDocuments(sites_doc="other").heartbeat_id("a") == "enqueue_heartbeat:other:a"


def test_the_turn_package_exports_only_what_a_command_under_a_turn_needs() -> None:
    import gasp.turn

    assert sorted(gasp.turn.__all__) == ["TurnDocuments", "TurnFence", "turn_environment"]
