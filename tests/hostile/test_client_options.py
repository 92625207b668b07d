"""Hostile ``gasp client`` options: refused before the first cycle, so no heartbeat is written.

Before, ``--interval nan`` or ``inf`` passed the range check, the first cycle wrote the
site's heartbeat (and could claim work), and the first sleep crashed; contradicting
options were settled silently (the last claim order won, ``--until-idle`` was ignored).
"""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gasp.cli import cli
from gasp.values import MAX_WAIT_S
from tests.hostile.harness import HostileSite


@pytest.mark.parametrize(
    ("options", "mentions"),
    [
        (["--loop", "--interval", "nan"], ["--interval", "finite", "nan"]),
        (["--loop", "--interval", "inf"], ["--interval", "finite", "inf"]),
        (["--loop", "--interval", "-inf"], ["--interval", "finite"]),
        (["--loop", "--interval", "-1"], ["--interval", "from 0"]),
        (["--loop", "--interval", "1e300"], ["--interval", "from 0"]),
        (["--loop", "--max-cycles", "0"], ["--max-cycles"]),
        (["--loop", "--max-cycles", "-3"], ["--max-cycles"]),
        (["--priority", "--runlevel"], ["--priority and --runlevel exclude each other"]),
        (["--newfirst", "--serial"], ["--newfirst and --serial exclude each other"]),
        (["--runlevel", "--runlevel", "--priority"], ["--priority and --runlevel"]),
        (["--mononly", "--nomon"], ["--mononly and --nomon exclude each other"]),
        (["--until-idle"], ["--until-idle needs --loop"]),
        (["--max-cycles", "2", "--until-idle"], ["--until-idle needs --loop"]),
        (["--interval", "5"], ["--interval needs --loop"]),
    ],
)
def test_bad_client_options_write_nothing(
    site: HostileSite, options: list[str], mentions: list[str]
) -> None:
    site.refuses("client", *options, mentions=mentions)


def test_nan_interval_on_couchdb_writes_no_heartbeat(couch_site: HostileSite) -> None:
    couch_site.refuses("client", "--loop", "--interval", "nan", mentions=["--interval"])


def test_the_options_still_work_together(site: HostileSite) -> None:
    """What stays allowed: one order, --max-cycles alone (back to back), --interval 0."""
    for options in (
        ["--runlevel", "--max-cycles", "2"],
        ["--loop", "--interval", "0", "--max-cycles", "2", "--until-idle"],
    ):
        result = site.gasp("client", *options)
        assert result.returncode == 0, result.stderr


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seconds=st.floats().filter(lambda s: not (math.isfinite(s) and 0 <= s <= MAX_WAIT_S)))
def test_any_unusable_interval_is_refused_before_the_cycle(
    site: HostileSite, seconds: float
) -> None:
    """In-process for breadth: click refuses the value while parsing, before any cycle."""
    before = site.snapshot()
    result = CliRunner().invoke(
        cli, ["-c", str(site.config), "client", "--loop", "--interval", repr(seconds)]
    )
    assert result.exit_code == 2, result.output
    assert "--interval" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert site.snapshot() == before
