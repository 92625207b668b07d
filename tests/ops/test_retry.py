"""``gasp retry`` on a campaign a real client ran, on both stores."""

from __future__ import annotations

from gasp.model.documents import stored
from gasp.model.job import new_job_document, new_pass
from gasp.ops.apply import edit_passes
from gasp.ops.retry import bring_back_dependants, retry_edit
from gasp.passes.selection import SelectionOptions, candidates, make_selection
from gasp.store import Database
from gasp.store.design import push_design_documents
from gasp.views import design_documents
from tests.ops.conftest import LABEL, Finished

NOW = "2026-01-01T00:00:00.000000Z"


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


def test_retry_can_drop_the_old_logs(finished: Finished) -> None:
    campaign = finished.campaign
    failed_module, failed_run, _ = finished.failed
    part_module, part_run, _ = finished.part_failed
    job_of = {key: f"job:{key[0]}:{key[1]}" for key in (finished.failed, finished.part_failed)}
    assert campaign.db.get(job_of[finished.failed]).get("_attachments"), "no logs to drop"
    part_logs = set(campaign.db.get(job_of[finished.part_failed]).get("_attachments") or {})
    assert part_logs
    result = campaign.gasp(
        "retry",
        "--modules",
        failed_module,
        "--runs",
        str(failed_run),
        "--delete-attachments",
        "--yes",
    )
    assert result.returncode == 0, result.stderr
    assert not campaign.db.get(job_of[finished.failed]).get("_attachments")
    assert set(campaign.db.get(job_of[finished.part_failed]).get("_attachments") or {}) == part_logs
    assert (part_module, part_run) != (failed_module, failed_run)


def test_a_retried_prerequisite_brings_its_dependants_back(db: Database) -> None:
    push_design_documents(db, design_documents())
    docs = []
    for module, status, prerequisite in (
        ("Processing", "failed", None),
        ("Analysis", "unsatisfied", "Processing"),
        ("Summary", "unsatisfied", "Analysis"),
    ):
        doc = new_job_document("processing", module, 7)
        doc["passes"].append(
            new_pass(
                pass_number=1,
                rat_version="1.0.0",
                created=NOW,
                subjobs=[{"subrun": 0}],
                by="test",
                prerequisites=[{"module": prerequisite, "pass": 1}] if prerequisite else [],
            )
        )
        doc["passes"][0]["status"] = status
        docs.append(stored(doc))
    db.bulk(docs)
    selection = make_selection(
        SelectionOptions(modules=["Processing"]), default_statuses=["failed"]
    )
    keys = [row.key for row in candidates(db, selection)]
    done = edit_passes(db, keys, selection, retry_edit(at=NOW, by="op@host"))
    assert [c.key for c in done.changed] == [("Processing", 7, 1)]
    assert bring_back_dependants(db, [c.key for c in done.changed], by="op@host") == 2
    states = {
        m: db.get(f"job:{m}:7")["passes"][0]["status"]
        for m in ("Processing", "Analysis", "Summary")
    }
    assert states == {"Processing": "waiting", "Analysis": "new", "Summary": "new"}
    analysis = db.get("job:Analysis:7")["passes"][0]["history"][-1]
    assert (analysis["from"], analysis["to"], analysis["by"]) == ("unsatisfied", "new", "op@host")
