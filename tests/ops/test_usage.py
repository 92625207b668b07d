"""``gasp usage`` on a campaign a real client ran, on both stores: the day's documents,
checked against the data and job documents, the same after a second run, updated after
a deletion."""

from __future__ import annotations

from typing import Any

from tests.ops.conftest import LABEL, Finished


def usage_documents(finished: Finished) -> dict[str, dict[str, Any]]:
    rows = finished.campaign.db.all_docs(
        startkey="usage:", endkey="usage:\ufff0", include_docs=True
    )
    return {row.id: row.doc for row in rows if row.id is not None and row.doc is not None}


def expected_storage(finished: Finished) -> tuple[int, int, dict[str | None, list[int]]]:
    files = size = 0
    by_label: dict[str | None, list[int]] = {}
    for doc in finished.campaign.data_documents():
        for entry in doc["files"]:
            assert [r["se"] for r in entry["replicas"]] == ["se"]
            files, size = files + 1, size + entry["size"]
            for label in doc["labels"] or [None]:
                counts = by_label.setdefault(label, [0, 0])
                counts[0], counts[1] = counts[0] + 1, counts[1] + entry["size"]
    return files, size, by_label


def test_usage_twice_gives_the_same_documents(finished: Finished) -> None:
    campaign = finished.campaign
    subjobs = [
        (p["site"], s) for p in campaign.passes().values() for s in p["subjobs"] if "finished" in s
    ]
    day = subjobs[0][1]["finished"][:10]
    today = [s for _, s in subjobs if s["finished"][:10] == day]
    assert {site for site, _ in subjobs} == {"alpha"} and len(today) >= 5

    first = campaign.gasp("usage", "--kind", "production", "--date", day)
    assert first.returncode == 0, first.stderr
    docs = usage_documents(finished)
    assert set(docs) == {f"usage:se:se:{day}", f"usage:cpu:alpha:{day}"}

    files, size, by_label = expected_storage(finished)
    stored = docs[f"usage:se:se:{day}"]
    assert (stored["se"], stored["date"], stored["files"], stored["bytes"]) == (
        "se",
        day,
        files,
        size,
    )
    assert stored["by_label"] == [
        {"kind": "production", "label": LABEL, "files": files, "bytes": size}
    ]
    assert by_label == {LABEL: [files, size]}
    cpu = docs[f"usage:cpu:alpha:{day}"]
    assert cpu["jobs"] == len(today)
    assert abs(cpu["cpu_hours"] - sum(s.get("cpu_s", 0) for s in today) / 3600) < 1e-5
    assert abs(cpu["wall_hours"] - sum(s.get("wall_s", 0) for s in today) / 3600) < 1e-5
    assert cpu["wall_hours"] > 0

    second = campaign.gasp("usage", "--kind", "production", "--date", day)
    assert second.returncode == 0, second.stderr
    assert usage_documents(finished) == docs, "a second run changed the day's documents"

    # Everything deleted since: the storage figures of the day go to zero, in place.
    deleted = campaign.gasp("delete", "--label", LABEL, "--yes", "--log", "delete.log")
    assert deleted.returncode == 0, deleted.stderr
    third = campaign.gasp("usage", "--kind", "production", "--date", day)
    assert third.returncode == 0, third.stderr
    after = usage_documents(finished)
    assert set(after) == set(docs)
    emptied = after[f"usage:se:se:{day}"]
    assert (emptied["files"], emptied["bytes"], emptied["by_label"]) == (0, 0, [])
    assert emptied["_rev"] != stored["_rev"]
    assert after[f"usage:cpu:alpha:{day}"] == cpu

    for bad in ("2026-13-01", "20260105"):
        refused = campaign.gasp("usage", "--kind", "production", "--date", bad)
        assert refused.returncode == 2 and "YYYY-MM-DD" in refused.stderr, bad
