"""Requests show their passes' progress, and their ids whole on any terminal width."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from gasp.cli.requests import LIST_COLUMNS, requests_table
from gasp.model.documents import RequestStatus
from gasp.ops.request_progress import RequestProgress, shown_status
from gasp.store import Database
from tests.campaign import Campaign
from tests.ops.conftest import COMPLETES, FAILS

REQUEST_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")


@pytest.mark.parametrize(
    ("stored", "counts", "shown"),
    [
        ("approved", {"completed": 3}, "approved"),  # the submission did not finish
        ("submitted", {}, "submitted"),
        ("submitted", {"waiting": 2, "new": 1}, "submitted"),
        ("submitted", {"waiting": 2, "running": 1}, "running"),
        ("submitted", {"new": 1, "completed": 1}, "running"),
        ("submitted", {"completed": 3}, "completed"),
        ("submitted", {"completed": 2, "failed": 1}, "partFail"),
        ("submitted", {"partFail": 1, "canceled": 1}, "partFail"),
        ("submitted", {"failed": 1, "unsatisfied": 2, "deleted": 1}, "failed"),
    ],
)
def test_the_shown_status_follows_the_passes(
    stored: RequestStatus, counts: dict[str, int], shown: RequestStatus
) -> None:
    progress = RequestProgress()
    for status, count in counts.items():
        progress.add("SomeModule", status, count)
    assert shown_status(stored, progress) == shown


def _set_statuses(db: Database, request: str, statuses: list[str]) -> None:
    """Arrange the passes of a request as a client would have left them."""
    rows = db.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
    docs = [row.doc for row in rows if row.doc and row.doc["passes"][0]["request"] == request]
    assert len(docs) == len(statuses)
    for doc, status in zip(sorted(docs, key=lambda d: d["_id"]), statuses, strict=True):
        doc["passes"][0]["status"] = status
        db.put(doc)


def _listed(campaign: Campaign) -> dict[str, list[str]]:
    """``gasp requests list`` piped at 80 columns, by request id."""
    result = campaign.gasp("requests", "list", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert tuple(header.split("\t")) == LIST_COLUMNS
    return {cells[0]: cells for cells in (line.split("\t") for line in lines)}


def test_requests_list_and_show_their_progress(campaign: Campaign) -> None:
    three = campaign.submit(COMPLETES, "completes.json")
    (one,) = campaign.submit(FAILS, "fails.json")
    passes = campaign.passes()
    first, second = passes[three[0]]["request"], passes[one]["request"]
    listed = _listed(campaign)
    assert set(listed) == {first, second} and all(REQUEST_ID.fullmatch(n) for n in listed)
    assert listed[first][1:3] == ["submitted", "waiting 3"]  # nothing claimed yet
    assert listed[second][1:3] == ["submitted", "waiting 1"]

    _set_statuses(campaign.db, first, ["completed", "failed", "completed"])
    _set_statuses(campaign.db, second, ["running"])
    stored = campaign.db.get(f"request:{second}")
    stored["status"] = "approved"  # as a submission stopped before its end leaves it
    campaign.db.put(stored)
    listed = _listed(campaign)
    assert listed[first][1:3] == ["partFail", "completed 2, failed 1"]
    assert listed[second][1:3] == ["approved", "running 1"]

    shown = campaign.gasp("requests", "show", first)
    assert shown.returncode == 0, shown.stderr
    assert "status: partFail (stored: submitted)" in shown.stdout
    assert "passes: completed 2, failed 1" in shown.stdout

    out = io.StringIO()
    lines = [tuple(cells) for cells in listed.values()]
    Console(file=out, width=80).print(requests_table(lines))
    assert all(len(line) <= 80 for line in out.getvalue().splitlines())
    assert first in out.getvalue() and second in out.getvalue()  # whole, on a terminal too
    assert "partFail" in out.getvalue() and "approved" in out.getvalue()
