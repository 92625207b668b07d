"""A fresh turn database on the backend under test, and real ``gasp enqueue`` site processes."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gasp.store import Database, open_server
from gasp.turn.documents import LeaderDoc
from tests.client.conftest import campaign  # noqa: F401 (a fixture the freeze test shares)

RECORDER = Path(__file__).with_name("recorder.py")
# Fractions of minutes so that a test runs in seconds: 0.6 s, 3 s and 0.3 s.
DELAY_MIN, STALE_MIN, CONFLICT_MIN = 0.01, 0.05, 0.005
DELAY_S, STALE_S = DELAY_MIN * 60, STALE_MIN * 60
TIMING_OPTIONS = (
    "--heartbeat-delay",
    str(DELAY_MIN),
    "--heartbeat-stale",
    str(STALE_MIN),
    "--conflict-delay",
    str(CONFLICT_MIN),
)


@dataclass
class TurnDatabase:
    db: Database
    url: str
    name: str
    folder: Path

    def config_file(self, site: str = "site", **sections: dict[str, Any]) -> Path:
        raw: dict[str, Any] = {
            "site": {"name": site},
            "database": {"url": self.url, "production": self.name},
        }
        raw.update(sections)
        lines = []
        for section, values in raw.items():
            lines.append(f"[{section}]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        path = self.folder / f"{site}.toml"
        path.write_text("\n".join(lines) + "\n")
        return path

    def leader(self) -> LeaderDoc | None:
        raw = self.db.get_many(["enqueue_leader"])[0]
        return LeaderDoc.model_validate(raw) if raw else None

    def snapshot(self) -> dict[str, str]:
        """Every document id and revision: to show that nothing was written."""
        return {row.id: row.value["rev"] for row in self.db.all_docs() if row.id}


@pytest.fixture
def turn_db(store_url: str, tmp_path: Path) -> Iterator[TurnDatabase]:
    server = open_server(store_url)
    name = f"turn_{uuid.uuid4().hex[:10]}"
    db = server.create_database(name)
    yield TurnDatabase(db, store_url, name, tmp_path)
    server.delete_database(name)
    server.close()


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "COLUMNS"))}
    env["COLUMNS"] = "300"
    return env


@dataclass
class Site:
    """One site's ``gasp enqueue`` process, with its output in files."""

    name: str
    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")


@dataclass
class Sites:
    """Starts and ends site processes; every one it started is ended at teardown."""

    folder: Path
    started: dict[str, Site] = field(default_factory=dict)

    def start(self, name: str, config: Path, command: list[str], *options: str) -> Site:
        out, err = self.folder / f"{name}.out", self.folder / f"{name}.err"
        argv = [sys.executable, "-m", "gasp", "-c", str(config), "enqueue", name, "--repeat"]
        argv += [*TIMING_OPTIONS, *options, "--", *command]
        with out.open("wb") as out_file, err.open("wb") as err_file:
            process = subprocess.Popen(
                argv,
                stdout=out_file,
                stderr=err_file,
                env=clean_environment(),
                cwd=self.folder,
                start_new_session=True,
            )
        site = self.started[name] = Site(name, process, out, err)
        return site

    def stop_all(self, timeout: float = 20.0) -> dict[str, int]:
        """SIGTERM every live site (a clean stop); their exit statuses."""
        for site in self.started.values():
            if site.process.poll() is None:
                site.process.send_signal(signal.SIGCONT)
                site.process.terminate()
        return {name: site.process.wait(timeout) for name, site in self.started.items()}


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[Sites]:
    group = Sites(tmp_path)
    yield group
    for site in group.started.values():
        if site.process.poll() is None:
            os.killpg(site.process.pid, signal.SIGKILL)
            site.process.wait()


def wait_for(condition: Callable[[], Any], timeout: float, what: str, step: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something true; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def pid_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Interval:
    site: str
    token: str
    pid: int
    start: float
    end: float | None = None


def read_intervals(path: Path) -> dict[str, Interval]:
    """The recorder's lines, as one interval per turn token."""
    intervals: dict[str, Interval] = {}
    if not path.exists():
        return intervals
    for line in path.read_text().splitlines():
        what, moment, site, token, pid = line.split()
        if what == "start":
            assert token not in intervals, f"turn {token} ran its command twice"
            intervals[token] = Interval(site, token, int(pid), float(moment))
        else:
            intervals[token].end = float(moment)
    return intervals


def assert_no_overlap(intervals: list[Interval]) -> None:
    ordered = sorted(intervals, key=lambda i: i.start)
    for before, after in itertools.pairwise(ordered):
        assert before.end is not None, f"{before} never ended"
        assert before.end <= after.start, f"overlap: {before} and {after}"
