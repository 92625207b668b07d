"""Failures on demand (TOYRAT_FAIL) and the CPU cost per event (TOYRAT_MS_PER_EVENT)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import uproot

from tests.toyrat.helpers import MacroMaker, Toyrat, entries, hidden_files, visible_files

BETAGAMMAS = "mac/production/water/pmt/betagammas.mac"


@pytest.fixture
def betagammas(macro: MacroMaker) -> Path:
    return macro(BETAGAMMAS, radius=7500)


def test_crash_leaves_only_hidden_partial_files(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "crash")
    result = toyrat("-N", 3000, "-o", tmp_path / "out", betagammas)
    assert result.status == 1
    assert "*** Break *** segmentation violation after 2000 events" in result.err
    assert "processed 1000/3000 events" in result.out
    assert visible_files(tmp_path) == ["macros"]
    assert len(hidden_files(tmp_path)) == 2
    assert all(".part-" in name for name in hidden_files(tmp_path))


def test_crash_after_a_given_number_of_events(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "crash:1")
    result = toyrat("-N", 3000, "-o", tmp_path / "out", betagammas)
    assert result.status == 1 and "after 1000 events" in result.err


def test_transient_database_error_writes_nothing(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "transient")
    result = toyrat("-N", 10, "-o", tmp_path / "out", betagammas)
    assert result.status == 1
    assert "Connection timed out while reading database" in result.err
    assert visible_files(tmp_path) == ["macros"] and hidden_files(tmp_path) == []


def test_short_output_exits_zero_with_one_event_missing(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "short")
    assert toyrat("-N", 1500, "-o", tmp_path / "out", betagammas).status == 0
    assert entries(tmp_path / "out.root", "T") == 1499
    assert entries(tmp_path / "out.ntuple.root", "output") == 1499


def test_corrupt_output_exits_zero_with_an_unreadable_file(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "corrupt")
    assert toyrat("-N", 200, "-o", tmp_path / "out", betagammas).status == 0
    with pytest.raises(OSError), uproot.open(tmp_path / "out.root") as file:
        file["T"]["hits_time"].array()
    assert entries(tmp_path / "out.ntuple.root", "output") == 200


def test_fail_once_lets_the_retry_succeed(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "transient")
    monkeypatch.setenv("TOYRAT_FAIL_ONCE", str(tmp_path / "failed-once"))
    assert toyrat("-N", 10, "-o", tmp_path / "out", betagammas).status == 1
    assert toyrat("-N", 10, "-o", tmp_path / "out", betagammas).status == 0
    assert entries(tmp_path / "out.root", "T") == 10


def test_cost_per_event_is_spent_as_cpu_time(
    toyrat: Toyrat, betagammas: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_MS_PER_EVENT", "1")
    before = time.process_time()
    assert toyrat("-N", 150, "-o", tmp_path / "out", betagammas).status == 0
    assert time.process_time() - before >= 0.15


def test_a_refused_run_does_not_use_up_the_single_failure(
    toyrat: Toyrat, macro: MacroMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOYRAT_FAIL", "crash")
    monkeypatch.setenv("TOYRAT_FAIL_ONCE", str(tmp_path / "crashed-once"))
    assert toyrat("-N", 10, "-o", tmp_path / "out", macro(BETAGAMMAS)).status == 2
    assert not (tmp_path / "crashed-once").exists()
