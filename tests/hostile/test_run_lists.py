"""Hostile run numbers: ``-L`` lists, ``--runs`` and run options of the submit commands.

Every door takes run numbers by the one rule of ``gasp.values``: ASCII digits, from 1 to
``MAX_RUN``. ``²`` passes ``str.isdigit`` and other scripts' digits pass ``int``; neither
may pass here. End to end through the real commands, and the readers in-process under
hypothesis.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gasp.errors import InputError
from gasp.model.exactly import read_exactly
from gasp.model.runlist import read_run_list
from gasp.submit.options import parse_runs_option
from gasp.values import MAX_RUN
from tests.hostile.conftest import FIXTURES
from tests.hostile.harness import HostileSite

RUN_LIST_REQUEST = "run_mode_runlist.json"

LIST_CASES: list[tuple[str, bytes, list[str]]] = [
    ("superscript two", "100151\n\u00b2\n".encode(), ["line 2", "not a run number", "'\u00b2'"]),
    ("arabic-indic digits", "\u0661\u0662\n".encode(), ["line 1", "not a run number"]),
    ("fullwidth digits", "\uff11\uff12\n".encode(), ["line 1", "not a run number"]),
    ("beyond the largest run", b"100151\n10000000000\n", ["line 2", "not 10000000000"]),
    ("a thousand digits", b"1" * 1000 + b"\n", ["line 1", "too large"]),
    ("negative", b"-5\n", ["line 1", "not a run number"]),
    ("NUL inside", b"100\x00151\n", ["line 1", "not a run number"]),
    ("not UTF-8", b"100151\n\xff\xfe\n", ["not UTF-8"]),
]


@pytest.mark.parametrize(
    ("what", "content", "mentions"), LIST_CASES, ids=[c[0] for c in LIST_CASES]
)
def test_hostile_run_list_for_production(
    site: HostileSite, what: str, content: bytes, mentions: list[str]
) -> None:
    (site.folder / RUN_LIST_REQUEST).write_bytes((FIXTURES / RUN_LIST_REQUEST).read_bytes())
    (site.folder / "runs.txt").write_bytes(content)
    site.refuses(
        "submit",
        "production",
        RUN_LIST_REQUEST,
        "-L",
        "runs.txt",
        "-o",
        "out.exactly",
        mentions=["runs.txt", *mentions],
    )


def test_a_megabyte_line_is_quoted_short(site: HostileSite) -> None:
    """The message quotes a bad value, never a megabyte of it."""
    (site.folder / RUN_LIST_REQUEST).write_bytes((FIXTURES / RUN_LIST_REQUEST).read_bytes())
    (site.folder / "runs.txt").write_text("1x" * 500_000 + "\n")
    message = site.refuses(
        "submit", "production", RUN_LIST_REQUEST, "-L", "runs.txt", mentions=["runs.txt", "..."]
    )
    assert len(message) < 400, message


def test_superscript_in_a_run_list_for_processing(site: HostileSite) -> None:
    (site.folder / "runs.txt").write_text("100151\n\u00b2\n")
    site.refuses(
        "submit", "processing", "-L", "runs.txt", mentions=["runs.txt", "line 2", "'\u00b2'"]
    )


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        ("100151,\u00b2", ["--runs", "'\u00b2'"]),
        ("\u0661", ["--runs", "not a run number"]),
        ("100151 10000000000", ["--runs", "not 10000000000"]),
        ("0", ["--runs", "not 0"]),
        (",", ["--runs", "no run numbers"]),
    ],
)
def test_hostile_runs_option(site: HostileSite, value: str, mentions: list[str]) -> None:
    site.refuses("submit", "processing", "--runs", value, mentions=mentions)


@pytest.mark.parametrize(
    "args",
    [
        ("--block", "\u00b2", "5"),
        ("--range", "1", "10000000000"),
        ("--start-run", "\u0661"),
        ("--after", "99999999999"),
        ("--force-prereq-pass", "Processing", "\u00b2", "--runs", "1"),
    ],
)
def test_hostile_run_options(site: HostileSite, args: tuple[str, ...]) -> None:
    site.refuses("submit", "processing", *args, mentions=[args[0]])


def test_run_numbers_of_a_request_follow_the_same_rule(site: HostileSite) -> None:
    request = {"rat_v": "1.0.0", "modules": [{"module": "WaterBi214Run", "run_numbers": [-1]}]}
    (site.folder / "r.json").write_text(json.dumps(request))
    site.refuses("submit", "production", "r.json", mentions=["modules[0].run_numbers[0]"])


# -- the readers, in-process ---------------------------------------------------------------

NOT_ASCII_DIGITS = st.text(
    st.characters(categories=["Nd", "No"], exclude_characters="0123456789"), min_size=1
)


@settings(max_examples=30, deadline=None)
@given(NOT_ASCII_DIGITS, st.integers(min_value=0, max_value=5))
def test_digits_that_are_not_ascii_are_refused_with_their_line(
    tmp_path_factory: pytest.TempPathFactory, digits: str, before: int
) -> None:
    path = tmp_path_factory.mktemp("lists") / "runs.txt"
    path.write_text("".join(f"{100 + i}\n" for i in range(before)) + digits + "\n")
    runs, problems = read_run_list(path)
    assert runs == [100 + i for i in range(before)]
    assert len(problems) == 1 and f"line {before + 1}: not a run number" in problems[0]
    _runs, option_problems = parse_runs_option([f"1,{digits}"])
    assert len(option_problems) == 1 and option_problems[0].startswith("--runs: ")


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=MAX_RUN + 1, max_value=10**29))
def test_runs_beyond_the_largest_are_refused(
    tmp_path_factory: pytest.TempPathFactory, run: int
) -> None:
    path = tmp_path_factory.mktemp("lists") / "runs.txt"
    path.write_text(f"{run}\n")
    assert read_run_list(path) == (
        [],
        [f"{path}: line 1: run numbers go from 1 to {MAX_RUN}, not {run}"],
    )


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("Module \u00b2 1", "not a run number"),
        ("Module 1 \u00b2", "not a whole number"),
        ("Module 1 0", "pass numbers start at 1"),
        ("../x 1 1", "not a safe name"),
        ("Module 1", "expected 'module run pass'"),
    ],
)
def test_exactly_lists_follow_the_same_rules(tmp_path: Path, line: str, fragment: str) -> None:
    path = tmp_path / "x.exactly"
    path.write_text(f"Module 5 1\n{line}\n")
    with pytest.raises(InputError, match="line 2") as caught:
        read_exactly(path)
    assert fragment in str(caught.value)
