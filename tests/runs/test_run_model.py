"""The run document's shape, ids and helpers (the contract processing submission reads)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gasp.model.run import (
    CALIBRATION_RUN_TYPES,
    RUN_TYPES,
    RunDocument,
    check_run_period,
    l2_files,
    raw_lfn,
    run_id,
    run_time,
)
from gasp.store import open_server
from gasp.store.design import push_design_documents
from gasp.toyrat import daq
from gasp.views import design_documents


def stored_run() -> dict[str, Any]:
    def entry(subrun: int, level: str) -> dict[str, Any]:
        name = f"SNOP_0000100151_{subrun:03d}.{level.lower()}.zdab.root"
        return {
            "level": level,
            "name": name,
            "lfn": raw_lfn(100151, name),
            "size": 10,
            "adler32": "0a1b2c3d",
            "events": 5,
            "replicas": [{"se": "local-se", "url": f"file:///se/{name}", "status": "ok"}],
        }

    return {
        "_id": "run:100151",
        "_rev": "1-abc",
        "type": "run",
        "run": 100151,
        "run_type": "Physics",
        "start": "2024-01-01T00:00:00Z",
        "end": None,
        "complete": True,
        "source": "register",
        "subruns": [
            {"subrun": 1, "files": [entry(1, "L1"), entry(1, "L2")]},
            {"subrun": 0, "files": [entry(0, "L1"), entry(0, "L2")]},
        ],
    }


def test_ids_and_lfns() -> None:
    assert run_id(100151) == "run:100151"
    assert raw_lfn(100151, "SNOP_0000100151_000.l2.zdab.root") == (
        "raw/r100100/SNOP_0000100151_000.l2.zdab.root"
    )


def test_run_types_match_the_daq_and_calibration_types_are_among_them() -> None:
    assert RUN_TYPES == daq.RUN_TYPES
    assert set(CALIBRATION_RUN_TYPES) <= set(RUN_TYPES)


def test_round_trip_keeps_the_stored_json() -> None:
    doc = stored_run()
    assert RunDocument.from_document(doc).to_document() == doc


def test_new_document_has_no_rev() -> None:
    doc = RunDocument.new(100200, "PCA", "register").to_document()
    assert doc == {
        "_id": "run:100200",
        "type": "run",
        "run": 100200,
        "run_type": "PCA",
        "start": None,
        "end": None,
        "complete": False,
        "source": "register",
        "subruns": [],
    }
    assert RunDocument.from_document(doc).is_calibration


def test_l2_files_in_subrun_order_from_json_or_model() -> None:
    doc = stored_run()
    files = l2_files(doc)
    assert [(subrun, f.level, f.name) for subrun, f in files] == [
        (0, "L2", "SNOP_0000100151_000.l2.zdab.root"),
        (1, "L2", "SNOP_0000100151_001.l2.zdab.root"),
    ]
    assert l2_files(RunDocument.from_document(doc)) == files


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("run_type", "Bogus", "unknown run type 'Bogus'"),
        ("run", -1, "run numbers go from 1 to 9999999999, not -1"),
        ("run", 0, "run numbers go from 1 to 9999999999, not 0"),
        ("source", "somewhere", "expected register, postgres or import:<file>"),
        ("surprise", 1, "Extra inputs are not permitted"),
    ],
)
def test_invalid_documents_are_refused(field: str, value: object, message: str) -> None:
    doc = {**stored_run(), field: value}
    with pytest.raises(ValidationError, match=message):
        RunDocument.from_document(doc)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2024-03-01T10:00:00Z", "2024-03-01T10:00:00Z"),
        (" 2024-03-01T10:00:00+01:00 ", "2024-03-01T09:00:00Z"),
        ("2024-03-01 10:00:00.5-02", "2024-03-01T12:00:00Z"),
        (datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=1))), "2024-03-01T09:00:00Z"),
    ],
)
def test_run_times_are_stored_as_utc_to_the_second(value: str | datetime, stored: str) -> None:
    assert run_time(value) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "not an ISO 8601 time: 'yesterday'"),
        ("0001-01-01T00:00:00+05:00", "not an ISO 8601 time"),  # OverflowError once
        ("0001-01-01T00:00:00Z", "year 1 is out of range"),
        ("9999-12-31T23:00:00-05:00", "not an ISO 8601 time"),
        ("2024-03-01T10:00:00", "has no time zone (add Z or +00:00)"),
        (datetime(2024, 3, 1, 10), "has no time zone"),
    ],
)
def test_bad_run_times_are_refused(value: str | datetime, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        run_time(value)


def test_a_run_ends_no_earlier_than_it_starts() -> None:
    check_run_period("2024-03-01T10:00:00Z", "2024-03-01T10:00:00Z")
    check_run_period(None, "2024-03-01T10:00:00Z")
    with pytest.raises(ValueError, match="2024-03-01T09:00:00Z is before start"):
        check_run_period("2024-03-01T10:00:00Z", "2024-03-01T09:00:00Z")


def test_runs_views_list_every_run_and_only_complete_ones(tmp_path: Path) -> None:
    server = open_server(f"sqlite:{tmp_path / 'data'}")
    try:
        db = server.create_database("processing")
        push_design_documents(db, design_documents())
        incomplete = RunDocument.new(100100, "PCA", "register").to_document()
        complete = {k: v for k, v in stored_run().items() if k != "_rev"}
        assert all(r.ok for r in db.bulk([complete, incomplete]))
        every = [(row.key, row.value) for row in db.view("runs", "by_number")]
        assert every == [(100100, ["PCA", False, 0]), (100151, ["Physics", True, 2])]
        only = [(row.key, row.value) for row in db.view("runs", "complete_by_number")]
        assert only == [(100151, "Physics")]
    finally:
        server.close()
