"""One contract, run unchanged against every batch backend: local, slurm and noop.

The promises are those ``gasp.backends.base.Backend`` states. Each backend's fixture says
only how to build it (from the options a site file would hold, through the factory, so a
second build is a restarted client) and what it can do: ``noop`` finishes a job as it is
submitted and forgets everything when rebuilt, so a test that needs a live job, or a
memory across a restart, asks the capabilities, never the backend's name.

Jobs run the stand-in worker of ``conftest.py``: it writes its report and exits at once,
or holds until the test drops a ``go`` file in its folder. Slurm runs it on the test
cluster (``slurm_cluster``; under ``CI=true`` a missing Slurm fails instead of skipping).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gasp.backends.base import Backend, BackendState, JobStatus, Submission
from gasp.backends.factory import make_backend
from tests.backends.conftest import Workbench

LIVE = (BackendState.QUEUED, BackendState.RUNNING)
ENDED = (BackendState.FINISHED, BackendState.FAILED)
NOT_IDS = ("not/an/id", "")  # of no backend's form


@dataclass(frozen=True)
class Capabilities:
    """Where a backend legitimately differs from the others."""

    holds_jobs: bool  # a job stays queued or running until the test releases it
    remembers: bool  # a backend rebuilt from the same options finds the earlier jobs


@dataclass
class Harness:
    """One backend under the contract: how to build it and how to drive its jobs."""

    name: str
    options: dict[str, Any]
    bench: Workbench
    can: Capabilities
    never_issued: str  # an id of this backend's own form that it never gave out
    timeout: float  # how long a job may take to start and end
    names: list[str] = field(default_factory=list)

    def backend(self) -> Backend:
        """A new backend object from the same options: each call is a client (re)starting."""
        return make_backend(self.name, self.options)

    def job(self, name: str, *, hold: bool = False) -> Submission:
        self.names.append(name)
        return self.bench.job(name, token=f"token-{name}", hold=hold)

    def release(self, *jobs: Submission) -> None:
        """Let held jobs end (a backend that runs nothing may have made no folder)."""
        for job in jobs:
            job.workdir.mkdir(parents=True, exist_ok=True)
        self.bench.release(*jobs)

    def wait(
        self,
        backend: Backend,
        ids: list[str],
        done: Callable[[JobStatus], bool] = lambda status: status.state in ENDED,
    ) -> dict[str, JobStatus]:
        """Poll ``status`` until every job satisfies ``done``; fail the test if they never do."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = backend.status(ids)
            if all(done(found[job_id]) for job_id in ids):
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"{self.name}: not reached within {self.timeout:.0f} s: {found}")
            time.sleep(0.1)

    def cleanup(self) -> None:
        """Cancel whatever this test left running, through the backend itself."""
        backend = self.backend()
        backend.cancel(list(backend.find(self.names).values()))
        backend.close()


# -- how each backend is built ------------------------------------------------------------


def _local(bench: Workbench, request: pytest.FixtureRequest) -> Harness:
    options = {
        "spool": str(bench.spool),
        "max_running": 4,
        "command": list(bench.command),
        "cancel_grace": 5.0,
    }
    return Harness(
        "local",
        options,
        bench,
        Capabilities(holds_jobs=True, remembers=True),
        never_issued="Never_r1_s0_p1_a1",
        timeout=15.0,
    )


def _slurm(bench: Workbench, request: pytest.FixtureRequest) -> Harness:
    cluster = request.getfixturevalue("slurm_cluster")
    options = {
        "spool": str(bench.spool),
        "max_running": 4,
        "command": list(bench.command),
        "accounting": "jobcomp",
        "slurm_conf": str(cluster.conf),
    }
    return Harness(
        "slurm",
        options,
        bench,
        Capabilities(holds_jobs=True, remembers=True),
        never_issued="999999",
        timeout=60.0,
    )


def _noop(bench: Workbench, request: pytest.FixtureRequest) -> Harness:
    options = {"spool": str(bench.spool), "max_running": 4}
    return Harness(
        "noop",
        options,
        bench,
        Capabilities(holds_jobs=False, remembers=False),
        never_issued="Never_r1_s0_p1_a1",
        timeout=5.0,
    )


BUILDERS = {"local": _local, "slurm": _slurm, "noop": _noop}


@pytest.fixture(params=["local", pytest.param("slurm", marks=pytest.mark.slow), "noop"])
def harness(request: pytest.FixtureRequest, bench: Workbench) -> Iterator[Harness]:
    built = BUILDERS[request.param](bench, request)
    yield built
    built.cleanup()


@pytest.fixture(params=["local", pytest.param("slurm", marks=pytest.mark.slow)])
def holding_harness(request: pytest.FixtureRequest, bench: Workbench) -> Iterator[Harness]:
    """The backends whose jobs can be live (noop ends each job as it is submitted)."""
    built = BUILDERS[request.param](bench, request)
    assert built.can.holds_jobs
    yield built
    built.cleanup()


