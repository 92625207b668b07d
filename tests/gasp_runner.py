"""Running the real ``gasp`` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

GaspRunner = Callable[..., subprocess.CompletedProcess[str]]


def gasp_runner(folder: Path) -> GaspRunner:
    """Run ``gasp ARGS...`` in ``folder`` with no configuration inherited from outside."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "COLUMNS"))
        }
        environment["COLUMNS"] = "200"
        environment.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "gasp", *args],
            cwd=folder,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


def start_client(
    config: Path, env: dict[str, str], *, interval: str, max_cycles: int
) -> subprocess.Popen[str]:
    """A real ``gasp client --loop --until-idle`` process, its output captured."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gasp",
            "-c",
            str(config),
            "client",
            "--loop",
            "--interval",
            interval,
            "--until-idle",
            "--max-cycles",
            str(max_cycles),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
