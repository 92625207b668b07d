"""The names operators typed before gasp run the same code (gasp/cli/aliases.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gasp.cli.aliases import _split_globals

SCRIPTS = (
    "production_submit",
    "gasp_client",
    "enqueue_command",
    "retry_failed",
    "cancel_jobs",
    "unlock_jobs",
    "production_summary",
    "grabber",
)
REQUEST = {
    "rat_v": "1.0.0",
    "modules": [
        {"module": "ScintBi214", "t_run": 1, "t_format": "hour", "n_runs": 2, "label": "Old"}
    ],
}


def _script(name: str) -> Path:
    return Path(sys.executable).parent / name


def test_every_old_name_is_installed_beside_gasp() -> None:
    missing = [name for name in SCRIPTS if not _script(name).is_file()]
    assert not missing, f"console scripts not installed (pip install -e .): {missing}"


def test_global_options_move_in_front_of_the_command() -> None:
    assert _split_globals(["list.exactly", "-c", "site.toml", "--debug", "--yes"]) == (
        ["-c", "site.toml", "--debug"],
        ["list.exactly", "--yes"],
    )
    # after "--" everything belongs to the command enqueue runs
    assert _split_globals(["cedar", "--", "gasp", "-c", "x.toml"]) == (
        [],
        ["cedar", "--", "gasp", "-c", "x.toml"],
    )


def test_old_scripts_with_their_positional_arguments(tmp_path: Path) -> None:
    """On the embedded default (``./gasp-data``), as a new user would."""

    def run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(_script(name)), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        )

    assert run(str(Path(sys.executable).parent / "gasp"), "db", "init").returncode == 0
    request = tmp_path / "request.json"
    request.write_text(json.dumps(REQUEST))
    submitted = run("production_submit", str(request), "--debug", "-o", "old.exactly")
    assert submitted.returncode == 0, submitted.stderr
    assert len((tmp_path / "old.exactly").read_text().splitlines()) == 2
    planned = run("retry_failed", "old.exactly", "--status", "waiting", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "list old.exactly" in planned.stdout and "status waiting" in planned.stdout
