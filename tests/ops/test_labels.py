"""``gasp labels add|remove`` on a campaign a real client ran, on both stores."""

from __future__ import annotations

from gasp.store import ViewRow
from tests.ops.conftest import LABEL, Finished

EXTRA = "Extra-1"
PMT = "WaterPmtBetagammas"


def test_labels_reach_passes_jobs_and_data_documents(finished: Finished) -> None:
    campaign = finished.campaign
    assert {m for m, _, _ in finished.completed} == {PMT}
    data_before = campaign.data_documents()
    assert data_before and all(d["labels"] == [LABEL] for d in data_before)

    added = campaign.gasp("labels", "add", EXTRA, "--modules", PMT, "--yes")
    assert added.returncode == 0, added.stderr
    passes = campaign.passes()
    for key in finished.completed:
        assert passes[key]["labels"] == [LABEL, EXTRA]
    assert passes[finished.part_failed]["labels"] == [LABEL]
    for row in _jobs(finished):
        assert row.doc is not None
        assert row.doc["labels"] == ([LABEL, EXTRA] if row.doc["module"] == PMT else [LABEL])
    data = campaign.data_documents()
    assert {d["_id"] for d in data} == {d["_id"] for d in data_before}
    for doc in data:
        assert doc["labels"] == ([LABEL, EXTRA] if doc["module"] == PMT else [LABEL]), doc["_id"]
    assert f"data documents changed: {sum(d['module'] == PMT for d in data)}" in added.stdout

    before = campaign.passes()
    dry = campaign.gasp("labels", "remove", LABEL, "--label", LABEL, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (
        "dry run" in dry.stdout and f"data documents that would change: {len(data)}" in dry.stdout
    )
    assert campaign.passes() == before and campaign.data_documents() == data

    # Selected by the label it removes: after this, no pass is selected by it any more.
    removed = campaign.gasp("labels", "remove", LABEL, "--label", LABEL, "--yes")
    assert removed.returncode == 0, removed.stderr
    passes = campaign.passes()
    for key in finished.completed:
        assert passes[key]["labels"] == [EXTRA]
    assert passes[finished.part_failed]["labels"] == passes[finished.failed]["labels"] == []
    for row in _jobs(finished):
        assert row.doc is not None
        assert row.doc["labels"] == ([EXTRA] if row.doc["module"] == PMT else []), row.id
    for doc in campaign.data_documents():
        assert doc["labels"] == ([EXTRA] if doc["module"] == PMT else []), doc["_id"]
    tagged = campaign.db.view("data", "by_label", startkey=[LABEL], endkey=[LABEL, {}])
    assert not list(tagged)

    again = campaign.gasp("labels", "remove", LABEL, "--label", LABEL, "--yes")
    assert again.returncode == 0 and "data documents changed: 0" in again.stdout

    bad = campaign.gasp("labels", "add", "no/slash", "--modules", "*", "--yes")
    assert bad.returncode == 2 and "not a safe name" in bad.stderr


def _jobs(finished: Finished) -> list[ViewRow]:
    rows = finished.campaign.db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
    return [row for row in rows if row.doc is not None]
