"""``gasp errors``: failures grouped by cause, on both stores."""

from __future__ import annotations

import json
import shlex

from gasp.model.documents import JobDocument, stored
from gasp.model.job import add_labels, new_job_document, new_pass
from gasp.ops.error_text import normalise
from gasp.ops.errors import collect_errors
from gasp.ops.pages import PAGE_JOBS
from gasp.passes.selection import SelectionOptions, make_selection
from tests.campaign import Campaign
from tests.ops.conftest import LABEL, Finished
from tests.ops.test_summary import Watched


def test_one_cause_reads_as_one_line() -> None:
    """What differs from job to job goes; the words that say what happened stay."""
    first = normalise(
        "toyrat exited with status 1:\nTraceback ...\n  File /opt/rat/a.py, line 42\n"
        "cannot open /scratch/job17/WaterN16SourceRun_r100151_s0_p1.root after 18 events"
    )
    second = normalise(
        "toyrat exited with status 137:\n"
        "cannot open /data/x/ScintBi214_r7_s3_p2.root after 9034 events"
    )
    assert (
        first == second == "toyrat exited with status <n>: ... cannot open <path> after <n> events"
    )
    assert normalise("at 2026-01-05T10:15:00Z job 6f1c2d3e-1111-2222-3333-444455556666") == (
        "at <time> job <uuid>"
    )
    assert normalise("adler32 0a1b2c3d != ff00aa11 on root://se.example//a/b") == (
        "adler32 <hex> != <hex> on <url>"
    )
    assert normalise("no macro for WaterN16SourceRun") == "no macro for WaterN16SourceRun"
    assert normalise(None) == normalise("  ") == "(no error recorded)"


def _failed_job(module: str, run: int, error: str, exit_code: int) -> JobDocument:
    job = new_job_document("production", module, run)
    pass_doc = new_pass(
        pass_number=1,
        rat_version="1.0.0",
        created="2026-01-05T10:00:00Z",
        subjobs=[{"subrun": 0}, {"subrun": 1}],
        by="test",
        labels=["Many"],
        site="beta",
    )
    pass_doc["status"] = "partFail"
    crashed = pass_doc["subjobs"][0]
    crashed["status"], crashed["error"], crashed["exit_code"] = "failed", error, exit_code
    pass_doc["subjobs"][1]["status"] = "completed"
    job["passes"].append(pass_doc)
    add_labels(job, ["Many"])
    return job


def test_fifty_failures_with_one_cause_are_one_group(campaign: Campaign) -> None:
    jobs = [
        _failed_job(
            "WaterBi214Run",
            100 + n,
            f"toyrat exited with status 1:\ncannot open /scratch/node{n}/in_{n * 7}.root "
            f"after {n * 13} events",
            1,
        )
        for n in range(50)
    ]
    jobs += [
        _failed_job("WaterBi214Run", 200 + n, f"killed by SIGKILL after {n}.5 s", -9)
        for n in range(4)
    ]
    assert all(result.ok for result in campaign.db.bulk([stored(job) for job in jobs]))
    watched = Watched(campaign.db)
    report = collect_errors(watched, make_selection(SelectionOptions(label="Many")))
    assert report.passes == 54 and report.failures == 54
    groups = report.ordered()
    assert [(g.count, g.exit_code, g.site) for g in groups] == [(50, 1, "beta"), (4, -9, "beta")]
    assert (
        groups[0].cause == "toyrat exited with status <n>: ... cannot open <path> after <n> events"
    )
    assert [s.run for s in groups[0].samples] == [100, 101, 102]
    assert all(s.logs is None for s in groups[0].samples)  # no logs attached to these
    assert watched.bulk_reads == [54] and PAGE_JOBS >= 54  # one bulk read, not one per pass


def test_errors_of_a_finished_campaign(finished: Finished) -> None:
    campaign = finished.campaign
    passes = campaign.passes()
    result = campaign.gasp("errors", "--label", LABEL, "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["passes"], shown["failures"]) == (2, 2)
    by_module = {group["module"]: group for group in shown["groups"]}
    assert set(by_module) == {"WaterN16SourceRun", "ScintBi214"}
    for key in (finished.part_failed, finished.failed):
        group = by_module[key[0]]
        (crashed,) = [s for s in passes[key]["subjobs"] if s["status"] == "failed"]
        assert group["count"] == 1 and group["site"] == "alpha"
        assert group["exit_code"] == crashed["exit_code"] != 0
        assert group["cause"] == normalise(crashed["error"]) and "segmentation" in group["cause"]
        (sample,) = group["samples"]
        assert (sample["run"], sample["pass"], sample["subrun"]) == (key[1], key[2], 0)
        logs = campaign.gasp(*shlex.split(sample["logs"])[1:])  # the command it suggests works
        assert logs.returncode == 0, logs.stderr
        assert crashed["name"] in logs.stdout

    only_failed = campaign.gasp("errors", "--label", LABEL, "--status", "failed")
    assert only_failed.returncode == 0, only_failed.stderr
    assert "ScintBi214" in only_failed.stdout and "WaterN16SourceRun" not in only_failed.stdout
    assert "1 failures in 1 passes" in only_failed.stdout
