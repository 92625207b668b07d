"""Fixtures for the run tests: raw data written by the real ``toyrat daq``, a site folder."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gasp.store import Database, Server, open_server
from tests.gasp_runner import GaspRunner

Daq = Callable[..., dict[str, Any]]


def write_daq_run(
    run: int, *, subruns: int = 2, events: int = 50, run_type: str = "Physics", out: Path
) -> dict[str, Any]:
    """One run's raw files and sidecar, written by the real ``toyrat daq``; the sidecar."""
    subprocess.run(
        [
            sys.executable, "-m", "gasp.toyrat", "daq",
            "--run", str(run),
            "--subruns", str(subruns),
            "--events-per-subrun", str(events),
            "--run-type", run_type,
            "--out", str(out),
        ],
        check=True,
        capture_output=True,
        env={"TOYRAT_MS_PER_EVENT": "0", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    sidecar: dict[str, Any] = json.loads((out / f"run_{run}.json").read_text())
    return sidecar


@pytest.fixture
def daq() -> Daq:
    """Write one run's raw files and sidecar with the real ``toyrat daq`` command."""
    return write_daq_run


@pytest.fixture
def site(gasp: GaspRunner, tmp_path: Path) -> Path:
    """A site on the embedded default with its databases created; returns its folder."""
    result = gasp("db", "init")
    assert result.returncode == 0, result.stderr
    return tmp_path


@pytest.fixture
def processing(site: Path) -> Iterator[Callable[[], Database]]:
    """Open the site's processing database afresh (after a command has written to it)."""
    servers: list[Server] = []

    def open_db() -> Database:
        server = open_server(f"sqlite:{site / 'gasp-data'}")
        servers.append(server)
        return server.database("processing")

    yield open_db
    for server in servers:
        server.close()
