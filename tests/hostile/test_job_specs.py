"""Hostile job specifications through the real runner (``python -m gasp.runner SPEC.json``).

A specification is refused when it is read: exit status 2, a failed ``report.json`` whose
error names the file and the field, no traceback, and nothing copied, run or uploaded (the
work folder holds only the specification and the report, both storage elements stay
empty). The confinement cases are the ones that matter most: a macro outside the release
(absolute, ``..``, or a symbolic link out of it), output names that are not plain file
names, logical paths that leave the storage element, and template values that would add
lines to the macro.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gasp.jobfolder import REPORT_FILE, SPEC_FILE
from gasp.runner.render import render
from gasp.runner.spec import JobReport, JobSpec, OutputSpec
from gasp.toyrat.release import release_dir
from tests.hostile.harness import Change, setting
from tests.runner.conftest import Job, JobMaker, job_maker, runner_env, se_files

MACRO = "mac/production/water/pmt/betagammas.mac"


@pytest.fixture
def make_job(tmp_path: Path) -> JobMaker:
    return job_maker(tmp_path)


def number_job(make_job: JobMaker) -> Job:
    """A job that would run and complete as it is."""
    return make_job(
        "WaterPmtBetagammas",
        event_mode="number",
        n_events=20,
        expected_events=20,
        template={"radius": 6000},
    )


def run_runner(job: Job) -> subprocess.CompletedProcess[str]:
    job.process = subprocess.run(
        job.command(), env=runner_env(), capture_output=True, text=True, timeout=120, check=False
    )
    return job.process


def assert_spec_refused(job: Job, mentions: list[str]) -> JobReport:
    """Exit 2, the file and field named, no traceback, nothing copied, run or uploaded."""
    process = run_runner(job)
    shown = f"exit {process.returncode}\nstdout:\n{process.stdout}\nstderr:\n{process.stderr}"
    assert process.returncode == 2, shown
    assert "Traceback" not in process.stdout + process.stderr, shown
    report = job.report()
    assert report.status == "failed" and report.exit_code is None and report.outputs == []
    error = str(report.error)
    assert str(job.spec_path) in error, error
    for fragment in mentions:
        assert fragment in error, f"{fragment!r} not in the error:\n{error}"
    assert "bad job specification" in process.stdout
    assert sorted(p.name for p in job.workdir.iterdir()) == [REPORT_FILE, SPEC_FILE]
    assert job.failover is not None
    assert se_files(job.primary) == [] and se_files(job.failover) == []
    return report


def edit(job: Job, change: Change) -> None:
    """Rewrite the job's spec.json with ``change`` applied (NaN and Infinity as JSON has them)."""
    data = json.loads(job.spec_path.read_text("utf-8"))
    change(data)
    job.spec_path.write_text(json.dumps(data), "utf-8")


def time_mode(duration: float) -> Change:
    def change(data: dict[str, Any]) -> None:
        data.update(event_mode="time", n_events=None, duration_s=duration)
        for output in data["outputs"]:
            output["expected_events"] = None

    return change


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        (setting("application", "macro", value="/etc/hostname"),
         ["application.macro", "'/etc/hostname'", "relative path"]),
        (setting("application", "macro", value="../" * 12 + "etc/hostname"),
         ["application.macro", "relative path"]),
        (setting("application", "macro", value="mac/../../../outside.mac"),
         ["application.macro", "relative path"]),
        (setting("outputs", 0, "local_name", value="sub/x.root"),
         ["outputs[0].local_name", "'sub/x.root' is not a plain file name"]),
        (setting("outputs", 1, "local_name", value=".."),
         ["outputs[1].local_name", "not a plain file name"]),
        (setting("outputs", 0, "name", value="../../escaped.root"),
         ["outputs[0].name", "not a plain file name"]),
        (setting("outputs", 0, "lfn", value="/etc/passwd"),
         ["outputs[0].lfn", "relative path"]),
        (setting("outputs", 0, "lfn", value="production/../../../x.root"),
         ["outputs[0].lfn", "relative path"]),
        (setting("outputs", 0, "local_name", value="spec.json"),
         ["outputs: 'spec.json' is a file the runner writes"]),
        (setting("template", "radius", value="6000 8300\n/generator/add combo gun"),
         ["template.radius", "single line"]),
        (setting("template", "radius", value="6000 # comment out the rest"),
         ["template.radius", "'#'"]),
        (setting("template", "radius", value="6000\u2028/rat/run/start"),
         ["template.radius", "single line"]),
        (setting("template", "radius", value=math.nan), ["template.radius", "finite"]),
        (setting("template", "radius", value=math.inf), ["template.radius", "finite"]),
        (time_mode(math.nan), ["duration_s", "finite number greater than 0"]),
        (time_mode(math.inf), ["duration_s", "finite number greater than 0"]),
        (time_mode(-5.0), ["duration_s", "finite number greater than 0"]),
        (time_mode(0.0), ["duration_s", "finite number greater than 0"]),
        (setting("n_events", value=0), ["n_events", "greater than 0"]),
        (setting("n_events", value=-20), ["n_events", "greater than 0"]),
        (setting("run", value=0), ["run: run numbers go from 1 to 9999999999, not 0"]),
        (setting("run", value=10**10), ["run: run numbers go from 1"]),
        (setting("seed", value=-1), ["seed"]),
    ],
)  # fmt: skip
def test_hostile_values_are_refused_before_anything_runs(
    make_job: JobMaker, change: Change, mentions: list[str]
) -> None:
    job = number_job(make_job)
    edit(job, change)
    report = assert_spec_refused(job, mentions)
    assert (report.name, report.token) == (job.spec.name, job.spec.token)  # the client's match


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        (b'{"name": "\xff\xfe"}', ["not UTF-8 text"]),
        (b"[" * 100_000 + b"]" * 100_000, ["nested more than 64 levels deep"]),
        (b'{"name": "x", "seed": ' + b"7" * 5000 + b"}", ["thousands of digits"]),
        (b'{"name": "x",\n "token": }', ["malformed JSON at line 2"]),
        (b'"just a string"', ["expected a JSON object"]),
    ],
)
def test_unreadable_specifications_are_refused_without_a_traceback(
    make_job: JobMaker, content: bytes, mentions: list[str]
) -> None:
    job = number_job(make_job)
    job.spec_path.write_bytes(content)
    report = assert_spec_refused(job, mentions)
    assert (report.name, report.token) == ("", "")


