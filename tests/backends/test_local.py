"""The local backend with real worker processes: lifecycle, slots, failures, cancellation."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable

import pytest

from gasp.backends.base import BackendState, JobStatus
from gasp.backends.local import CANCELLED, CANCELLED_QUEUED, LOG_FILE, NO_REPORT, LocalBackend
from gasp.backends.procfs import read_stat
from gasp.backends.spool import Spool
from tests.backends.conftest import Workbench, wait_until

RUNNING = JobStatus(BackendState.RUNNING)
FINISHED = JobStatus(BackendState.FINISHED)


def states(backend: LocalBackend, *names: str) -> list[BackendState]:
    result = backend.status(names)
    return [result[name].state for name in names]


def finished(backend: LocalBackend, name: str) -> Callable[[], bool]:
    return lambda: backend.status([name]) == {name: FINISHED}


def test_lifecycle_to_finished(bench: Workbench) -> None:
    backend = bench.backend()
    job = bench.job("ScintBi214_r1_s0_p1_a1", hold=True)

    assert backend.submit([job]) == ["ScintBi214_r1_s0_p1_a1"]
    assert backend.status([job.name]) == {job.name: RUNNING}
    (pid,) = bench.live_workers()
    assert os.getsid(pid) == pid  # detached: leads its own session and process group

    bench.release(job)
    wait_until(lambda: backend.status([job.name]) == {job.name: FINISHED})
    report = json.loads((job.workdir / "report.json").read_text())
    assert report["cwd"] == str(job.workdir)  # ran in its job folder
    assert report["spec"] == str(job.workdir / "spec.json")  # with the spec as argument
    assert f"worker {pid} in {job.workdir}" in (job.workdir / LOG_FILE).read_text()
    assert backend.find([job.name, "Other_r1_s0_p1_a1"]) == {job.name: job.name}


def test_max_running_is_respected_and_queued_jobs_start_from_status(bench: Workbench) -> None:
    backend = bench.backend(max_running=2)
    jobs = [bench.job(f"Mod_r{run}_s0_p1_a1", hold=True) for run in range(5)]
    names = [job.name for job in jobs]
    spool = Spool(bench.spool)

    backend.submit(jobs)
    assert states(backend, *names) == [BackendState.RUNNING] * 2 + [BackendState.QUEUED] * 3
    assert len(bench.live_workers()) == 2
    assert [spool.read_claim(name) is not None for name in names] == [True] * 2 + [False] * 3

    for index, job in enumerate(jobs):
        result = backend.status(names)
        running = [name for name in names if result[name] == RUNNING]
        assert running == names[index : index + 2]  # the two oldest unfinished: FIFO, 2 slots
        assert len(bench.live_workers()) == len(running)
        bench.release(job)
        wait_until(finished(backend, job.name))
    assert states(backend, *names) == [BackendState.FINISHED] * 5


def test_worker_killed_with_kill_9_is_failed_and_its_leftovers_are_stopped(
    bench: Workbench,
) -> None:
    backend = bench.backend()
    job = bench.job("Mod_r1_s0_p1_a1", hold=True, child=True)
    backend.submit([job])
    wait_until((job.workdir / "child.pid").exists)
    child = int((job.workdir / "child.pid").read_text())
    (pid,) = bench.live_workers()

    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: backend.status([job.name])[job.name].state is BackendState.FAILED)
    assert backend.status([job.name]) == {job.name: JobStatus(BackendState.FAILED, NO_REPORT)}
    # The application the dead runner started does not keep running outside any slot.
    wait_until(lambda: (read_stat(child) or ("Z", 0))[0] in ("Z", "X"))


def test_crash_without_report_is_failed_with_its_traceback_in_the_log(bench: Workbench) -> None:
    backend = bench.backend()
    crash = bench.job("Mod_r1_s0_p1_a1", crash=True)
    silent = bench.job("Mod_r2_s0_p1_a1", report=False, exit=0)
    backend.submit([crash, silent])
    failed = JobStatus(BackendState.FAILED, NO_REPORT)
    wait_until(
        lambda: (
            backend.status([crash.name, silent.name]) == {crash.name: failed, silent.name: failed}
        )
    )
    assert "the stand-in crashed on purpose" in (crash.workdir / LOG_FILE).read_text()


def test_a_report_means_finished_whatever_the_exit_status(bench: Workbench) -> None:
    backend = bench.backend()
    job = bench.job("Mod_r1_s0_p1_a1", exit=3)
    backend.submit([job])
    wait_until(lambda: backend.status([job.name]) == {job.name: FINISHED})


def test_command_that_cannot_start_is_failed_with_the_reason(bench: Workbench) -> None:
    backend = LocalBackend(bench.spool, 2, (str(bench.root / "no-such-program"),))
    job = bench.job("Mod_r1_s0_p1_a1")
    backend.submit([job])
    status = backend.status([job.name])[job.name]
    assert status.state is BackendState.FAILED
    assert status.reason is not None
    assert status.reason.startswith("worker could not start: cannot execute")
    assert "No such file" in (job.workdir / LOG_FILE).read_text()


def test_submitting_a_known_name_again_starts_nothing(bench: Workbench) -> None:
    backend = bench.backend()
    job = bench.job("Mod_r1_s0_p1_a1", hold=True)
    backend.submit([job])
    assert backend.submit([job]) == [job.name]
    assert bench.backend().submit([job]) == [job.name]  # another client, same spool
    assert len(bench.live_workers()) == 1
    bench.release(job)
    wait_until(lambda: backend.status([job.name]) == {job.name: FINISHED})
    assert backend.submit([job]) == [job.name]  # ended: not run a second time either
    assert backend.status([job.name]) == {job.name: FINISHED}
    assert (job.workdir / LOG_FILE).read_text().count("worker ") == 1


def test_bad_submissions_are_refused_before_anything_is_queued(bench: Workbench) -> None:
    backend = bench.backend()
    good = bench.job("Mod_r1_s0_p1_a1")
    with pytest.raises(ValueError, match="not a valid"):
        backend.submit([good, good.__class__("../escape", good.workdir, good.spec)])
    assert backend.find([good.name]) == {}
    assert not (good.workdir / "spec.json").exists()
    assert backend.status(["../escape"])["../escape"].state is BackendState.UNKNOWN


def test_cancel_running_job(bench: Workbench) -> None:
    backend = bench.backend()
    job = bench.job("Mod_r1_s0_p1_a1", hold=True)
    backend.submit([job])
    assert len(bench.live_workers()) == 1
    backend.cancel([job.name])
    assert bench.live_workers() == []
    assert backend.status([job.name]) == {job.name: JobStatus(BackendState.FAILED, CANCELLED)}
    assert backend.find([job.name]) == {job.name: job.name}


def test_cancel_kills_a_worker_that_ignores_sigterm_after_the_grace(bench: Workbench) -> None:
    backend = bench.backend(cancel_grace=0.3)
    job = bench.job("Mod_r1_s0_p1_a1", hold=True, ignore_term=True, child=True)
    backend.submit([job])
    wait_until((job.workdir / "child.pid").exists)
    child = int((job.workdir / "child.pid").read_text())
    backend.cancel([job.name])
    assert bench.live_workers() == []
    assert backend.status([job.name]) == {job.name: JobStatus(BackendState.FAILED, CANCELLED)}
    wait_until(lambda: (read_stat(child) or ("Z", 0))[0] in ("Z", "X"))  # the whole group


def test_cancel_queued_job_drops_it_and_frees_nothing_it_never_held(bench: Workbench) -> None:
    backend = bench.backend(max_running=1)
    first = bench.job("Mod_r1_s0_p1_a1", hold=True)
    second = bench.job("Mod_r2_s0_p1_a1", hold=True)
    backend.submit([first, second])
    assert states(backend, first.name, second.name) == [BackendState.RUNNING, BackendState.QUEUED]

    backend.cancel([second.name])
    dropped = JobStatus(BackendState.FAILED, CANCELLED_QUEUED)
    assert backend.status([second.name]) == {second.name: dropped}
    bench.release(first)
    wait_until(lambda: backend.status([first.name]) == {first.name: FINISHED})
    assert backend.status([second.name]) == {second.name: dropped}
    assert not (second.workdir / LOG_FILE).exists()  # never started
    assert backend.find([second.name]) == {second.name: second.name}


def test_cancel_running_job_starts_the_next_queued_one(bench: Workbench) -> None:
    backend = bench.backend(max_running=1)
    first = bench.job("Mod_r1_s0_p1_a1", hold=True)
    second = bench.job("Mod_r2_s0_p1_a1", hold=True)
    backend.submit([first, second])
    backend.cancel([first.name])
    assert states(backend, first.name, second.name) == [BackendState.FAILED, BackendState.RUNNING]


def test_job_whose_folder_vanished_before_it_started_fails_once(bench: Workbench) -> None:
    backend = bench.backend(max_running=1)
    first = bench.job("Mod_r1_s0_p1_a1", hold=True)
    second = bench.job("Mod_r2_s0_p1_a1")
    backend.submit([first, second])
    for path in second.workdir.iterdir():
        path.unlink()
    second.workdir.rmdir()
    bench.release(first)
    wait_until(finished(backend, first.name))
    status = backend.status([second.name])[second.name]
    assert status.state is BackendState.FAILED
    assert status.reason is not None
    assert status.reason.startswith("worker could not start: FileNotFoundError")
    assert backend.status([second.name])[second.name] == status  # not retried in a loop
