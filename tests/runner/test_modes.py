"""The runner on each production event mode: outputs checked, stored, verified, reported."""

from __future__ import annotations

from typing import Any

import uproot

from gasp.runner.spec import JobReport
from gasp.storage import StorageElement
from tests.runner.conftest import Job, JobMaker, se_files


def assert_completed(job: Job, report: JobReport) -> None:
    assert job.process is not None
    assert job.process.returncode == 0, job.process.stdout + job.process.stderr
    assert report.status == "completed", report.error
    assert (report.name, report.token) == (job.spec.name, job.spec.token)
    assert report.exit_code == 0
    assert report.error is None
    assert report.wall_s > 0 and report.cpu_s > 0
    assert [o.name for o in report.outputs] == [o.name for o in job.spec.outputs]
    for output, expected in zip(report.outputs, job.spec.outputs, strict=True):
        assert (output.lfn, output.data_type, output.se) == (
            expected.lfn,
            expected.data_type,
            job.primary.name,
        )
        assert output.url == job.primary.url_for(expected.lfn)
        job.primary.verify(output.url, output.size, output.adler32)  # what the client does
        assert not (job.workdir / expected.local_name).exists()  # stored: local copy gone
    assert se_files(job.primary) == sorted(o.lfn for o in job.spec.outputs)
    assert "gasp-runner: completed" in job.stdout


def branches(element: StorageElement, url: str, tree: str) -> dict[str, Any]:
    """The stored file's tree, read back as numpy arrays."""
    with uproot.open(element.local_path(url)) as root_file:
        arrays: dict[str, Any] = root_file[tree].arrays(library="np")
        return arrays


def test_number_mode_with_a_template_and_the_setup_script(make_job: JobMaker) -> None:
    job = make_job(
        "WaterPmtBetagammas",
        event_mode="number",
        n_events=25,
        expected_events=25,
        template={"radius": 7250},
        setup=True,
    )
    report = job.run()
    assert_completed(job, report)
    assert [o.events for o in report.outputs] == [25, 25]
    rendered = (job.workdir / "betagammas.mac").read_text()
    assert "/generator/pos/set 0 0 0 7250 8300" in rendered
    assert "running: bash -c" in job.stdout
    assert "-N 25 -s 11" in job.stdout
    ntuple = branches(job.primary, report.outputs[1].url, "output")
    radii = ntuple["mcPosx"] ** 2 + ntuple["mcPosy"] ** 2 + ntuple["mcPosz"] ** 2
    assert (radii >= 7250**2 - 1).all()  # events start on the shell from the template radius


def test_time_mode_with_an_other_suffix(make_job: JobMaker) -> None:
    job = make_job(
        "ScintBipo214",
        event_mode="time",
        duration_s=10000.0,
        outputs=("ntuple", "other_ntuple"),
        other_suffix="coinc",
    )
    report = job.run()
    assert_completed(job, report)
    assert report.outputs[1].name == "ScintBipo214_r100151_s0_p1.coinc.root"
    assert [o.events for o in report.outputs] == [20, 20]  # 0.002 Hz x 10000 s
    assert "-T 10000.0" in job.stdout


def test_run_mode(make_job: JobMaker) -> None:
    job = make_job("WaterTl208Run", event_mode="run", run=100151)
    report = job.run()
    assert_completed(job, report)
    assert [o.events for o in report.outputs] == [266, 266]  # 0.1 Hz x 2656 s of run 100151
    assert set(branches(job.primary, report.outputs[1].url, "output")["runID"]) == {100151}


def test_run_number_mode(make_job: JobMaker) -> None:
    job = make_job(
        "WaterN16SourceRun", event_mode="run_number", run=100200, n_events=15, expected_events=15
    )
    report = job.run()
    assert_completed(job, report)
    assert [o.events for o in report.outputs] == [15, 15]
    assert "-n 100200 -N 15" in job.stdout
    assert set(branches(job.primary, report.outputs[1].url, "output")["runID"]) == {100200}
