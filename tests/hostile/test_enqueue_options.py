"""Hostile ``gasp enqueue`` options and lock documents: exit 2, nothing written, no turn.

Every case names a command that would leave a file named ``ran`` in the site folder if it
ever ran; the harness compares the folder and every document before and after.
"""

from __future__ import annotations

import math
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gasp.cli import cli
from gasp.errors import InputError
from gasp.store import open_server
from gasp.values import MAX_WAIT_S
from tests.hostile.harness import HostileSite, assert_unchanged

MARKER = ["--", sys.executable, "-c", "open('ran', 'w')"]
FAST = ["--heartbeat-delay", "0.01", "--heartbeat-stale", "0.05"]
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("arguments", "mentions"),
    [
        (["alpha", "--heartbeat-stale", "inf"], ["--heartbeat-stale", "finite", "inf"]),
        (["alpha", "--heartbeat-stale", "nan"], ["--heartbeat-stale", "finite", "nan"]),
        (["alpha", "--heartbeat-delay", "-inf"], ["--heartbeat-delay", "finite"]),
        (["alpha", "--heartbeat-delay", "0"], ["--heartbeat-delay", "greater than 0"]),
        (["alpha", "--conflict-delay", "inf"], ["--conflict-delay", "finite"]),
        (["alpha", "--conflict-delay", "1e300"], ["--conflict-delay", "at most"]),
        (["alpha", "--heartbeat-stale", "1e9"], ["--heartbeat-stale", "at most"]),
        (["alpha", "--clock-offset", "nan"], ["--clock-offset"]),
        (["alpha", "--clock-offset", "-1e300"], ["--clock-offset"]),
        (["s" * 101, *FAST], ["site name", "101 characters"]),
        (["../up", *FAST], ["site name", "not a safe name"]),
        (["a:b", *FAST], ["site name", "not a safe name"]),
        (["_hidden", *FAST], ["site name", "not a safe name"]),
        (["alpha", "--leader-doc", "_design/x", *FAST], ["--leader-doc", "'_design/x'"]),
        (["alpha", "--leader-doc", "l" * 101, *FAST], ["--leader-doc", "101 characters"]),
        (["alpha", "--sites-doc", "a b", *FAST], ["--sites-doc", "not a safe name"]),
        (
            ["alpha", "--leader-doc", "lock", "--sites-doc", "lock", *FAST],
            ["--leader-doc and --sites-doc are both 'lock'"],
        ),
    ],
)
def test_bad_enqueue_options_write_nothing(
    site: HostileSite, arguments: list[str], mentions: list[str]
) -> None:
    site.refuses("enqueue", *arguments, *MARKER, mentions=mentions)


@pytest.mark.parametrize(
    ("arguments", "mentions"),
    [
        (["--status", "alpha"], ["--status takes no SITE"]),
        (["--status", *MARKER], ["--status takes no SITE and no command"]),
        (["--status", "--repeat"], ["--status takes no --repeat"]),
        (["--status", "--heartbeat-stale", "5"], ["--status takes no --heartbeat-stale"]),
        (["--status", "--sites-doc", "../x"], ["--sites-doc", "not a safe name"]),
    ],
)
def test_status_refuses_what_it_would_ignore(
    site: HostileSite, arguments: list[str], mentions: list[str]
) -> None:
    site.refuses("enqueue", *arguments, mentions=mentions)


def test_infinite_stale_limit_on_couchdb(couch_site: HostileSite) -> None:
    couch_site.refuses(
        "enqueue", "alpha", "--heartbeat-stale", "inf", *MARKER, mentions=["--heartbeat-stale"]
    )


def _put(site: HostileSite, doc: dict[str, object]) -> None:
    server = open_server(site.store_url)
    try:
        production = next(n for n in server.list_databases() if n.endswith("_prod"))
        server.database(production).put(doc)
    finally:
        server.close()


def _heartbeat(site: str, at: str) -> dict[str, object]:
    return {
        "_id": f"enqueue_heartbeat:{site}",
        "type": "enqueue_heartbeat",
        "site": site,
        "beat": 3,
        "at": at,
        "state": "waiting",
        "instance": "i",
        "delay_s": 1.0,
        "stale_s": 3.0,
    }


@pytest.mark.parametrize(
    "at",
    [
        "0000-01-01T00:00:00Z",  # year 0: no such year
        "0001-01-01T00:00:00+01:00",  # year 1 with an offset: overflows on the way to UTC
        "2024-13-01T00:00:00Z",
        "2024-02-30T12:00:00.5Z",
        "1969-12-31T23:59:59Z",
    ],
)
def test_a_corrupt_heartbeat_time_is_shown_not_a_crash(site: HostileSite, at: str) -> None:
    _put(site, {"_id": "enqueue_sites", "type": "enqueue_sites", "sites": ["alpha", "beta"]})
    _put(site, _heartbeat("beta", at))
    before = site.snapshot()
    result = site.gasp("enqueue", "--status")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    beta = next(line for line in result.stdout.splitlines() if line.startswith("beta"))
    assert "corrupt" in beta and "enqueue_heartbeat:beta" in beta and "at" in beta, beta
    assert_unchanged(before, site.snapshot())


@pytest.mark.parametrize("field", ["since", "elected"])
def test_a_corrupt_leader_time_is_refused_by_name(site: HostileSite, field: str) -> None:
    leader: dict[str, object] = {
        "_id": "enqueue_leader",
        "type": "enqueue_leader",
        "sites_doc": "enqueue_sites",
        "leader": "alpha",
        "executing": "alpha",
        "token": TOKEN,
        "turn": 1,
        "since": "2024-01-01T00:00:00Z",
        "elected": "2024-01-01T00:00:00Z",
    }
    leader[field] = "0000-01-01T00:00:00Z"
    _put(site, leader)
    mentions = ["'enqueue_leader' is corrupt", field, "0000-01-01"]
    site.refuses("enqueue", "--status", mentions=mentions)
    site.refuses("enqueue", "beta", *FAST, *MARKER, mentions=mentions)


def _unusable_minutes(value: float) -> bool:
    return not (math.isfinite(value) and value > 0 and value * 60 <= MAX_WAIT_S)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    option=st.sampled_from(["--heartbeat-delay", "--heartbeat-stale", "--conflict-delay"]),
    minutes=st.floats().filter(_unusable_minutes),
)
def test_any_unusable_timing_is_refused(site: HostileSite, option: str, minutes: float) -> None:
    """In-process for breadth: ``Timing`` refuses before any document is read or written."""
    before = site.snapshot()
    arguments = ["-c", str(site.config), "enqueue", "alpha", option, repr(minutes), *MARKER]
    result = CliRunner().invoke(cli, arguments)
    assert isinstance(result.exception, InputError), (result.exception, result.output)
    assert option in str(result.exception)
    assert_unchanged(before, site.snapshot())
