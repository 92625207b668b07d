"""``gasp retry`` on a campaign a real client ran, on both stores."""

from __future__ import annotations

from tests.ops.conftest import LABEL, Finished


def test_retry_keeps_the_pass_and_reruns_only_what_failed(finished: Finished) -> None:
    campaign = finished.campaign
    before = campaign.passes()
    part = before[finished.part_failed]
    done_subruns = {s["subrun"] for s in part["subjobs"] if s["status"] == "completed"}
    assert len(done_subruns) == 1
    done_name = next(s["name"] for s in part["subjobs"] if s["status"] == "completed")
    data_before = {d["_id"]: d["_rev"] for d in campaign.data_documents()}

    result = campaign.gasp(
        "retry",
        "--label",
        LABEL,
        "--status",
        "failed,partFail",
        "--yes",
        env={"GASP_OPERATOR": "shifter@control-room"},
    )
    assert result.returncode == 0, result.stderr
    after = campaign.passes()
    for key in (finished.part_failed, finished.failed):
        retried = after[key]
        assert retried["status"] == "waiting" and retried["pass"] == key[2]
        assert retried["attempt"] == before[key]["attempt"] + 1 and retried["lock"] is None
        assert retried["history"][: len(before[key]["history"])] == before[key]["history"]
        last = retried["history"][-1]
        assert (last["from"], last["to"], last["by"]) == (
            before[key]["status"],
            "waiting",
            "shifter@control-room",
        )
    kept = {s["subrun"]: s for s in after[finished.part_failed]["subjobs"]}
    assert {n for n, s in kept.items() if s["status"] == "completed"} == done_subruns
    assert {s["status"] for n, s in kept.items() if n not in done_subruns} == {"waiting"}
    for key in finished.completed:
        assert after[key] == before[key], "a completed pass was touched"

    finished.run()
    final = finished.campaign.passes()
    assert final[finished.part_failed]["status"] == "completed"
    assert final[finished.failed]["status"] == "completed"
    rerun = final[finished.part_failed]["subjobs"]
    assert next(s["name"] for s in rerun if s["subrun"] in done_subruns) == done_name, (
        "the completed subjob ran again"
    )
    data_after = {d["_id"]: d["_rev"] for d in campaign.data_documents()}
    for doc_id, rev in data_before.items():
        assert data_after[doc_id] == rev or doc_id.startswith("data:WaterN16SourceRun"), doc_id


def test_retry_dry_run_writes_nothing(finished: Finished) -> None:
    campaign = finished.campaign
    before = campaign.passes()
    result = campaign.gasp("retry", "--label", LABEL, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "ScintBi214" in result.stdout and "dry run" in result.stdout
    assert campaign.passes() == before


def test_retry_without_a_selection_is_refused(finished: Finished) -> None:
    before = finished.campaign.passes()
    result = finished.campaign.gasp("retry", "--yes")
    assert result.returncode == 2 and "--modules '*'" in result.stderr
    assert finished.campaign.passes() == before
