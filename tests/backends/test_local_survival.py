"""What makes the local backend a batch system: it outlives its client and trusts no stale pid."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.base import BackendState, JobStatus, Submission
from gasp.backends.local import LAUNCHER, LOG_FILE, NO_REPORT, write_spec
from gasp.backends.procfs import ProcessIdentity, current_boot_id, read_stat
from gasp.backends.spool import JobRecord, Spool
from tests.backends.conftest import Workbench, wait_until

CLIENT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from gasp.backends.base import Submission
    from gasp.backends.local import LocalBackend

    setup = json.loads(Path(sys.argv[1]).read_text())
    backend = LocalBackend(Path(setup["spool"]), setup["max_running"], setup["command"])
    backend.submit([Submission(name, Path(workdir), spec) for name, workdir, spec in setup["jobs"]])
    print("submitted", flush=True)
    time.sleep(120)
    """
)


def test_jobs_outlive_a_client_killed_with_kill_9_and_are_found_by_a_new_one(
    bench: Workbench,
) -> None:
    jobs = [bench.job(f"Mod_r{run}_s0_p1_a1", hold=True) for run in range(4)]
    setup = bench.root / "client.json"  # not in argv: only workers may show the script there
    setup.write_text(
        json.dumps(
            {
                "spool": str(bench.spool),
                "max_running": 2,
                "command": list(bench.command),
                "jobs": [[job.name, str(job.workdir), job.spec] for job in jobs],
            }
        )
    )
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT, str(setup)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert client.stdout is not None
    assert client.stdout.readline().strip() == "submitted"
    workers = bench.live_workers()
    assert len(workers) == 2

    # Kill the client and its whole process group, as a terminal's Ctrl-C or an OOM kill would.
    os.killpg(client.pid, signal.SIGKILL)
    client.wait()
    assert sorted(bench.live_workers()) == sorted(workers)

    restarted = bench.backend(max_running=2)
    names = [job.name for job in jobs]
    assert restarted.find([*names, "Mod_r9_s0_p1_a1"]) == {name: name for name in names}
    result = restarted.status(names)
    assert [result[name].state for name in names] == [BackendState.RUNNING] * 2 + [
        BackendState.QUEUED
    ] * 2

    bench.release(*jobs)
    wait_until(
        lambda: restarted.status(names) == dict.fromkeys(names, JobStatus(BackendState.FINISHED))
    )
    for job in jobs:
        assert (job.workdir / LOG_FILE).read_text().count("worker ") == 1  # each ran once


def innocent_process() -> subprocess.Popen[bytes]:
    """A live process of someone else's that leads its own group: the worst pid to reuse."""
    return subprocess.Popen(["sleep", "30"], start_new_session=True)


def adopt(spool: Spool, name: str, workdir: Path, identity: ProcessIdentity) -> None:
    """Bookkeeping for a job said to be running as ``identity`` (as if the pid were reused)."""
    workdir.mkdir(parents=True)
    spool.mark_active(name)
    spool.write_record(JobRecord(name, str(workdir), seq=1, submitted="2024-01-01T00:00:00+00:00"))
    assert spool.write_claim(name, identity, started="2024-01-01T00:00:00+00:00")


def test_a_reused_pid_does_not_make_a_dead_job_look_alive(bench: Workbench) -> None:
    backend = bench.backend()
    spool = Spool(bench.spool)
    innocent = innocent_process()
    try:
        stat = read_stat(innocent.pid)
        assert stat is not None
        boot_id = current_boot_id()
        later_start = ProcessIdentity(innocent.pid, stat[1] - 1, boot_id)
        other_boot = ProcessIdentity(innocent.pid, stat[1], "another-boot")
        adopt(spool, "Mod_r1_s0_p1_a1", bench.root / "a", later_start)
        adopt(spool, "Mod_r2_s0_p1_a1", bench.root / "b", other_boot)
        dead = JobStatus(BackendState.FAILED, NO_REPORT)
        names = ["Mod_r1_s0_p1_a1", "Mod_r2_s0_p1_a1"]

        assert backend.status(names) == dict.fromkeys(names, dead)
        backend.cancel(names)  # must not signal the innocent process or its group
        assert backend.status(names) == dict.fromkeys(names, dead)
        assert innocent.poll() is None

        # Control: the right identity is seen alive, and is then the job's to cancel.
        adopt(
            spool,
            "Mod_r3_s0_p1_a1",
            bench.root / "c",
            ProcessIdentity(innocent.pid, stat[1], boot_id),
        )
        assert backend.status(["Mod_r3_s0_p1_a1"])["Mod_r3_s0_p1_a1"].state is BackendState.RUNNING
        backend.cancel(["Mod_r3_s0_p1_a1"])
        assert innocent.wait(timeout=5) == -signal.SIGTERM
    finally:
        innocent.kill()
        innocent.wait()


