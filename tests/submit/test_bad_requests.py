"""Bad production requests: every problem listed in one report, exit 2, no document written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gasp.store import Database
from tests.gasp_runner import GaspRunner

GOOD_TIME = {"module": "ScintBi214", "t_run": 2, "t_format": "day", "n_runs": 4}
GOOD_NUMBER = {
    "module": "WaterPmtBetagammas",
    "n_ev": 100,
    "ev_per_run": 10,
    "template": {"radius": 7250},
}
GOOD_RUN = {"module": "WaterBi214Run", "run_numbers": [100151]}


def _request(*entries: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"rat_v": "1.0.0", "modules": list(entries), **top}


CASES: list[tuple[str, Any, list[str]]] = [
    (
        "unknown module",
        _request({**GOOD_TIME, "module": "ScintBi241"}),
        ["modules[0].module", "unknown module 'ScintBi241'", "ScintBi214"],
    ),
    (
        "missing template field",
        _request({**GOOD_NUMBER, "template": {}}),
        ["modules[0].template", "missing field 'radius'"],
    ),
    (
        "no template at all",
        _request({k: v for k, v in GOOD_NUMBER.items() if k != "template"}),
        ["missing field 'radius'"],
    ),
    (
        "extra template field",
        _request({**GOOD_NUMBER, "template": {"radius": 1, "colour": "red"}}),
        ["modules[0].template.colour", "unknown field"],
    ),
    (
        "template for a module without fields",
        _request({**GOOD_TIME, "template": {"x": 1}}),
        ["template.x"],
    ),
    ("missing rat_v", {"modules": [GOOD_TIME]}, ["rat_v", "Field required"]),
    (
        "unknown software version",
        _request(GOOD_TIME, rat_v="9.9.9"),
        ["rat_v", "9.9.9", "known: 1.0.0"],
    ),
    ("zero count", _request({**GOOD_TIME, "n_runs": 0}), ["modules[0].n_runs", "greater than 0"]),
    (
        "negative events",
        _request({**GOOD_NUMBER, "n_ev": -5}),
        ["modules[0].n_ev", "greater than 0"],
    ),
    ("non-integer count", _request({**GOOD_NUMBER, "n_ev": 10.5}), ["modules[0].n_ev", "integer"]),
    ("count as a string", _request({**GOOD_TIME, "n_runs": "4"}), ["modules[0].n_runs", "integer"]),
    (
        "count as a boolean",
        _request({**GOOD_TIME, "n_runs": True}),
        ["modules[0].n_runs", "integer"],
    ),
    (
        "ev_per_run above n_ev",
        _request({**GOOD_NUMBER, "n_ev": 10, "ev_per_run": 11}),
        ["modules[0].ev_per_run", "larger than n_ev"],
    ),
    (
        "unknown t_format",
        _request({**GOOD_TIME, "t_format": "week"}),
        ["modules[0].t_format", "'s', 'min', 'hour', 'day' or 'year'"],
    ),
    (
        "run listed twice",
        _request({**GOOD_RUN, "run_numbers": [100151, 100152, 100151]}),
        ["run 100151 is listed 2 times"],
    ),
    (
        "same run in two entries",
        _request(GOOD_RUN, {**GOOD_RUN, "priority": 3}),
        ["modules[1].run_numbers", "already requested by modules[0]"],
    ),
    (
        "run mode without runs",
        _request({"module": "WaterBi214Run"}),
        ["modules[0].run_numbers", "needs runs"],
    ),
    (
        "empty run list in the file",
        _request({**GOOD_RUN, "run_numbers": []}),
        ["modules[0].run_numbers", "empty"],
    ),
    (
        "unknown key in an entry",
        _request({**GOOD_TIME, "colour": "blue"}),
        ["modules[0].colour", "unknown field"],
    ),
    ("unknown top-level key", _request(GOOD_TIME, colour="blue"), ["colour", "unknown field"]),
    (
        "field of another mode",
        _request({**GOOD_TIME, "n_ev": 5}),
        ["modules[0].n_ev", "not a field of time-mode"],
    ),
    (
        "required field of the mode missing",
        _request({"module": "ScintBi214", "t_run": 2, "n_runs": 1}),
        ["modules[0].t_format", "required"],
    ),
    ("no modules", _request(), ["modules", "at least 1"]),
    ("not an object", [GOOD_TIME], ["must be a JSON object"]),
]


def _assert_refused(result: Any, fragments: list[str]) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def unchanged(production: Database) -> Any:
    """Checks, after the test's command, that the database was not written at all."""
    before = production.info()
    yield
    after = production.info()
    assert (after.doc_count, after.update_seq) == (before.doc_count, before.update_seq)


