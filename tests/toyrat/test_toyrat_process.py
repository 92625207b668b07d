"""toyrat as a real program: ``python -m gasp.toyrat`` in a subprocess, and killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.toyrat.helpers import MacroMaker, entries, hidden_files, visible_files

BETAGAMMAS = "mac/production/water/pmt/betagammas.mac"


def command(*args: object) -> list[str]:
    return [sys.executable, "-m", "gasp.toyrat", *map(str, args)]


def environment(ms_per_event: str) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("TOYRAT_")}
    return environ | {"TOYRAT_MS_PER_EVENT": ms_per_event}


def test_runs_as_a_program(macro: MacroMaker, tmp_path: Path) -> None:
    stem = tmp_path / "WaterPmtBetagammas_r7_s0_p1"
    done = subprocess.run(
        command("-N", 300, "-s", 1, "-o", stem, macro(BETAGAMMAS, radius=7250)),
        env=environment("0.5"),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("toyrat: version 1.0.0, macro betagammas.mac: number mode")
    assert "done: 300 events" in lines[-3]
    assert lines[-1] == f"toyrat: wrote ntuple {stem}.ntuple.root (300 events)"
    assert entries(Path(f"{stem}.root"), "T") == 300


def test_killed_run_leaves_no_file_under_a_final_name(macro: MacroMaker, tmp_path: Path) -> None:
    path = macro(BETAGAMMAS, radius=7250)
    stem = tmp_path / "big"
    process = subprocess.Popen(
        command("-N", 1_000_000, "-o", stem, path),
        env=environment("0.5"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    writing = False
    try:
        deadline = time.monotonic() + 30
        while not writing and time.monotonic() < deadline and process.poll() is None:
            partial = [tmp_path / name for name in hidden_files(tmp_path)]
            # both outputs are open and the first chunk of events is on disk
            writing = len(partial) == 2 and max(p.stat().st_size for p in partial) > 20_000
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert writing and process.returncode == -signal.SIGKILL
    assert visible_files(tmp_path) == ["macros"]
    assert sorted(name.split(".part-")[0] for name in hidden_files(tmp_path)) == [
        ".big.ntuple.root",
        ".big.root",
    ]
