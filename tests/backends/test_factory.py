"""A backend is chosen by name in one place; bad names and options are configuration errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.factory import make_backend
from gasp.backends.local import DEFAULT_COMMAND, LocalBackend
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
        ({}, "'spool' .* is required"),
        ({"spool": "S", "maxrunning": 2}, r"unknown option\(s\) maxrunning \(known: "),
        ({"spool": "S", "max_running": "2"}, "'max_running' must be an integer"),
        ({"spool": "S", "max_running": True}, "'max_running' must be an integer"),
        ({"spool": "S", "max_running": 0}, "max_running must be at least 1"),
        ({"spool": "S", "command": "python -m gasp.runner"}, "'command' must be a list"),
        ({"spool": "S", "command": []}, "command must be non-empty strings"),
        ({"spool": "S", "cancel_grace": "soon"}, "'cancel_grace' must be a number"),
    ],
)
def test_bad_local_options(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    if options.get("spool") == "S":
        options = {**options, "spool": str(tmp_path / "spool")}
    with pytest.raises(ConfigError, match=message):
        make_backend("local", options)


def test_spool_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="local backend spool"):
        make_backend("local", {"spool": str(tmp_path / "file" / "spool")})