@pytest.mark.parametrize(("what", "content", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_bad_request_is_refused_whole(
    gasp: GaspRunner, site: Path, unchanged: Any, what: str, content: Any, fragments: list[str]
) -> None:
    (site / "bad.json").write_text(json.dumps(content, indent=2))
    result = gasp("-c", "site.toml", "submit", "production", "-o", "out.exactly", "bad.json")
    _assert_refused(result, ["bad.json", *fragments])
    assert not (site / "out.exactly").exists()


def test_every_problem_is_listed_in_one_report(
    gasp: GaspRunner, site: Path, unchanged: Any
) -> None:
    content = _request(
        GOOD_TIME,
        {**GOOD_TIME, "module": "Nope"},
        {**GOOD_NUMBER, "ev_per_run": 1000},
        {**GOOD_RUN, "run_numbers": [1, 1]},
    )
    (site / "bad.json").write_text(json.dumps(content))
    result = gasp("-c", "site.toml", "submit", "production", "bad.json")
    _assert_refused(
        result,
        [
            "3 problems, nothing written",
            "modules[1].module",
            "modules[2].ev_per_run",
            "modules[3].run_numbers",
        ],
    )


def test_malformed_json_names_line_and_column(gasp: GaspRunner, site: Path, unchanged: Any) -> None:
    (site / "bad.json").write_text(
        '{\n  "rat_v": "1.0.0",\n  "modules": [\n    {"module": "ScintBi214",}\n  ]\n}\n'
    )
    _assert_refused(
        gasp("-c", "site.toml", "submit", "production", "bad.json"), ["bad.json", "line 4, column"]
    )


def test_empty_and_missing_request_files(gasp: GaspRunner, site: Path, unchanged: Any) -> None:
    (site / "empty.json").write_text("  \n")
    _assert_refused(
        gasp("-c", "site.toml", "submit", "production", "empty.json"), ["empty.json", "empty"]
    )
    _assert_refused(
        gasp("-c", "site.toml", "submit", "production", "nope.json"), ["nope.json", "cannot read"]
    )


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ["missing.txt", "cannot read run list"]),
        ("", ["runs.bad", "empty"]),
        ("# only a comment\n\n", ["runs.bad", "empty"]),
        ("100151\nabc\n100152\n", ["runs.bad", "line 2", "not a run number"]),
        ("100151\n100151.5\n", ["runs.bad", "line 2"]),
        ("100151\n100152\n100151\n", ["runs.bad", "line 3", "already listed on line 1"]),
        ("0\n", ["runs.bad", "line 1", "run numbers go from 1 to 9999999999, not 0"]),
        ("10000000000\n", ["runs.bad", "line 1", "not 10000000000"]),
        ("100151\n\u00b2\n", ["runs.bad", "line 2", "not a run number: '\u00b2'"]),
    ],
)
def test_bad_run_lists(
    gasp: GaspRunner, site: Path, unchanged: Any, content: str | None, fragments: list[str]
) -> None:
    name = "missing.txt"
    if content is not None:
        name = "runs.bad"
        (site / name).write_text(content)
    result = gasp("-c", "site.toml", "submit", "production", "-L", name, "run_mode_runlist.json")
    _assert_refused(result, fragments)


def test_outlist_in_a_missing_folder(gasp: GaspRunner, site: Path, unchanged: Any) -> None:
    result = gasp(
        "-c", "site.toml", "submit", "production", "-o", "no/such/dir/x.exactly", "time_mode.json"
    )
    _assert_refused(result, ["does not exist"])


def test_unknown_request_to_resume(gasp: GaspRunner, site: Path, unchanged: Any) -> None:
    result = gasp("-c", "site.toml", "submit", "production", "--request", "nope", "time_mode.json")
    _assert_refused(result, ["--request nope", "no such request"])
