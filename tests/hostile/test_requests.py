"""Hostile production request files: refused whole, every problem named, nothing written.

End to end through ``gasp submit production`` (a subprocess per case: exit 2, the file and
field named, no traceback, documents and files unchanged, run allocators included), and
the request validator in-process under hypothesis for the classes of value (huge counts,
template text) where many examples are cheap.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gasp.submit.request_file import parse_request_data, parse_request_text
from gasp.values import MAX_COUNT
from tests.hostile.harness import HostileSite

TIME = {"module": "ScintPo210", "t_run": 2, "t_format": "day", "n_runs": 3}
NUMBER = {"module": "WaterPmtBetagammas", "n_ev": 100, "ev_per_run": 10, "template": {"radius": 1}}
RUN = {"module": "WaterBi214Run", "run_numbers": [100151]}
RUN_NUMBER = {"module": "WaterN16SourceRun", "n_ev": 60, "ev_per_run": 30, "run_numbers": [7]}


def request(*entries: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"rat_v": "1.0.0", "modules": list(entries), **top}


def write(site: HostileSite, content: Any, name: str = "req.json") -> str:
    text = content if isinstance(content, str | bytes) else json.dumps(content)
    path = site.folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return name


def allocator(site: HostileSite, module: str) -> dict[str, Any] | None:
    for docs in site.snapshot()["databases"].values():
        if f"runs:production:{module}" in docs:
            found: dict[str, Any] = docs[f"runs:production:{module}"]
            return found
    return None


# -- end to end ----------------------------------------------------------------------------

CASES: list[tuple[str, Any, list[str]]] = [
    (
        "runs beyond the largest run number",
        request({**RUN, "run_numbers": [100151, 10**10]}),
        ["modules[0].run_numbers[1]", "run numbers go from 1 to 9999999999"],
    ),
    ("run number zero", request({**RUN, "run_numbers": [0]}), ["modules[0].run_numbers[0]"]),
    (
        "events beyond the largest count",
        request({**NUMBER, "n_ev": 10**30}),
        ["modules[0].n_ev", "less than or equal to 1000000000000"],
    ),
    (
        "t_run that is infinite",
        '{"rat_v": "1.0.0", "modules": [{"module": "ScintPo210", "t_run": Infinity, '
        '"t_format": "day", "n_runs": 1}]}',
        ["modules[0].t_run", "finite"],
    ),
    (
        "t_run overflowing to infinity in seconds",
        request({**TIME, "t_run": 1e306, "t_format": "year"}),
        ["modules[0].t_run", "more seconds than a number can hold"],
    ),
    (
        "t_run NaN",
        '{"rat_v": "1.0.0", "modules": [{"module": "ScintPo210", "t_run": NaN, '
        '"t_format": "day", "n_runs": 1}]}',
        ["modules[0].t_run", "finite"],
    ),
    (
        "newline in a template value",
        request({**NUMBER, "template": {"radius": "7250\n/rat/proc outroot"}}),
        ["modules[0].template.radius", "single line"],
    ),
    (
        "comment in a template value",
        request({**NUMBER, "template": {"radius": "7250 # rest"}}),
        ["modules[0].template.radius", "'#'"],
    ),
    (
        "infinite template number",
        '{"rat_v": "1.0.0", "modules": [{"module": "WaterPmtBetagammas", "n_ev": 10, '
        '"ev_per_run": 5, "template": {"radius": -Infinity}}]}',
        ["modules[0].template.radius", "finite"],
    ),
    (
        "template value that is a list",
        request({**NUMBER, "template": {"radius": [1, 2]}}),
        ["modules[0].template.radius", "text or a number"],
    ),
    (
        "label over two lines",
        request({**TIME, "label": "Scint\n2026"}),
        ["modules[0].label", "not a safe name"],
    ),
    ("label too long", request({**TIME, "label": "L" * 101}), ["modules[0].label", "at most 100"]),
    ("huge priority", request({**TIME, "priority": 10**30}), ["modules[0].priority"]),
    ("module with a slash", request({**TIME, "module": "../x"}), ["modules[0].module"]),
    ("rat_v over two lines", request(TIME, rat_v="1.0.0\nx"), ["rat_v", "not a safe name"]),
    ("deeply nested JSON", '{"rat_v": ' + "[" * 100_000 + "]" * 100_000 + "}", ["nested"]),
    ("not UTF-8", b'{"rat_v": "1.0.0\xff"}', ["not UTF-8"]),
    (
        "a count thousands of digits long",
        '{"rat_v": "1.0.0", "modules": [{"module": "ScintPo210", "n_runs": ' + "9" * 5000 + "}]}",
        ["digits"],
    ),
    ("entry that is not an object", request(TIME, 5), ["modules[1]", "valid dictionary"]),
]


@pytest.mark.parametrize(("what", "content", "mentions"), CASES, ids=[c[0] for c in CASES])
def test_hostile_request_is_refused(
    site: HostileSite, what: str, content: Any, mentions: list[str]
) -> None:
    name = write(site, content)
    site.refuses("submit", "production", name, "-o", "out.exactly", mentions=[name, *mentions])


def test_every_problem_of_every_entry_is_reported_in_file_order(site: HostileSite) -> None:
    """A type error in one entry does not hide the catalogue problems of the others."""
    content = request(
        {**TIME, "n_runs": "3"},  # shape: a string for a count
        {**TIME, "module": "ScintPo211"},  # catalogue: unknown module
        {**NUMBER, "n_ev": 10.5},  # shape: not a whole number
        {**NUMBER, "n_ev": 5, "ev_per_run": 6},  # catalogue: more per run than in all
        {**NUMBER, "template": {"radius": "1\n/run/beamOn 1"}},  # shape: macro injection
    )
    name = write(site, content)
    message = site.refuses("submit", "production", name, mentions=["5 problems"])
    expected = [
        "modules[0].n_runs",
        "modules[1].module",
        "modules[2].n_ev",
        "modules[3].ev_per_run",
        "modules[4].template.radius",
    ]
    positions = [message.index(fragment) for fragment in expected]
    assert positions == sorted(positions), message


def test_run_count_of_10_to_the_30_leaves_the_allocator_alone(site: HostileSite) -> None:
    """Bounded before anything is reserved; the next valid request gets runs from 1."""
    name = write(site, request({**TIME, "n_runs": 10**30}))
    site.refuses("submit", "production", name, mentions=[name, "modules[0].n_runs"])
    within = write(site, request({**TIME, "n_runs": MAX_COUNT}), "within.json")
    site.refuses("submit", "production", within, mentions=[f"makes {MAX_COUNT} jobs"])
    assert allocator(site, "ScintPo210") is None
    valid = write(site, request(TIME), "valid.json")
    result = site.gasp("submit", "production", valid, "-o", "ok.exactly")
    assert result.returncode == 0, result.stderr
    lines = (site.folder / "ok.exactly").read_text().split()
    assert lines == ["ScintPo210", "1", "1", "ScintPo210", "2", "1", "ScintPo210", "3", "1"]
    stored = allocator(site, "ScintPo210")
    assert stored is not None and stored["next_run"] == 4


def test_run_mode_with_a_huge_subjob_count_is_refused_by_arithmetic(site: HostileSite) -> None:
    """Run mode makes n_runs subjobs per run: 10**12 of them is refused, never built."""
    name = write(site, request({**RUN, "n_runs": MAX_COUNT}))
    site.refuses(
        "submit",
        "production",
        name,
        mentions=[name, f"makes {MAX_COUNT} subjobs", "[submit] max_subjobs"],
    )


def test_event_count_that_splits_into_too_many_jobs(site: HostileSite) -> None:
    name = write(site, request({**NUMBER, "n_ev": MAX_COUNT, "ev_per_run": 1}))
    site.refuses(
        "submit", "production", name, mentions=[f"makes {MAX_COUNT} jobs", "[submit] max_jobs"]
    )


def test_request_over_the_site_limit_names_the_figure_and_the_key(site: HostileSite) -> None:
    with site.config.open("a") as config:
        config.write("[submit]\nmax_jobs = 5\nmax_subjobs = 50\n")
    name = write(site, request(TIME, {**TIME, "module": "ScintBi214"}))  # 3 + 3 jobs
    site.refuses("submit", "production", name, mentions=["makes 6 jobs", "the 5 this site"])
    subjobs = write(site, request({**RUN_NUMBER, "n_ev": 60, "ev_per_run": 1}), "sub.json")
    site.refuses("submit", "production", subjobs, mentions=["makes 60 subjobs", "max_subjobs"])


def test_generic_runs_past_the_largest_run_number_are_refused(site: HostileSite) -> None:
    """An allocator near ``MAX_RUN`` refuses the block before anything moves."""
    from gasp.store import open_server

    server = open_server(site.store_url)
    try:
        for db_name in server.list_databases():
            if db_name.endswith("_prod"):
                server.database(db_name).put(
                    {
                        "_id": "runs:production:ScintPo210",
                        "type": "run_allocator",
                        "kind": "production",
                        "module": "ScintPo210",
                        "next_run": 9_999_999_999,
                    }
                )
    finally:
        server.close()
    name = write(site, request(TIME))
    site.refuses("submit", "production", name, mentions=[name, "modules[0]", "largest run number"])


# -- the validator, in-process -------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=MAX_COUNT + 1, max_value=10**300))
def test_any_count_beyond_the_bound_is_a_problem_of_its_field(count: int) -> None:
    for name in ("n_ev", "ev_per_run", "n_runs"):
        parsed = parse_request_data(request({**NUMBER, name: count}), "r.json")
        assert any(f"modules[0].{name}" in p for p in parsed.by_entry[0]), parsed.by_entry


@settings(max_examples=30, deadline=None)
@given(st.tuples(st.text(), st.sampled_from("\n\r\x00\x1b#\x85\u2028"), st.text()).map("".join))
def test_template_text_that_would_leave_its_line_is_refused(text: str) -> None:
    parsed = parse_request_data(request({**NUMBER, "template": {"radius": text}}), "r.json")
    assert 0 in parsed.by_entry and "modules[0].template.radius" in parsed.by_entry[0][0]
    assert "\n" not in parsed.by_entry[0][0]


@settings(max_examples=30, deadline=None)
@given(st.recursive(st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3)))
def test_any_json_value_as_an_entry_gives_problems_not_exceptions(value: Any) -> None:
    parsed = parse_request_text(json.dumps(request(value, TIME)), "r.json")
    assert 1 in parsed.entries and 0 in parsed.by_entry


def test_a_valid_entry_is_kept_beside_a_broken_one() -> None:
    parsed = parse_request_data(request({**TIME, "n_runs": True}, TIME), "r.json")
    assert sorted(parsed.entries) == [1] and parsed.count == 2
    assert parsed.in_file_order() == ["r.json: modules[0].n_runs: Input should be a valid integer"]


def test_keys_of_the_file_stay_on_one_line_in_the_report() -> None:
    content = {**request({**TIME, "x\ny": 1}), "a\nb": 1}
    parsed = parse_request_data(content, "r.json")
    problems = parsed.in_file_order()
    assert problems == [
        "r.json: a\\nb: unknown field",
        "r.json: modules[0].x\\ny: unknown field",
    ]
