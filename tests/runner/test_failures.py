"""Failures the runner must report as failed, leaving nothing under a final name on storage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gasp.runner.spec import JobReport
from tests.runner.conftest import Job, JobMaker, se_files


def assert_failed(job: Job, report: JobReport, *, exit_code: int | None) -> None:
    assert job.process is not None
    assert job.process.returncode == 1, job.process.stdout + job.process.stderr
    assert report.status == "failed"
    assert (report.name, report.token) == (job.spec.name, job.spec.token)
    assert report.exit_code == exit_code
    assert report.outputs == []
    assert report.error
    assert job.failover is not None
    assert se_files(job.primary) == [] and se_files(job.failover) == []


def number_job(make_job: JobMaker, **changes: object) -> Job:
    settings: dict[str, object] = {
        "event_mode": "number",
        "n_events": 30,
        "expected_events": 30,
        "template": {"radius": 6000},
    }
    settings.update(changes)
    return make_job("WaterPmtBetagammas", **settings)


def test_failover_when_the_primary_is_unusable(make_job: JobMaker, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the primary's folder cannot be created below a file")
    job = number_job(make_job, primary_url=(blocker / "se").as_uri())
    report = job.run()
    assert report.status == "completed", report.error
    assert job.failover is not None
    assert {o.se for o in report.outputs} == {"failover-se"}
    for output in report.outputs:
        assert output.url == job.failover.url_for(output.lfn)
        job.failover.verify(output.url, output.size, output.adler32)
    assert "upload to primary-se failed" in job.stdout
    assert blocker.read_text().startswith("the primary")


def test_no_usable_element_fails_the_job(make_job: JobMaker, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    job = number_job(
        make_job,
        primary_url=(blocker / "one").as_uri(),
        failover_url=(blocker / "two").as_uri(),
    )
    report = job.run()
    assert_failed(job, report, exit_code=0)
    assert "primary-se:" in str(report.error) and "failover-se:" in str(report.error)


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        ("crash", "segmentation violation"),
        ("transient", "Connection timed out while reading database"),
    ],
)
def test_a_failing_application(make_job: JobMaker, failure: str, words: str) -> None:
    job = number_job(make_job)
    report = job.run(env={"TOYRAT_FAIL": failure})
    assert_failed(job, report, exit_code=1)
    assert str(report.error).startswith("toyrat exited with status 1:")
    assert words in str(report.error)  # the stderr tail, for the client's retry patterns
    assert words in (job.workdir / report.stderr).read_text()


def test_a_short_output(make_job: JobMaker) -> None:
    job = number_job(make_job)
    report = job.run(env={"TOYRAT_FAIL": "short"})
    assert_failed(job, report, exit_code=0)
    assert "29 events, expected 30" in str(report.error)


def test_a_corrupt_output(make_job: JobMaker) -> None:
    job = number_job(make_job, n_events=300, expected_events=300)
    report = job.run(env={"TOYRAT_FAIL": "corrupt"})
    assert_failed(job, report, exit_code=0)
    assert "not a readable ROOT file" in str(report.error)


def test_a_missing_template_field_fails_before_running(make_job: JobMaker) -> None:
    job = number_job(make_job, template={"radius_mm": 6000})
    report = job.run()
    assert_failed(job, report, exit_code=None)
    assert "${radius}" in str(report.error)
    assert not (job.workdir / "stdout.txt").exists()  # the application never started
    assert report.cpu_s == 0


def test_a_malformed_specification(make_job: JobMaker) -> None:
    job = number_job(make_job)
    job.spec_path.write_text('{"name": "x", "token": "t",\n "kind": }')
    report = job.run()
    assert job.process is not None and job.process.returncode == 2
    assert report.status == "failed"
    assert (report.name, report.token) == ("", "")  # nothing can be read from it
    assert "malformed JSON at line 2" in str(report.error)
    assert report.exit_code is None


def test_an_inconsistent_specification(make_job: JobMaker) -> None:
    job = number_job(make_job)
    data = job.spec.model_dump()
    data["surprise"] = 1
    job.spec_path.write_text(json.dumps(data))
    report = job.run()
    assert job.process is not None and job.process.returncode == 2
    assert "surprise: unknown field" in str(report.error)
    assert (report.name, report.token) == (job.spec.name, job.spec.token)

    del data["surprise"]
    data["n_events"] = None
    data["outputs"][1]["local_name"] = "elsewhere.ntuple.root"
    job.spec_path.write_text(json.dumps(data))
    report = job.run()
    assert job.process.returncode == 2
    assert "n_events: event mode number needs" in str(report.error)
    assert "one common stem" in str(report.error)
    assert not (job.workdir / "stdout.txt").exists()
