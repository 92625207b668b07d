"""Hostile site configurations: refused whole, naming the file and field, before any write.

The configuration is validated as one piece when it is read, so no command (``db init``
least of all) can create one database and then trip over the next one's name.
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gasp.config import parse_config
from gasp.errors import ConfigError
from gasp.store import open_server
from gasp.values import MAX_WAIT_S
from tests.gasp_runner import GaspRunner
from tests.hostile.harness import HostileSite, assert_refused

LONG_NAME = "s" * 101


def _nested_arrays(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


def _nested_tables(depth: int) -> str:
    return "[" + ".".join(f"t{i}" for i in range(depth)) + "]\nx = 1\n"


def _inline_tables(depth: int) -> str:
    return "x = " + "{a = " * depth + "1" + "}" * depth + "\n"


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        (_nested_arrays(5000), ["bad.toml", "nested more than 64 levels"]),
        (_nested_tables(200), ["bad.toml", "nested more than 64 levels"]),
        (_inline_tables(5000), ["bad.toml", "nested more than 64 levels"]),
        (f'[site]\nname = "{LONG_NAME}"\n', ["bad.toml", "site.name", "101 characters"]),
        ('[site]\nname = "../up"\n', ["bad.toml", "site.name", "not a safe name"]),
        ('[database]\nprocessing = "Bad Name"\n', ["bad.toml", "database.processing", "illegal"]),
        ('[database]\nproduction = "_users"\n', ["bad.toml", "database.production", "illegal"]),
        (
            '[database]\nproduction = "same"\nprocessing = "same"\n',
            ["bad.toml", "database", "two different databases"],
        ),
        ("[limits]\nstuck_hours = inf\n", ["bad.toml", "limits.stuck_hours", "finite"]),
        ("[limits]\nstuck_hours = nan\n", ["bad.toml", "limits.stuck_hours", "finite"]),
        ("[limits]\nstuck_hours = 1e300\n", ["bad.toml", "limits.stuck_hours"]),
        ("[limits]\nheartbeat_stale_minutes = -inf\n", ["limits.heartbeat_stale_minutes"]),
        ("[limits]\nheartbeat_stale_minutes = 0\n", ["limits.heartbeat_stale_minutes"]),
        ("[limits]\nmax_submitted = 100000000000000000000000\n", ["limits.max_submitted"]),
        ("[retry]\nbackoff_s = nan\n", ["bad.toml", "retry.backoff_s", "finite"]),
        ("[retry]\nbackoff_max_s = inf\n", ["bad.toml", "retry.backoff_max_s", "finite"]),
        ("[retry]\nbackoff_s = -1\n", ["bad.toml", "retry.backoff_s"]),
        ("[retry]\nmax_attempts = 5000\n", ["bad.toml", "retry.max_attempts"]),
        ('[retry]\ntransient_patterns = ["a\\nb"]\n', ["retry.transient_patterns.0"]),
        ('[backend]\nworkdir = "~nosuchuser-gasp/jobs"\n', ["backend.workdir", "home folder"]),
        ('[backend]\nworkdir = "a\\u0000b"\n', ["bad.toml", "backend.workdir", "NUL"]),
        ('[database]\nurl = "sqlite:a\\u0000b"\n', ["bad.toml", "database.url", "NUL"]),
        (
            '[software."a/b"]\nexecutable = "x"\nrelease_dir = "r"\n',
            ["bad.toml", "software.a/b", "not a safe name"],
        ),
        (
            '[storage]\nprimary = "a b"\n[storage.elements."a b"]\nurl = "se"\n',
            ["bad.toml", "storage.elements.a b", "not a safe name"],
        ),
        ('source = "elsewhere"\n', ["bad.toml", "source", "unknown key"]),
    ],
)
def test_a_bad_configuration_creates_nothing(
    gasp: GaspRunner, tmp_path: Path, content: str, mentions: list[str]
) -> None:
    (tmp_path / "bad.toml").write_text(content)
    assert_refused(gasp("-c", "bad.toml", "db", "init"), mentions)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # no gasp-data/


def _with_bad_processing_name(site: HostileSite) -> str:
    """The site's file, now naming a fresh production database and an illegal processing one."""
    production = f"fresh_{uuid.uuid4().hex[:10]}_prod"
    text = site.config.read_text()
    text = text.replace('production = "', f'production = "{production}" # was "', 1)
    text = text.replace('processing = "', 'processing = "Bad Name" # was "', 1)
    site.config.write_text(text)
    return production


def test_a_bad_processing_name_leaves_no_production_database(site: HostileSite) -> None:
    production = _with_bad_processing_name(site)
    site.refuses("db", "init", mentions=["site.toml", "database.processing", "'Bad Name'"])
    server = open_server(site.store_url)
    try:
        assert production not in server.list_databases()
    finally:
        server.close()


def test_a_bad_processing_name_leaves_no_couchdb_database(couch_site: HostileSite) -> None:
    production = _with_bad_processing_name(couch_site)
    couch_site.refuses("db", "init", mentions=["site.toml", "database.processing", "'Bad Name'"])
    server = open_server(couch_site.store_url)
    try:
        assert production not in server.list_databases()
    finally:
        server.close()


def test_a_bad_configuration_stops_every_command(site: HostileSite) -> None:
    """The same refusal from a command that would write, on a site that already works."""
    site.config.write_text(site.config.read_text() + "[limits]\nstuck_hours = inf\n")
    site.refuses("client", mentions=["site.toml", "limits.stuck_hours", "finite"])
    site.refuses("enqueue", "--status", mentions=["site.toml", "limits.stuck_hours"])


_UNIT_S = {"stuck_hours": 3600.0, "heartbeat_stale_minutes": 60.0}  # the others: seconds
_DURATIONS = [("limits", "stuck_hours"), ("limits", "heartbeat_stale_minutes")]
_DURATIONS += [("retry", "backoff_s"), ("retry", "backoff_max_s")]


def _usable(key: str, value: float) -> bool:
    """Finite, above 0 (a backoff may be 0: retry at once), and at most a year."""
    low_ok = value >= 0 if key.startswith("backoff") else value > 0
    return math.isfinite(value) and low_ok and value * _UNIT_S.get(key, 1.0) <= MAX_WAIT_S


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(_DURATIONS), value=st.floats())
def test_durations_are_finite_and_bounded(field: tuple[str, str], value: float) -> None:
    """Any float loads if it is a usable duration, else is refused naming file and field."""
    section, key = field
    path = Path("/nowhere/site.toml")
    if _usable(key, value):
        assert getattr(getattr(parse_config({section: {key: value}}, path), section), key) == value
        return
    with pytest.raises(ConfigError) as refused:
        parse_config({section: {key: value}}, path)
    assert str(refused.value).startswith(f"config file {path}: {section}.{key}: ")
