"""Fast failover (issue 14): a primary storage element that refuses connections costs
seconds, not the 120 s request timeout, before the runner stores on the failover element.

The primary is ``root://127.0.0.1:<closed port>``: nothing listens there, so every
connection is refused at once. With the XRootD client's own defaults (five attempts,
two-minute windows) the same job was still uploading after 120 s; with the settings gasp
applies (``gasp/storage/xrootd.py``, ``CLIENT_SETTINGS``) the whole job, application
included, takes about two seconds. The failover element is a real XRootD server and a
``file://`` folder, each in turn.
"""

from __future__ import annotations

import socket
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

from tests.runner.conftest import Job, JobMaker
from tests.services.xrootd_server import XRootDServer

# The whole job: toyrat's 30 events (about a second), two outputs, the refused primary.
WALL_LIMIT_S = 15


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run_with_refusing_primary(make_job: JobMaker, failover_url: str | None) -> tuple[Job, float]:
    job = make_job(
        "WaterPmtBetagammas",
        event_mode="number",
        n_events=30,
        expected_events=30,
        template={"radius": 6000},
        primary_url=f"root://127.0.0.1:{closed_port()}//se",
        failover_url=failover_url,
    )
    started = time.monotonic()
    job.run(timeout=120)
    return job, time.monotonic() - started


def check_on_failover(job: Job, wall_s: float, folder: Path) -> None:
    """Completed, every output on the failover element with its adler32, in seconds."""
    report = job.report()
    assert report.status == "completed", report.error
    assert "upload to primary-se failed" in job.stdout
    assert job.failover is not None
    assert [o.se for o in report.outputs] == ["failover-se", "failover-se"]
    for output in report.outputs:
        assert output.url == job.failover.url_for(output.lfn)
        job.failover.verify(output.url, output.size, output.adler32)
        stored = (folder / output.lfn).read_bytes()  # the bytes on the element's disk
        assert (len(stored), f"{zlib.adler32(stored) & 0xFFFFFFFF:08x}") == (
            output.size,
            output.adler32,
        )
    assert wall_s < WALL_LIMIT_S, f"the job took {wall_s:.1f} s"


def test_refused_primary_fails_over_to_xrootd_in_seconds(
    make_job: JobMaker, xrootd_server: XRootDServer
) -> None:
    name = f"failover-{uuid.uuid4().hex[:10]}"
    job, wall_s = run_with_refusing_primary(make_job, xrootd_server.url_for(f"/{name}"))
    check_on_failover(job, wall_s, xrootd_server.data / name)


def test_refused_primary_fails_over_to_a_folder_in_seconds(
    make_job: JobMaker, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    job, wall_s = run_with_refusing_primary(make_job, None)
    check_on_failover(job, wall_s, tmp_path / "se-failover")
    record_property("wall_s", round(wall_s, 2))
