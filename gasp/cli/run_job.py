"""``gasp run-job SPEC.json``: run one job on this (worker) machine.

The same as ``python -m gasp.runner SPEC.json``, which is what backends start: that
entry point imports only the runner, while this one loads the whole command line first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("run-job")
@click.argument("spec", type=click.Path(path_type=Path, dir_okay=False))
def run_job_command(spec: Path) -> None:
    """Run the job SPEC describes and write its report.json (exit 0, 1 failed, 2 bad spec)."""
    from gasp.runner.job import run_job

    sys.exit(run_job(spec))
