"""Processing jobs: raw files from ``toyrat daq`` on a storage element as inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gasp.runner.spec import InputSpec
from gasp.storage import StorageElement
from gasp.toyrat import main as toyrat
from tests.runner.conftest import JobMaker, se_files

RUN = 100151


@pytest.fixture
def raw_subrun(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """One subrun's L2 file, registered on a raw-data element as ``gasp runs register`` would."""
    out = tmp_path / "daq"
    daq = ["daq", "--run", str(RUN), "--subruns", "1", "--events-per-subrun", "300"]
    assert toyrat([*daq, "--out", str(out)]) == 0
    capsys.readouterr()
    sidecar = json.loads((out / f"run_{RUN}.json").read_text())
    l2 = next(f for f in sidecar["subruns"][0]["files"] if f["level"] == "l2")
    raw = StorageElement("raw-se", (tmp_path / "se-raw").as_uri())
    stored = raw.upload(out / l2["name"], f"raw/r{RUN}/{l2['name']}")
    assert (stored.size, stored.adler32) == (l2["size"], l2["adler32"])
    fields = {"url": stored.url, "size": l2["size"], "adler32": l2["adler32"]}
    return fields | {"name": l2["name"], "events": l2["events"]}


@pytest.mark.parametrize("stream", [False, True], ids=["download", "stream"])
def test_processing_a_raw_subrun(
    make_job: JobMaker, raw_subrun: dict[str, Any], stream: bool
) -> None:
    events = raw_subrun.pop("events")
    job = make_job(
        "Processing",
        kind="processing",
        inputs=[InputSpec(**raw_subrun, stream=stream)],
        expected_events=events,
    )
    report = job.run()
    assert report.status == "completed", report.error
    assert [o.events for o in report.outputs] == [events, events]
    assert all(
        o.lfn.startswith(f"processing/Processing/r{RUN // 100 * 100}/") for o in report.outputs
    )
    for output in report.outputs:
        job.primary.verify(output.url, output.size, output.adler32)
    assert len(se_files(job.primary)) == 2
    if stream:  # the application read the element's file in place
        assert f"-i {job.primary.local_path(raw_subrun['url'])}" in job.stdout
        assert "downloaded" not in job.stdout
    else:
        assert f"input {raw_subrun['name']}: downloaded" in job.stdout
    assert not (job.workdir / raw_subrun["name"]).exists()  # staged copy removed when done


def test_an_input_that_does_not_match_its_checksum(
    make_job: JobMaker, raw_subrun: dict[str, Any]
) -> None:
    raw_subrun.pop("events")
    raw_subrun["adler32"] = "00000001"
    job = make_job("Processing", kind="processing", inputs=[InputSpec(**raw_subrun)])
    report = job.run()
    assert report.status == "failed"
    assert f"input {raw_subrun['name']}" in str(report.error)
    assert "checksum mismatch" in str(report.error)
    assert report.exit_code is None  # the application never ran
    assert se_files(job.primary) == []
    assert [p.name for p in job.workdir.iterdir() if "zdab" in p.name] == []
