"""A site folder on the embedded default with detector runs written by ``toyrat daq``.

Everything goes through the real commands a user types: ``toyrat daq``, ``gasp db init``,
``gasp runs register``, ``gasp submit processing``, ``gasp client --processing``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gasp.store import Database, Server, open_server
from tests.gasp_runner import GaspRunner, gasp_runner

FAST = {"TOYRAT_MS_PER_EVENT": "0"}


@dataclass
class Detector:
    """A site folder: ``gasp`` runs there; raw runs are written into ``raw/``."""

    folder: Path
    gasp: GaspRunner
    server: Server

    @property
    def db(self) -> Database:
        return self.server.database("processing")

    def daq(
        self, run: int, *, subruns: int = 1, events: int = 40, run_type: str = "Physics"
    ) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gasp.toyrat",
                "daq",
                "--run",
                str(run),
                "--subruns",
                str(subruns),
                "--events-per-subrun",
                str(events),
                "--out",
                str(self.folder / "raw"),
                "--run-type",
                run_type,
            ],
            check=True,
            capture_output=True,
        )

    def ok(self, *args: str) -> str:
        result = self.gasp(*args, env=FAST)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    def run_client(self) -> str:
        return self.ok(
            "client",
            "--processing",
            "--loop",
            "--interval",
            "0.5",
            "--until-idle",
            "--max-cycles",
            "120",
        )

    def passes(self) -> dict[tuple[str, int, int], dict[str, Any]]:
        found = {}
        for row in self.db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True):
            assert row.doc is not None
            for p in row.doc["passes"]:
                found[(row.doc["module"], row.doc["run"], p["pass"])] = p
        return found

    def documents(self) -> dict[str, str]:
        """Every document id with its revision: "nothing written" compares these."""
        return {str(r.id): str(r.value["rev"]) for r in self.db.all_docs()}

    def data(self, doc_id: str) -> dict[str, Any]:
        return self.db.get(doc_id)


@pytest.fixture
def detector(tmp_path: Path) -> Iterator[Detector]:
    runner = gasp_runner(tmp_path)
    result = runner("db", "init")
    assert result.returncode == 0, result.stderr
    server = open_server(f"sqlite:{tmp_path / 'gasp-data'}")
    yield Detector(tmp_path, runner, server)
    server.close()
