"""A backend is chosen by name in one place; bad names and options are configuration errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.factory import make_backend
from gasp.backends.local import LocalBackend
from gasp.backends.options import DEFAULT_COMMAND
from gasp.errors import ConfigError


def test_local_backend_from_options(tmp_path: Path) -> None:
    backend = make_backend(
        "local",
        {"spool": str(tmp_path / "spool"), "max_running": 3, "command": [sys.executable, "x.py"]},
    )
    assert isinstance(backend, LocalBackend)
    assert backend.name == "local"
    assert backend.max_running == 3
    assert backend.command == (sys.executable, "x.py")
    assert (tmp_path / "spool" / "jobs").is_dir()


def test_local_backend_defaults(tmp_path: Path) -> None:
    backend = make_backend("local", {"spool": tmp_path})
    assert isinstance(backend, LocalBackend)
    assert backend.max_running >= 1
    assert backend.command == DEFAULT_COMMAND


def test_unknown_backend_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown backend 'pbs': known backends are local"):
        make_backend("pbs", {"spool": str(tmp_path)})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "backend 'local': option 'spool': Field required"),
        ({"spool": ""}, "option 'spool': must be a path"),
        ({"spool": "S", "maxrunning": 2}, r"option 'maxrunning': unknown option \(known: "),
        (
            {"spool": "S", "max_running": "2"},
            "option 'max_running': Input should be a valid integer",
        ),
        (
            {"spool": "S", "max_running": True},
            "option 'max_running': Input should be a valid integer",
        ),
        ({"spool": "S", "max_running": 0}, "option 'max_running': .* greater than or equal to 1"),
        ({"spool": "S", "command": "python -m gasp.runner"}, "option 'command': .* valid list"),
        ({"spool": "S", "command": []}, "option 'command': List should have at least 1 item"),
        ({"spool": "S", "command": ["python", ""]}, r"option 'command\[1\]': .* at least 1 char"),
        ({"spool": "S", "cancel_grace": "soon"}, "option 'cancel_grace': .* valid number"),
        (
            {"spool": "S", "cancel_grace": 0},
            "option 'cancel_grace': must be a finite number greater than 0",
        ),
        ({"spool": "S", "cancel_grace": float("nan")}, "option 'cancel_grace': must be a finite"),
    ],
)
def test_bad_local_options(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    if options.get("spool") == "S":
        options = {**options, "spool": str(tmp_path / "spool")}
    with pytest.raises(ConfigError, match=message):
        make_backend("local", options)


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    options = {"spool": str(tmp_path), "max_running": "4", "cancel_grace": -1, "comand": []}
    with pytest.raises(ConfigError) as caught:
        make_backend("local", options)
    assert str(caught.value).splitlines() == [
        "backend 'local': 3 problems:",
        "  option 'max_running': Input should be a valid integer",
        "  option 'cancel_grace': must be a finite number greater than 0, not -1.0",
        "  option 'comand': unknown option (known: cancel_grace, command, max_running, spool)",
    ]


def test_noop_accepts_what_every_site_passes_and_nothing_else(tmp_path: Path) -> None:
    assert make_backend("noop", {"spool": str(tmp_path), "max_running": 2}).name == "noop"
    with pytest.raises(ConfigError, match=r"backend 'noop': option 'command': unknown option"):
        make_backend("noop", {"command": ["true"]})


def test_spool_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="local backend spool"):
        make_backend("local", {"spool": str(tmp_path / "file" / "spool")})
