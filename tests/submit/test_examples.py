"""Every example request submits cleanly, on both backends, into the jobs the rules give.

The expected numbers are written out here from the README's rules ("Production requests"), not read back from
the program: time mode makes n_runs jobs; number mode ceil(n_ev/ev_per_run) jobs with the
remainder last; run mode one job per run with n_runs subjobs; run_number mode one job per
run with ceil(n_ev/ev_per_run) subjobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gasp.store import Database
from tests.gasp_runner import GaspRunner

# (module, run) -> (subjob events or durations, labels, priority, template)
Expected = dict[tuple[str, int], dict[str, Any]]

DAY, HOUR = 86400.0, 3600.0

TIME_MODE: Expected = {
    **{
        ("ScintBi214", r): {"durations": [2 * DAY], "labels": ["Scint2026a"], "priority": 0}
        for r in (1, 2, 3, 4)
    },
    **{
        ("ScintPo210", r): {"durations": [12 * HOUR], "labels": ["Scint2026a"], "priority": 5}
        for r in (1, 2, 3)
    },
}
NUMBER_MODE: Expected = {
    ("WaterPmtBetagammas", 1): {
        "events": [1500],
        "labels": ["WaterPmt_r7250"],
        "template": {"radius": 7250},
    },
    ("WaterPmtBetagammas", 2): {
        "events": [1500],
        "labels": ["WaterPmt_r7250"],
        "template": {"radius": 7250},
    },
    ("WaterPmtBetagammas", 3): {
        "events": [1500],
        "labels": ["WaterPmt_r7250"],
        "template": {"radius": 7250},
    },
    ("WaterPmtBetagammas", 4): {
        "events": [500],
        "labels": ["WaterPmt_r7250"],
        "template": {"radius": 7250},
    },
    ("WaterPmtBetagammas", 5): {
        "events": [1500],
        "labels": ["WaterPmt_r8000"],
        "template": {"radius": 8000},
    },
    ("WaterPmtBetagammas", 6): {
        "events": [1500],
        "labels": ["WaterPmt_r8000"],
        "template": {"radius": 8000},
    },
}
RUN_MODE: Expected = {
    (module, run): {"subjobs": 1, "priority": 100, "labels": []}
    for module in ("WaterBi214Run", "WaterTl208Run")
    for run in (100151, 100152)
}
RUN_LIST_MODE: Expected = {
    (module, run): {"subjobs": 1, "priority": 50, "labels": []}
    for module in ("WaterBi214Run", "WaterTl208Run")
    for run in (100151, 100152, 100160)
}
RUN_NUMBER_MODE: Expected = {
    ("WaterN16SourceRun", run): {"events": [2000, 2000, 2000], "labels": ["N16_calib"]}
    for run in (100151, 100152)
}

CASES = [
    ("time_mode.json", [], "time", TIME_MODE),
    ("number_mode_template.json", [], "number", NUMBER_MODE),
    ("run_mode.json", [], "run", RUN_MODE),
    ("run_mode_runlist.json", ["-L", "runs.txt"], "run", RUN_LIST_MODE),
    ("run_number_mode.json", [], "run_number", RUN_NUMBER_MODE),
]


def _check_pass(job: dict[str, Any], spec: dict[str, Any], mode: str, request: str) -> None:
    (only,) = job["passes"]
    assert only["pass"] == 1 and only["status"] == "waiting" and only["attempt"] == 1
    assert only["event_mode"] == mode and only["rat_version"] == "1.0.0"
    assert only["request"] == request and only["lock"] is None
    assert only["labels"] == spec["labels"] and job["labels"] == spec["labels"]
    assert only.get("priority") == spec.get("priority", 0)
    assert only.get("template") == spec.get("template")
    assert only["history"][0]["to"] == "waiting"
    subjobs = only["subjobs"]
    assert [s["subrun"] for s in subjobs] == list(range(len(subjobs)))
    assert all(s["status"] == "waiting" for s in subjobs)
    if "events" in spec:
        assert [s["n_events"] for s in subjobs] == spec["events"]
        assert only["n_events"] == sum(spec["events"])
    if "durations" in spec:
        assert [s["duration_s"] for s in subjobs] == spec["durations"]
    if "subjobs" in spec:
        assert len(subjobs) == spec["subjobs"]


@pytest.mark.parametrize(("request_file", "extra", "mode", "expected"), CASES)
def test_example_submits_into_the_expected_jobs(
    gasp: GaspRunner,
    site: Path,
    production: Database,
    request_file: str,
    extra: list[str],
    mode: str,
    expected: Expected,
) -> None:
    result = gasp(
        "-c", "site.toml", "submit", "production", "-o", "out.exactly", *extra, request_file
    )
    assert result.returncode == 0, result.stderr
    jobs = {
        (row.doc["module"], row.doc["run"]): row.doc
        for row in production.all_docs(startkey="job:", endkey="job:\ufff0", include_docs=True)
        if row.doc
    }
    assert set(jobs) == set(expected)
    (request,) = [
        row.doc
        for row in production.all_docs(
            startkey="request:", endkey="request:\ufff0", include_docs=True
        )
    ]
    assert request is not None and request["status"] == "submitted"
    for key, spec in expected.items():
        _check_pass(jobs[key], spec, mode, request["name"])
    lines = (site / "out.exactly").read_text().splitlines()
    assert sorted(lines) == sorted(f"{m} {r} 1" for m, r in expected)
    printed = gasp("-c", "site.toml", "exactly", "--request", request["name"])
    assert sorted(printed.stdout.splitlines()) == sorted(lines)
    assert request["n_jobs"] == len(expected)
    assert request["n_subjobs"] == sum(len(j["passes"][0]["subjobs"]) for j in jobs.values())


def test_dry_run_writes_nothing(gasp: GaspRunner, site: Path, production: Database) -> None:
    before = production.info()
    result = gasp(
        "-c", "site.toml", "submit", "production", "--dry-run", "-o", "x", "time_mode.json"
    )
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing written" in result.stdout and "ScintBi214" in result.stdout
    assert production.info().update_seq == before.update_seq
    assert not (site / "x").exists()


def test_second_submission_makes_second_passes_and_new_generic_runs(
    gasp: GaspRunner, site: Path, production: Database
) -> None:
    for _ in range(2):
        for name in ("run_mode.json", "number_mode_template.json"):
            result = gasp("-c", "site.toml", "submit", "production", "-o", "all.exactly", name)
            assert result.returncode == 0, result.stderr
    run_jobs = production.get_many([f"job:WaterBi214Run:{r}" for r in (100151, 100152)])
    assert all(j is not None and [p["pass"] for p in j["passes"]] == [1, 2] for j in run_jobs)
    assert len({p["request"] for j in run_jobs if j for p in j["passes"]}) == 2
    generic = [
        row.key
        for row in production.view(
            "jobs", "by_module", startkey=["WaterPmtBetagammas"], endkey=["WaterPmtBetagammas", {}]
        )
    ]
    assert [k[1] for k in generic] == list(range(1, 13))  # 6 jobs per submission, runs continue
    lines = (site / "all.exactly").read_text().splitlines()
    assert len(lines) == 2 * (4 + 6) and len(set(lines)) == len(lines)
    labelled = gasp("-c", "site.toml", "exactly", "--label", "WaterPmt_r8000").stdout.split("\n")
    assert [line for line in labelled if line] == [
        f"WaterPmtBetagammas {r} 1" for r in (5, 6, 11, 12)
    ]


def test_resume_of_a_finished_request_adds_nothing(
    gasp: GaspRunner, site: Path, production: Database
) -> None:
    first = gasp("-c", "site.toml", "submit", "production", "run_mode.json")
    assert first.returncode == 0, first.stderr
    (name,) = [
        str(r.id).removeprefix("request:")
        for r in production.all_docs(startkey="request:", endkey="request:\ufff0")
    ]
    seq = production.info().update_seq
    again = gasp(
        "-c",
        "site.toml",
        "submit",
        "production",
        "--request",
        name,
        "-o",
        "re.exactly",
        "run_mode.json",
    )
    assert again.returncode == 0, again.stderr
    assert production.info().update_seq == seq
    assert len((site / "re.exactly").read_text().splitlines()) == 4
    other = gasp("-c", "site.toml", "submit", "production", "--request", name, "time_mode.json")
    assert other.returncode == 2 and "different file" in other.stderr


def test_requests_list_and_show(gasp: GaspRunner, site: Path) -> None:
    assert gasp("-c", "site.toml", "submit", "production", "time_mode.json").returncode == 0
    listing = gasp("-c", "site.toml", "requests", "list")
    assert (
        listing.returncode == 0 and "submitted" in listing.stdout and "Scint2026a" in listing.stdout
    )
    name = next(w for w in listing.stdout.split() if w[:8].isdigit() and "-" in w)
    shown = gasp("-c", "site.toml", "requests", "show", name)
    assert shown.returncode == 0, shown.stderr
    assert "ScintPo210" in shown.stdout and "t_format=hour" in shown.stdout
    missing = gasp("-c", "site.toml", "requests", "show", "nope")
    assert missing.returncode == 2 and "no request" in missing.stderr
