"""Running the real ``gasp`` command in a subprocess, in a folder of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

GaspRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def gasp(tmp_path: Path) -> GaspRunner:
    """Run ``gasp ARGS...`` in ``tmp_path`` with no configuration inherited from outside."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("GASP_", "COLUMNS"))
        }
        environment["COLUMNS"] = "200"
        environment.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "gasp", *args],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
