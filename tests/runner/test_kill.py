"""``kill -9`` of the runner: no report, nothing under a final name, no orphaned application.

A runner killed outright cannot clean up; what must hold anyway is that nothing it left
can be mistaken for a result: no ``report.json`` (the client sees a job that never
finished) and no file under a final name on storage (at most a hidden ``.part-`` copy).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from gasp.storage import is_temporary
from tests.runner.conftest import Job, JobMaker, runner_env, se_files


@contextmanager
def started(job: Job, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The runner running in its own session, so that whatever it leaves can be cleaned up."""
    process = subprocess.Popen(
        job.command(),
        env=runner_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(condition: Callable[[], bool], timeout: float, pause: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(pause)


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(word) for word in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_killed_mid_event(make_job: JobMaker) -> None:
    job = make_job(
        "WaterPmtBetagammas", event_mode="number", n_events=100_000, template={"radius": 6000}
    )
    with started(job, {"TOYRAT_MS_PER_EVENT": "1"}) as runner:
        # The application is writing events once its hidden temporary outputs exist.
        wait_for(lambda: any(is_temporary(p.name) for p in job.workdir.iterdir()), 30)
        application = children(runner.pid)
        assert application
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
        wait_for(lambda: not any(alive(pid) for pid in application), 5)  # died with it
    assert not job.report_path.exists()
    assert job.failover is not None
    assert se_files(job.primary) == [] and se_files(job.failover) == []


def test_killed_mid_upload(make_job: JobMaker) -> None:
    job = make_job("ScintBi214", event_mode="number", n_events=30_000)
    folder = Path(job.primary.url_for(job.spec.outputs[0].lfn).removeprefix("file://")).parent

    def uploading() -> bool:
        try:
            return any(".part-" in name for name in os.listdir(folder))
        except FileNotFoundError:
            return False

    with started(job, {}) as runner:
        wait_for(uploading, 60, pause=0.0005)
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
    assert not job.report_path.exists()
    left = se_files(job.primary)
    assert left, "the upload had started"
    assert all(is_temporary(name) for name in left), left  # nothing under a final name


def test_stopped_by_sigterm_mid_event(make_job: JobMaker) -> None:
    """A batch system's cancel or time limit: the runner stops the application and reports."""
    job = make_job(
        "WaterPmtBetagammas", event_mode="number", n_events=100_000, template={"radius": 6000}
    )
    with started(job, {"TOYRAT_MS_PER_EVENT": "1"}) as runner:
        wait_for(lambda: any(is_temporary(p.name) for p in job.workdir.iterdir()), 30)
        application = children(runner.pid)
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(30) == 1
        assert not any(alive(pid) for pid in application)
    report = job.report()
    assert report.status == "failed"
    assert report.error == "the runner was stopped by SIGTERM"
    assert report.exit_code is not None and report.exit_code != 0
    assert se_files(job.primary) == []
