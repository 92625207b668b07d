"""Times in stored documents come from other writers: a corrupt one must not stop a cycle.

What each means (``gasp/client/release.py``, ``claims.py``): a claim whose ``lock.since``
cannot be read counts as stuck, a site whose ``heartbeat`` cannot be read as silent, and a
``not_before`` that cannot be read is no back-off. Also the clock helper itself, and the
stored state names against the state enums.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest

from gasp.client.release import release_stuck
from gasp.model.clock import format_time, parse_time, read_time, utc_now
from gasp.model.documents import KINDS, check_kind
from gasp.model.states import (
    PassState,
    PassStateName,
    SubjobState,
    SubjobStateName,
    pass_state_name,
)
from gasp.store import Database
from tests.client.conftest import Campaign

REQUEST = {
    "rat_v": "1.0.0",
    "modules": [{"module": "ScintPo210", "t_run": 1, "t_format": "hour", "n_runs": 3}],
}
# Not a time; a time whose conversion to UTC overflows; a number.
CORRUPT: tuple[Any, ...] = ("yesterday", "0001-01-01T00:00:00+01:00", 12345)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _edit_jobs(db: Database, edit: Callable[[dict[str, Any]], None]) -> None:
    for row in list(db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)):
        assert row.doc is not None
        for pass_doc in row.doc["passes"]:
            edit(pass_doc)
        db.put(row.doc)


@pytest.mark.parametrize("since", CORRUPT)
def test_a_claim_whose_time_cannot_be_read_counts_as_stuck(campaign: Campaign, since: Any) -> None:
    campaign.submit(REQUEST)
    clock = Clock()
    config = campaign.site_config("alpha", backend={"name": "noop"}, limits={"stuck_hours": 1})
    alpha = campaign.client(config, clock=clock)
    alpha.submit_only = True
    assert alpha.cycle().claimed == 3
    assert release_stuck(alpha.ctx) == 0  # claimed just now

    def corrupt(pass_doc: dict[str, Any]) -> None:
        pass_doc["lock"]["since"] = since

    _edit_jobs(campaign.db, corrupt)
    assert release_stuck(alpha.ctx) == 3
    passes = campaign.passes().values()
    assert {(p["status"], p["attempt"], p["lock"]) for p in passes} == {("waiting", 2, None)}


@pytest.mark.parametrize("beat", CORRUPT)
def test_a_site_whose_heartbeat_cannot_be_read_counts_as_silent(
    campaign: Campaign, beat: Any
) -> None:
    campaign.submit(REQUEST)
    clock = Clock()
    alpha = campaign.client(campaign.site_config("alpha", backend={"name": "noop"}), clock=clock)
    alpha.submit_only = True
    assert alpha.cycle().claimed == 3
    beta = campaign.client(campaign.site_config("beta", backend={"name": "noop"}), clock=clock)
    assert beta.cycle().released == 0  # alpha's heartbeat is fresh
    site = campaign.db.get("site:alpha")
    site["heartbeat"] = beat
    campaign.db.put(site)
    report = beta.cycle()
    assert report.released == 3 and report.claimed == 3
    assert {p["lock"]["site"] for p in campaign.passes().values()} == {"beta"}


@pytest.mark.parametrize("not_before", CORRUPT)
def test_a_back_off_that_cannot_be_read_does_not_hold_a_pass(
    campaign: Campaign, not_before: Any
) -> None:
    campaign.submit(REQUEST)

    def corrupt(pass_doc: dict[str, Any]) -> None:
        pass_doc["not_before"] = not_before

    _edit_jobs(campaign.db, corrupt)
    alpha = campaign.client(campaign.site_config("alpha", backend={"name": "noop"}))
    alpha.submit_only = True
    assert alpha.cycle().claimed == 3
    assert not any("not_before" in p for p in campaign.passes().values())


def test_a_back_off_still_holds_a_pass_until_its_time(campaign: Campaign) -> None:
    campaign.submit(REQUEST)
    clock = Clock()
    later = format_time(clock.now + timedelta(minutes=5))

    def back_off(pass_doc: dict[str, Any]) -> None:
        pass_doc["not_before"] = later

    _edit_jobs(campaign.db, back_off)
    alpha = campaign.client(campaign.site_config("alpha", backend={"name": "noop"}), clock=clock)
    alpha.submit_only = True
    assert alpha.cycle().claimed == 0
    clock.now += timedelta(minutes=6)
    assert alpha.cycle().claimed == 3


def test_the_clock_writes_one_format_and_reads_it_back() -> None:
    moment = datetime(2026, 1, 5, 10, 15, 0, 123456, tzinfo=UTC)
    assert format_time(moment) == "2026-01-05T10:15:00.123456Z"
    assert parse_time(format_time(moment)) == moment
    assert read_time(format_time(moment)) == moment
    assert parse_time(utc_now()).tzinfo is not None
    for value in (*CORRUPT, None, ""):
        assert read_time(value) is None
    with pytest.raises(ValueError):
        parse_time("0001-01-01T00:00:00+01:00")  # overflows in UTC: a ValueError, no crash


def test_stored_state_names_are_the_states() -> None:
    assert set(get_args(PassStateName)) == {str(s) for s in PassState}
    assert set(get_args(SubjobStateName)) == {str(s) for s in SubjobState}
    assert pass_state_name(PassState.PART_FAIL) == "partFail"


def test_a_kind_is_production_or_processing() -> None:
    assert KINDS == ("production", "processing")
    assert [check_kind(k) for k in KINDS] == list(KINDS)
    with pytest.raises(ValueError, match="unknown kind"):
        check_kind("Production")