def release_copy(tmp_path: Path) -> Path:
    """A release of our own to put symbolic links in: a copy of the shipped one."""
    release = tmp_path / "release"
    shutil.copytree(release_dir(), release)
    return release


def in_release(release: Path, macro: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["application"].update(release_dir=str(release), macro=macro)

    return change


def test_a_macro_linked_out_of_the_release_is_refused(make_job: JobMaker, tmp_path: Path) -> None:
    release = release_copy(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(release / MACRO, outside / "evil.mac")
    (release / "mac" / "evil.mac").symlink_to(outside / "evil.mac")
    (release / "mac" / "elsewhere").symlink_to(outside, target_is_directory=True)
    (release / "mac" / "hostname.mac").symlink_to("/etc/hostname")
    for macro in ("mac/evil.mac", "mac/elsewhere/evil.mac", "mac/hostname.mac"):
        job = number_job(make_job)
        edit(job, in_release(release, macro))
        assert_spec_refused(job, ["application.macro", repr(macro), "outside the release"])


def test_a_link_that_stays_inside_the_release_is_followed(
    make_job: JobMaker, tmp_path: Path
) -> None:
    """The control for the case above: links are not refused as such."""
    release = release_copy(tmp_path)
    (release / "mac" / "alias.mac").symlink_to(release / MACRO)
    job = number_job(make_job)
    edit(job, in_release(release, "mac/alias.mac"))
    report = job.run()
    assert report.status == "completed", report.error
    assert "rendered mac/alias.mac into alias.mac" in job.stdout


# -- the same rules in process, over many values ---------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_an_accepted_template_value_stays_on_its_macro_line(value: str) -> None:
    """Whatever text a specification carries, an accepted value adds no line and no comment."""
    spec = number_spec()
    try:
        checked = JobSpec.model_validate({**spec, "template": {"radius": value}})
    except ValidationError:
        return
    rendered = render("/generator/pos/set 0 0 0 ${radius} 8300\n", checked.template)
    assert len(rendered.splitlines()) == 1 and "#" not in rendered


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab./\\\x00 "), max_size=8))
def test_an_accepted_output_name_stays_in_the_work_folder(name: str) -> None:
    try:
        OutputSpec(data_type="ratds", local_name=name, name=name, lfn=f"production/x/{name}")
    except ValidationError:
        return
    workdir = Path("/work/folder")
    assert (workdir / name).parent == workdir and name not in (".", "..")


def number_spec() -> dict[str, Any]:
    """A valid specification as JSON data, built without writing anything."""
    return {
        "name": "WaterPmtBetagammas_r100151_s0_p1_a1",
        "kind": "production",
        "module": "WaterPmtBetagammas",
        "run": 100151,
        "subrun": 0,
        "pass_number": 1,
        "attempt": 1,
        "token": "t",
        "application": {
            "rat_version": "1.0.0",
            "executable": "toyrat",
            "release_dir": str(release_dir()),
            "macro": MACRO,
        },
        "event_mode": "number",
        "n_events": 10,
        "seed": 1,
        "outputs": [
            {
                "data_type": "ratds",
                "local_name": "x.root",
                "name": "x.root",
                "lfn": "production/x/x.root",
            }
        ],
        "primary": {"name": "se", "url": "file:///tmp/se"},
        "workdir": "/tmp/job",
    }
