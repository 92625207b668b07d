"""The slurm backend against a real single-node Slurm cluster (``slurm_cluster`` fixture).

Jobs run a tiny stand-in for the runner that reads its ``spec.json`` to know how to
behave (hold until the test drops a ``go`` file, exit with a status, write a report or
not), so tests decide when jobs end instead of racing sleeps.

The Slurm commands a call runs are counted through the interpreter's audit events on
``subprocess.Popen`` (``commands``; no patching): "one status query" is checked, not
assumed.

Order matters in this module, on purpose: a job that overruns its one-minute time limit
is submitted when the module starts (``early``), the tests in between use the minute,
and the time-limit test near the end only collects the outcome. The node-failure test
runs last because it takes the only node down.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gasp.backends.base import BackendState, JobStatus, Submission
from gasp.backends.slurm import FORGOTTEN, SlurmBackend
from gasp.backends.slurm_cli import SbatchOptions, SlurmNotInstalled, SlurmUnavailable
from tests.services.slurm_cluster import SlurmCluster, started_programs

pytestmark = pytest.mark.slow

STAND_IN = textwrap.dedent(
    """
    import json, os, sys, time

    spec = json.load(open(sys.argv[1]))
    print("stand-in", os.getpid(), "in", os.getcwd(), flush=True)
    deadline = time.monotonic() + spec.get("hold_s", 0)
    while time.monotonic() < deadline and not os.path.exists("go"):
        time.sleep(0.05)
    if spec.get("report", True):
        open("report.json.tmp", "w").write(json.dumps({"name": spec["name"]}))
        os.rename("report.json.tmp", "report.json")
    sys.exit(spec.get("exit", 0))
    """
)
ENDED = (BackendState.FINISHED, BackendState.FAILED)


class SlurmBench:
    """Job folders, the stand-in command, and backends on the test cluster."""

    def __init__(self, root: Path, cluster: SlurmCluster) -> None:
        self.root = root
        self.cluster = cluster
        self.script = root / "stand_in.py"
        self.script.write_text(STAND_IN, encoding="utf-8")
        self.command = (sys.executable, "-S", str(self.script))
        self.submitted: list[str] = []

    def backend(self, spool: str | None = "spool", **options: Any) -> SlurmBackend:
        settings: dict[str, Any] = {"accounting": "jobcomp", "slurm_conf": self.cluster.conf}
        backend = SlurmBackend(
            spool=None if spool is None else self.root / spool,
            command=self.command,
            **{**settings, **options},
        )
        return backend

    def job(self, name: str, **behaviour: Any) -> Submission:
        workdir = self.root / "jobs" / name
        return Submission(name, workdir, json.dumps({"name": name, **behaviour}))

    def submit(self, backend: SlurmBackend, jobs: list[Submission]) -> list[str]:
        ids = backend.submit(jobs)
        self.submitted += ids
        return ids

    @staticmethod
    def release(*jobs: Submission) -> None:
        for job in jobs:
            (job.workdir / "go").touch()

    def cleanup(self) -> None:
        if self.submitted:
            self.cluster.run("scancel", *self.submitted, check=False)


def wait_for(
    backend: SlurmBackend,
    ids: list[str],
    done: Callable[[JobStatus], bool] = lambda s: s.state in ENDED,
    timeout: float = 60.0,
) -> dict[str, JobStatus]:
    """Poll ``status`` until every job satisfies ``done``; fail the test if they never do."""
    deadline = time.monotonic() + timeout
    while True:
        found = backend.status(ids)
        if all(done(status) for status in found.values()):
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not reached within {timeout:.0f} s: {found}")
        time.sleep(0.25)


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def sbench(tmp_path: Path, slurm_cluster: SlurmCluster) -> Iterator[SlurmBench]:
    bench = SlurmBench(tmp_path, slurm_cluster)
    yield bench
    bench.cleanup()


@dataclass
class Early:
    """Jobs submitted when the module starts: one overruns its limit, one ends at once."""

    bench: SlurmBench
    overrun: str
    quick: Submission
    quick_id: str


@pytest.fixture(scope="module", autouse=True)
def early(tmp_path_factory: pytest.TempPathFactory, slurm_cluster: SlurmCluster) -> Iterator[Early]:
    bench = SlurmBench(tmp_path_factory.mktemp("slurm-early"), slurm_cluster)
    limited = bench.backend(options=SbatchOptions(time_limit="1"))
    (overrun,) = bench.submit(limited, [bench.job("Overrun_r1_s0_p1_a1", hold_s=300)])
    quick = bench.job("Quick_r1_s0_p1_a1")
    (quick_id,) = bench.submit(bench.backend(), [quick])
    yield Early(bench, overrun, quick, quick_id)
    bench.cleanup()


# -- the tests ------------------------------------------------------------------------------


def test_a_batch_runs_to_finished(sbench: SlurmBench) -> None:
    backend = sbench.backend()
    jobs = [sbench.job(f"Batch_r{run}_s0_p1_a1") for run in range(4)]
    jobs.append(sbench.job("Batch_r9_s0_p1_a1", exit=3))  # a runner that reports a failure
    with started_programs() as started:
        ids = sbench.submit(backend, jobs)
    assert started == ["sbatch"] * len(jobs)
    assert len(set(ids)) == len(jobs) and all(i.isdigit() for i in ids)
    for job, job_id in zip(jobs, ids, strict=True):
        assert (job.workdir / "spec.json").read_text() == job.spec
        assert (sbench.root / "spool" / "slurm-ids" / job.name).read_text().strip() == job_id

    ended = wait_for(backend, ids)
    # Exit status 3 is FINISHED too: the runner's report says how the job went.
    assert set(ended.values()) == {JobStatus(BackendState.FINISHED)}
    for job in jobs:
        report = backend.read_report(job.name, job.workdir)
        assert report is not None and json.loads(report)["name"] == job.name
        assert "stand-in" in (job.workdir / "runner.log").read_text()


def test_status_of_many_jobs_is_one_squeue(sbench: SlurmBench) -> None:
    backend = sbench.backend()
    jobs = [sbench.job(f"Many_r{run}_s0_p1_a1", hold_s=60) for run in range(12)]
    ids = sbench.submit(backend, jobs)
    with started_programs() as for_one:
        backend.status(ids[:1])
    with started_programs() as for_twelve:
        live = backend.status(ids)
    assert for_one == for_twelve == ["squeue"]
    assert {s.state for s in live.values()} <= {BackendState.QUEUED, BackendState.RUNNING}

    # An id squeue does not know costs one accounting query, for all such ids together.
    with started_programs() as started:
        mixed = backend.status([*ids, "999999", "999998", "not-an-id"])
    assert started == ["squeue", "sacct"]
    assert mixed["999999"] == JobStatus(BackendState.UNKNOWN, FORGOTTEN)
    assert mixed["not-an-id"].state == BackendState.UNKNOWN

    sbench.release(*jobs)
    assert {s.state for s in wait_for(backend, ids).values()} == {BackendState.FINISHED}


def test_a_cancelled_job_fails_with_the_reason(sbench: SlurmBench) -> None:
    backend = sbench.backend()
    done, held = sbench.job("Done_r1_s0_p1_a1"), sbench.job("Held_r1_s0_p1_a1", hold_s=60)
    done_id, held_id = sbench.submit(backend, [done, held])
    wait_for(backend, [done_id])
    wait_for(backend, [held_id], lambda s: s.state == BackendState.RUNNING)
    with started_programs() as started:
        backend.cancel([held_id, done_id, "999999"])
    assert started == ["scancel"]
    ended = wait_for(backend, [held_id, done_id])
    assert ended[held_id] == JobStatus(BackendState.FAILED, "CANCELLED")
    assert ended[done_id] == JobStatus(BackendState.FINISHED)  # its outcome stands


def test_a_restarted_client_finds_its_jobs_by_name(sbench: SlurmBench) -> None:
    jobs = [sbench.job(f"Find_r{run}_s0_p1_a1", hold_s=60) for run in range(3)]
    names = [job.name for job in jobs]
    ids = sbench.submit(sbench.backend(), jobs)
    expected = dict(zip(names, ids, strict=True))

    restarted = sbench.backend()  # a new object: nothing in memory, the same spool
    with started_programs() as started:
        assert restarted.find(names) == expected
    assert started == []  # the recorded ids: no command at all
    with started_programs() as started:
        assert restarted.submit(jobs) == ids  # recorded names are never submitted again
    assert started == []
    with started_programs() as started:
        assert restarted.find([*names, "Never_r1_s0_p1_a1"]) == expected
    assert started == ["squeue", "sacct"]  # one of each for the name nobody submitted

    without_records = sbench.backend(spool=None)  # e.g. killed before it could record
    with started_programs() as started:
        assert without_records.find(names) == expected
    assert started == ["squeue"]

    sbench.release(*jobs)
    wait_for(restarted, ids)


def test_slurm_failures_are_gasp_errors(
    sbench: SlurmBench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.services.pouchdb_server import free_loopback_port

    conf = sbench.cluster.conf.read_text()
    port = next(line for line in conf.splitlines() if line.startswith("SlurmctldPort="))
    down = tmp_path / "down.conf"
    down.write_text(conf.replace(port, f"SlurmctldPort={free_loopback_port()}"))
    backend = sbench.backend(slurm_conf=down)
    with pytest.raises(SlurmUnavailable, match="Unable to contact slurm controller"):
        backend.status(["1"])
    hurried = sbench.backend(slurm_conf=down, timeout=1.0)
    with pytest.raises(SlurmUnavailable, match="did not answer within 1 s"):
        hurried.submit([sbench.job("Down_r1_s0_p1_a1")])

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SlurmNotInstalled, match="squeue: not found on PATH"):
        sbench.backend().status(["1"])


def test_a_job_over_its_time_limit_fails_with_timeout(early: Early) -> None:
    backend = early.bench.backend()
    ended = wait_for(backend, [early.overrun], timeout=150)
    assert ended[early.overrun] == JobStatus(BackendState.FAILED, "TIMEOUT")


def test_jobs_the_controller_forgot_come_from_accounting(early: Early) -> None:
    cluster = early.bench.cluster

    def forgotten() -> bool:
        done = cluster.run("squeue", "--noheader", "--states=all", "--format=%i", check=False)
        return early.quick_id not in done.stdout.split()

    deadline = time.monotonic() + 150  # MinJobAge=2, but the purge runs once a minute
    while not forgotten():
        assert time.monotonic() < deadline, "slurmctld never purged the ended job"
        time.sleep(1)

    backend = early.bench.backend(spool=None)
    with started_programs() as started:
        assert backend.status([early.quick_id]) == {
            early.quick_id: JobStatus(BackendState.FINISHED)
        }
        assert backend.find([early.quick.name]) == {early.quick.name: early.quick_id}
    assert started == ["squeue", "sacct", "squeue", "sacct"]

    blind = early.bench.backend(spool=None, accounting="none")
    assert blind.status([early.quick_id]) == {
        early.quick_id: JobStatus(BackendState.UNKNOWN, FORGOTTEN)  # never FINISHED
    }
    assert blind.find([early.quick.name]) == {}
    recorded = early.bench.backend(accounting="none")  # the spool still has the id
    assert recorded.find([early.quick.name]) == {early.quick.name: early.quick_id}


def test_a_lost_node_fails_its_job_and_never_finishes_it(sbench: SlurmBench) -> None:
    backend = sbench.backend()
    job = sbench.job("Lost_r1_s0_p1_a1", hold_s=90)
    (job_id,) = sbench.submit(backend, [job])
    wait_for(backend, [job_id], lambda s: s.state == BackendState.RUNNING)
    seen: list[JobStatus] = []
    sbench.cluster.stop_slurmd()
    try:
        deadline = time.monotonic() + 90
        while not seen or seen[-1].state != BackendState.FAILED:
            assert time.monotonic() < deadline, f"the node never failed: {seen[-1:]}"
            seen.append(backend.status([job_id])[job_id])
            time.sleep(0.5)
        assert seen[-1] == JobStatus(BackendState.FAILED, "NODE_FAIL")
        assert BackendState.FINISHED not in {s.state for s in seen}

        # The orphaned runner still ends and writes a report: it must not count.
        sbench.release(job)
        deadline = time.monotonic() + 30
        while not (job.workdir / "report.json").exists():
            assert time.monotonic() < deadline, "the orphaned stand-in never ended"
            time.sleep(0.2)
        assert backend.status([job_id])[job_id] == JobStatus(BackendState.FAILED, "NODE_FAIL")
    finally:
        sbench.cluster.start_slurmd()
        sbench.cluster.wait_for_node("idle", timeout=60)
