"""The job plan of each event mode, checked against the rules in the README ("Production requests")."""

from __future__ import annotations

import pytest

from gasp.submit.plan import plan_entry, split_events
from gasp.submit.request_file import RequestEntry


@pytest.mark.parametrize(
    ("total", "per_job", "expected"),
    [(5000, 1500, [1500, 1500, 1500, 500]), (3000, 1500, [1500, 1500]), (7, 7, [7]), (1, 3, [1])],
)
def test_events_split_with_the_remainder_last(
    total: int, per_job: int, expected: list[int]
) -> None:
    assert split_events(total, per_job) == expected


def test_time_mode_one_job_per_run_of_detector_time() -> None:
    entry = RequestEntry(module="ScintBi214", t_run=2, t_format="day", n_runs=4, label="L")
    jobs = plan_entry(0, entry, "time", [11, 12, 13, 14])
    assert [j.run for j in jobs] == [11, 12, 13, 14]
    assert all(len(j.subjobs) == 1 and j.duration_s == 2 * 86400 for j in jobs)
    assert all(j.n_events is None and j.labels == ("L",) for j in jobs)


def test_number_mode_last_job_takes_the_remainder() -> None:
    entry = RequestEntry(module="M", n_ev=5000, ev_per_run=1500, template={"radius": 7250})
    jobs = plan_entry(3, entry, "number", [1, 2, 3, 4])
    assert [j.n_events for j in jobs] == [1500, 1500, 1500, 500]
    assert all(j.entry == 3 and j.template == {"radius": 7250} for j in jobs)


def test_run_mode_one_job_per_run_with_n_runs_subjobs() -> None:
    entry = RequestEntry(module="M", run_numbers=[100151, 100152], n_runs=3, priority=100)
    jobs = plan_entry(0, entry, "run", [100151, 100152])
    assert [(j.run, len(j.subjobs), j.priority) for j in jobs] == [
        (100151, 3, 100),
        (100152, 3, 100),
    ]
    assert [s.subrun for s in jobs[0].subjobs] == [0, 1, 2]


def test_run_number_mode_splits_each_run_into_subjobs() -> None:
    entry = RequestEntry(module="M", n_ev=6500, ev_per_run=2000, run_numbers=[7])
    (job,) = plan_entry(0, entry, "run_number", [7])
    assert [(s.subrun, s.n_events) for s in job.subjobs] == [
        (0, 2000),
        (1, 2000),
        (2, 2000),
        (3, 500),
    ]
    assert job.n_events == 6500