# -- the contract -------------------------------------------------------------------------


class TestBackendContract:
    def test_a_batch_gets_one_id_per_job_in_order(self, harness: Harness) -> None:
        backend = harness.backend()
        jobs = [harness.job(f"Batch_r{run}_s0_p1_a1") for run in range(4)]
        names = [job.name for job in jobs]

        ids = backend.submit(jobs)
        assert len(ids) == len(jobs) and len(set(ids)) == len(jobs)
        assert all(isinstance(job_id, str) and job_id for job_id in ids)
        assert backend.find(names) == dict(zip(names, ids, strict=True))  # the i-th is the i-th's

        ended = harness.wait(backend, ids)
        assert {status.state for status in ended.values()} == {BackendState.FINISHED}
        for job in jobs:
            report = backend.read_report(job.name, job.workdir)
            assert report is not None and json.loads(report)["name"] == job.name

    def test_status_answers_every_id_in_one_call(self, harness: Harness) -> None:
        backend = harness.backend()
        jobs = [harness.job(f"Many_r{run}_s0_p1_a1", hold=True) for run in range(3)]
        ids = backend.submit(jobs)
        asked = [*ids, harness.never_issued, *NOT_IDS]

        found = backend.status(asked)
        assert set(found) == set(asked)
        expected = LIVE if harness.can.holds_jobs else (BackendState.FINISHED,)
        assert all(found[job_id].state in expected for job_id in ids)
        assert [found[job_id].state for job_id in asked[len(ids) :]] == [BackendState.UNKNOWN] * 3

        harness.release(*jobs)
        assert set(harness.wait(backend, ids)) == set(ids)

    def test_a_restarted_backend_finds_its_jobs_by_name(self, harness: Harness) -> None:
        first = harness.backend()
        jobs = [harness.job(f"Find_r{run}_s0_p1_a1", hold=True) for run in range(2)]
        names = [job.name for job in jobs]
        ids = first.submit(jobs)
        submitted = dict(zip(names, ids, strict=True))
        asked = [*names, "Other_r1_s0_p1_a1"]  # a name nobody submitted

        restarted = harness.backend()
        assert restarted.find(asked) == (submitted if harness.can.remembers else {})
        if not harness.can.remembers:  # what it forgot is unknown to it, never finished
            assert {s.state for s in restarted.status(ids).values()} == {BackendState.UNKNOWN}
        assert first.find(asked) == submitted

        harness.release(*jobs)
        harness.wait(first, ids)

    def test_cancelling_an_ended_job_is_not_an_error(self, harness: Harness) -> None:
        backend = harness.backend()
        job = harness.job("Ended_r1_s0_p1_a1")
        (job_id,) = backend.submit([job])
        harness.wait(backend, [job_id])

        backend.cancel([job_id, harness.never_issued, *NOT_IDS])
        harness.backend().cancel([job_id])  # from a restarted client too
        assert backend.status([job_id]) == {job_id: JobStatus(BackendState.FINISHED)}
        assert backend.read_report(job.name, job.workdir) is not None

    def test_cancelling_a_live_job_ends_it(self, holding_harness: Harness) -> None:
        harness = holding_harness
        backend = harness.backend()
        job = harness.job("Live_r1_s0_p1_a1", hold=True)
        (job_id,) = backend.submit([job])
        harness.wait(backend, [job_id], lambda status: status.state is BackendState.RUNNING)

        backend.cancel([job_id])
        ended = harness.wait(backend, [job_id])
        assert ended[job_id].state is BackendState.FAILED  # it left no report
        assert backend.read_report(job.name, job.workdir) is None

    def test_ids_it_never_issued_are_unknown(self, harness: Harness) -> None:
        backend = harness.backend()
        asked = [harness.never_issued, *NOT_IDS]
        assert {backend.status(asked)[i].state for i in asked} == {BackendState.UNKNOWN}
        assert backend.find(["Never_r1_s0_p1_a1"]) == {}

    def test_a_job_is_finished_only_once_it_has_ended(self, harness: Harness) -> None:
        backend = harness.backend()
        job = harness.job("Held_r1_s0_p1_a1", hold=True)
        (job_id,) = backend.submit([job])
        seen = [backend.status([job_id])[job_id].state for _ in range(5)]
        if harness.can.holds_jobs:
            assert set(seen) <= set(LIVE)  # held: not finished, whatever the backend knows
            assert backend.read_report(job.name, job.workdir) is None
        harness.release(job)

        ended = harness.wait(backend, [job_id])
        assert ended[job_id] == JobStatus(BackendState.FINISHED)
        report = backend.read_report(job.name, job.workdir)  # finished: the report is there
        assert report is not None and json.loads(report)["name"] == job.name