def test_status_of_1000_jobs_is_one_pass_without_subprocesses(
    bench: Workbench, spawned: list[str]
) -> None:
    backend = bench.backend(max_running=1)
    jobs = [bench.job(f"Mod_r{run}_s0_p1_a1", hold=True) for run in range(1000)]
    names = [job.name for job in jobs]
    backend.submit(jobs)
    spawned.clear()

    result = backend.status([*names, "Unknown_r1_s0_p1_a1"])
    assert spawned == []  # no slot free: nothing to start, and nothing run to find out
    assert result[names[0]].state is BackendState.RUNNING
    assert {result[name].state for name in names[1:]} == {BackendState.QUEUED}
    assert result["Unknown_r1_s0_p1_a1"].state is BackendState.UNKNOWN

    bench.release(jobs[0])
    wait_until(lambda: not bench.live_workers())
    result = backend.status(names)
    assert spawned == ["subprocess.Popen"]  # one launcher for the freed slot, not one per id
    assert [result[name].state for name in names[:2]] == [
        BackendState.FINISHED,
        BackendState.RUNNING,
    ]


def test_launches_racing_for_one_job_start_it_once(bench: Workbench) -> None:
    """A client killed mid-launch, restarted, may launch a job again: only one worker runs it."""
    backend = bench.backend()
    started = bench.job("Mod_r1_s0_p1_a1", hold=True)
    queued = bench.job("Mod_r2_s0_p1_a1", hold=True)
    cancelled = bench.job("Mod_r3_s0_p1_a1", hold=True)
    spool = Spool(bench.spool)
    backend.submit([started])
    for job in (queued, cancelled):  # recorded by hand below, as a dead client left them
        write_spec(job.workdir, job.spec)
    spool.write_record(JobRecord(queued.name, str(queued.workdir), 2, "t"))
    spool.write_record(JobRecord(cancelled.name, str(cancelled.workdir), 3, "t", cancelled="t"))

    orders = [launch_order(bench, spool, job) for job in (started, queued, queued, cancelled)]
    outcomes = [outcome["outcome"] for outcome in run_launcher(orders)]
    assert outcomes == ["taken", "started", "taken", "cancelled"]
    assert len(bench.live_workers()) == 2
    log = queued.workdir / LOG_FILE
    wait_until(lambda: "worker " in log.read_text())
    assert log.read_text().count("worker ") == 1
    assert not (cancelled.workdir / LOG_FILE).exists()


def launch_order(bench: Workbench, spool: Spool, job: Submission) -> dict[str, Any]:
    return {
        "name": job.name,
        "workdir": str(job.workdir),
        "argv": [*bench.command, str(job.workdir / "spec.json")],
        "log": str(job.workdir / LOG_FILE),
        "claim": str(spool.claim_path(job.name)),
        "record": str(spool.record_path(job.name)),
    }


def run_launcher(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(LAUNCHER)],
        input=json.dumps(orders),
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


# -- watching for process creation, through the interpreter's audit events (no patching) ----

SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.system", "os.exec"}
)
_sink: list[list[str]] = []


def _audit(event: str, _args: tuple[object, ...]) -> None:
    if _sink and event in SPAWN_EVENTS:
        _sink[0].append(event)


_installed: list[bool] = []


@pytest.fixture
def spawned() -> Iterator[list[str]]:
    """The process-creation events this interpreter raises while the test runs."""
    if not _installed:
        sys.addaudithook(_audit)  # a hook cannot be removed: install once, switch with _sink
        _installed.append(True)
    events: list[str] = []
    _sink[:] = [events]
    yield events
    _sink.clear()


def test_a_lost_spool_means_unknown_never_finished(bench: Workbench) -> None:
    """Without its bookkeeping the backend has lost track: it says so, and the worker goes on."""
    backend = bench.backend()
    job = bench.job("Mod_r1_s0_p1_a1", hold=True)
    backend.submit([job])
    shutil.rmtree(bench.spool)

    assert backend.status([job.name]) == {job.name: JobStatus(BackendState.UNKNOWN)}
    assert backend.find([job.name]) == {}
    assert len(bench.live_workers()) == 1  # the worker does not depend on the spool
    bench.release(job)
    wait_until((job.workdir / "report.json").exists)
    assert bench.backend().status([job.name]) == {job.name: JobStatus(BackendState.UNKNOWN)}
