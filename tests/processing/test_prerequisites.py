"""Promotion of passes by their prerequisites, on both store backends.

A ``new`` pass becomes ``waiting`` when its prerequisite completes, ``unsatisfied`` when
it fails, is canceled or deleted; a retried prerequisite brings ``unsatisfied`` dependants
back to ``new``; a change cascades down a chain.
"""

from __future__ import annotations

from typing import Any

import pytest

from gasp.model.job import new_job_document, new_pass
from gasp.passes.prerequisites import promote_dependants, target_state
from gasp.passes.update import find_pass
from gasp.store import Database
from gasp.store.design import push_design_documents
from gasp.views import design_documents

NOW = "2026-01-01T00:00:00.000000Z"


def _job(module: str, run: int, status: str, prerequisite: str | None) -> dict[str, Any]:
    doc = new_job_document("processing", module, run)
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
    return doc


def _set(db: Database, module: str, run: int, status: str) -> None:
    doc = db.get(f"job:{module}:{run}")
    doc["passes"][0]["status"] = status
    db.put(doc)


def _status(db: Database, module: str, run: int) -> str:
    pass_doc = find_pass(db.get(f"job:{module}:{run}"), 1)
    assert pass_doc is not None
    return str(pass_doc["status"])


@pytest.fixture
def chain(db: Database) -> Database:
    """Processing -> Analysis -> Summary for two runs; only Processing has run."""
    push_design_documents(db, design_documents())
    for run in (1, 2):
        db.bulk(
            [
                _job("Processing", run, "running", None),
                _job("Analysis", run, "new", "Processing"),
                _job("Summary", run, "new", "Analysis"),
            ]
        )
    return db


def test_target_state() -> None:
    assert target_state(["completed", "completed"]) == "waiting"
    assert target_state(["completed", "running"]) == "new"
    assert target_state(["completed", "canceled"]) == "unsatisfied"
    assert target_state(["partFail"]) == "new"


def test_completion_releases_only_the_dependants_of_that_pass(chain: Database) -> None:
    _set(chain, "Processing", 1, "completed")
    assert promote_dependants(chain, [("Processing", 1, 1)], by="test") == 1
    assert _status(chain, "Analysis", 1) == "waiting"
    assert _status(chain, "Summary", 1) == "new"  # Analysis has not run yet
    assert _status(chain, "Analysis", 2) == "new"  # run 2 not concerned
    history = find_pass(chain.get("job:Analysis:1"), 1)["history"]  # type: ignore[index]
    assert history[-1] == {
        "at": history[-1]["at"],
        "from": "new",
        "to": "waiting",
        "by": "test",
        "why": "prerequisites",
    }


def test_failure_cascades_and_a_retry_brings_them_back(chain: Database) -> None:
    _set(chain, "Processing", 2, "failed")
    promote_dependants(chain, [("Processing", 2, 1)], by="test")
    assert _status(chain, "Analysis", 2) == "unsatisfied"
    assert _status(chain, "Summary", 2) == "unsatisfied"  # down the chain

    _set(chain, "Processing", 2, "waiting")  # an operator retried it
    promote_dependants(chain, [("Processing", 2, 1)], by="test")
    assert _status(chain, "Analysis", 2) == "new"
    assert _status(chain, "Summary", 2) == "new"

    _set(chain, "Processing", 2, "completed")
    promote_dependants(chain, [("Processing", 2, 1)], by="test")
    assert _status(chain, "Analysis", 2) == "waiting"


def test_nothing_to_promote_reads_nothing_more(chain: Database) -> None:
    assert promote_dependants(chain, [], by="test") == 0
    assert promote_dependants(chain, [("Summary", 1, 1)], by="test") == 0
