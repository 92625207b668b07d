"""The runner runs on worker nodes: it must not pull in the store, client, CLI or web layers."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("gasp.store", "gasp.client", "gasp.cli", "gasp.web", "gasp.submit", "gasp.ops")

PROBE = """
import importlib, json, pkgutil, sys
import gasp.runner, gasp.storage
for package in (gasp.runner, gasp.storage):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if module.name != "gasp.runner.__main__":  # importing it would run a job
            importlib.import_module(module.name)
print(json.dumps(sorted(sys.modules)))
"""


def test_runner_and_storage_import_nothing_from_the_layers_above() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    assert "gasp.runner.job" in loaded and "gasp.storage.xrootd" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN)] == []


def test_the_entry_point_answers_usage_errors_with_status_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gasp.runner"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "usage: python -m gasp.runner SPEC.json" in result.stderr
