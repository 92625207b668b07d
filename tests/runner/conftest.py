"""Jobs for the real runner: specifications built like the client builds them.

Every test runs ``python -m gasp.runner SPEC.json`` in a subprocess on a macro of the
shipped toyrat release, with ``file://`` storage elements in the test's own folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gasp.jobfolder import REPORT_FILE, SPEC_FILE
from gasp.model.naming import file_name, logical_path
from gasp.runner.spec import (
    ApplicationSpec,
    InputSpec,
    JobReport,
    JobSpec,
    OutputSpec,
    StorageElementSpec,
)
from gasp.storage import StorageElement
from gasp.toyrat.release import executable, release_dir

MACROS = {
    "ScintBi214": "mac/production/scint/bi214.mac",
    "ScintBipo214": "mac/production/scint/bipo214.mac",
    "WaterPmtBetagammas": "mac/production/water/pmt/betagammas.mac",
    "WaterTl208Run": "mac/production/water/tl208/run.mac",
    "WaterN16SourceRun": "mac/production/water/n16/source/run.mac",
    "Processing": "mac/processing/Processing.mac",
}


@dataclass
class Job:
    """A job folder with its specification, and what running it left behind."""

    spec: JobSpec
    spec_path: Path
    primary: StorageElement
    failover: StorageElement | None
    process: subprocess.CompletedProcess[str] | None = None

    @property
    def workdir(self) -> Path:
        return Path(self.spec.workdir)

    @property
    def report_path(self) -> Path:
        return self.workdir / REPORT_FILE

    @property
    def stdout(self) -> str:
        """What the runner printed (its progress lines)."""
        assert self.process is not None, "the job has not been run"
        return self.process.stdout

    def report(self) -> JobReport:
        return JobReport.model_validate_json(self.report_path.read_text("utf-8"))

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gasp.runner", str(self.spec_path)]

    def run(self, env: Mapping[str, str] | None = None, timeout: float = 120) -> JobReport:
        self.process = subprocess.run(
            self.command(),
            env=runner_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return self.report()


def runner_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker: no failures on demand, no CPU cost unless asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOYRAT_", "GASP_"))}
    env["TOYRAT_MS_PER_EVENT"] = "0"
    env.update(extra or {})
    return env


def se_files(element: StorageElement) -> list[str]:
    """Every file on a file:// element, temporary ones included, relative to its folder."""
    folder = element.local_path(element.url_prefix)
    assert folder is not None
    root = Path(folder)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


JobMaker = Callable[..., Job]


@pytest.fixture
def make_job(tmp_path: Path) -> JobMaker:
    """Build a job: module, event mode and numbers, outputs; write its spec.json."""
    return job_maker(tmp_path)


def job_maker(tmp_path: Path) -> JobMaker:
    """The ``make_job`` fixture's maker, for test folders outside ``tests/runner``."""
    counter = iter(range(1, 1000))

    def make(
        module: str,
        *,
        kind: str = "production",
        event_mode: str | None = None,
        run: int = 100151,
        subrun: int = 0,
        n_events: int | None = None,
        duration_s: float | None = None,
        outputs: Sequence[str] = ("ratds", "ntuple"),
        other_suffix: str | None = None,
        expected_events: int | None = None,
        template: Mapping[str, Any] | None = None,
        inputs: Sequence[InputSpec] = (),
        primary_url: str | None = None,
        failover_url: str | None = None,
        setup: bool = False,
        seed: int = 11,
    ) -> Job:
        index = next(counter)
        workdir = tmp_path / f"job{index}"
        workdir.mkdir()
        primary = StorageElementSpec(
            name="primary-se", url=primary_url or (tmp_path / "se-primary").as_uri()
        )
        failover = StorageElementSpec(
            name="failover-se", url=failover_url or (tmp_path / "se-failover").as_uri()
        )
        output_specs = []
        for data_type in outputs:
            name = file_name(module, run, subrun, 1, data_type, other_suffix)
            output_specs.append(
                OutputSpec(
                    data_type=data_type,
                    local_name=name,
                    name=name,
                    lfn=logical_path(kind, module, run, name),
                    expected_events=expected_events,
                )
            )
        release = release_dir()
        spec = JobSpec(
            name=f"{module}_r{run}_s{subrun}_p1_a1",
            kind=kind,
            module=module,
            run=run,
            subrun=subrun,
            pass_number=1,
            attempt=1,
            token=f"token-{index}",
            application=ApplicationSpec(
                rat_version="1.0.0",
                executable=executable(),
                setup=str(release / "env.sh") if setup else None,
                release_dir=str(release),
                macro=MACROS[module],
            ),
            event_mode=event_mode,
            n_events=n_events,
            duration_s=duration_s,
            seed=seed,
            template=dict(template or {}),
            inputs=list(inputs),
            outputs=output_specs,
            primary=primary,
            failover=failover,
            workdir=str(workdir),
        )
        spec_path = workdir / SPEC_FILE
        spec_path.write_text(spec.model_dump_json(indent=2), "utf-8")
        return Job(
            spec,
            spec_path,
            StorageElement.from_spec(primary),
            StorageElement.from_spec(failover),
        )

    return make
