"""Hostile run tables through the real ``gasp runs import FILE``: exit 2, file and line, nothing written.

Each value has the rule it has everywhere else: run numbers in ASCII digits from 1 to
``MAX_RUN`` (``²`` passes ``str.isdigit`` and once crashed ``int``), times in ISO 8601 with
their zone and a year from 1970 to 9999 (year 1 with an offset once overflowed), and JSON
read with the shared limits (not UTF-8, nested absurdly deep, numbers thousands of digits
long).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gasp.errors import InputError
from gasp.runs.table import read_table
from tests.hostile.harness import HostileSite

HEADER = "run,run_type,start,end,complete\n"
GOOD = "100151,Physics,2024-03-01T10:00:00Z,2024-03-01T11:00:00Z,yes\n"


@pytest.mark.parametrize(
    ("line", "mentions"),
    [
        ("10015²,Physics,,,\n", ["line 3", "run: not a run number: '10015²'"]),
        ("١٠٠١٥٢,Physics,,,\n", ["line 3", "run: not a run number"]),
        ("0,Physics,,,\n", ["line 3", "run: run numbers go from 1 to 9999999999, not 0"]),
        ("10000000000,Physics,,,\n", ["line 3", "run numbers go from 1 to 9999999999"]),
        ("9" * 5000 + ",Physics,,,\n", ["line 3", "run: number too large"]),
        ("-5,Physics,,,\n", ["line 3", "run: not a run number: '-5'"]),
        ("100152,Physics,0001-01-01T00:00:00+05:00,,\n", ["line 3", "start: not an ISO 8601"]),
        ("100152,Physics,0001-01-01T00:00:00Z,,\n", ["line 3", "start: year 1 is out of range"]),
        ("100152,Physics,,9999-12-31T23:59:00-05:00,\n", ["line 3", "end: not an ISO 8601"]),
        ("100152,Physics,2024-03-01T10:00:00,,\n", ["line 3", "start:", "has no time zone"]),
        ("100152,Physics,2024-03-01T10:00:00Z,2024-03-01T09:00:00Z,\n",
         ["line 3", "end: 2024-03-01T09:00:00Z is before start 2024-03-01T10:00:00Z"]),
        ("100152,Cosmics,,,\n", ["line 3", "run_type: unknown run type 'Cosmics'"]),
    ],
)  # fmt: skip
def test_bad_csv_values_are_refused(site: HostileSite, line: str, mentions: list[str]) -> None:
    (site.folder / "runs.csv").write_text(HEADER + GOOD + line, "utf-8")
    site.refuses("runs", "import", "runs.csv", mentions=["runs.csv", *mentions])


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        ('[{"run": 1e400, "run_type": "Physics"}]', ["[0]", "run: not a run number"]),
        ('[{"run": NaN, "run_type": "Physics"}]', ["[0]", "run: not a run number: nan"]),
        ('[{"run": 100151.0, "run_type": "Physics"}]', ["[0]", "run: not a run number"]),
        ('[{"run": true, "run_type": "Physics"}]', ["[0]", "run: not a run number: True"]),
        ('[{"run": "²", "run_type": "Physics"}]', ["[0]", "run: not a run number: '²'"]),
        ('[{"run": 0, "run_type": "Physics"}]', ["[0]", "run numbers go from 1"]),
        ('[{"run": 1, "run_type": "Physics", "start": "0001-01-01T00:00:00+01:00"}]',
         ["[0]", "start: not an ISO 8601 time"]),
        ('[{"run": 1, "run_type": "Physics", "end": 17}]', ["[0]", "end: not an ISO 8601"]),
        ('[{"run": ' + "1" * 5000 + ', "run_type": "Physics"}]', ["thousands of digits"]),
        ("[" * 100_000 + "]" * 100_000, ["nested more than 64 levels deep"]),
    ],
)  # fmt: skip
def test_bad_json_tables_are_refused(site: HostileSite, content: str, mentions: list[str]) -> None:
    (site.folder / "runs.json").write_text(content, "utf-8")
    site.refuses("runs", "import", "runs.json", mentions=["runs.json", *mentions])


@pytest.mark.parametrize("name", ["runs.json", "runs.csv"])
def test_tables_that_are_not_utf8_are_refused(site: HostileSite, name: str) -> None:
    (site.folder / name).write_bytes(HEADER.encode() + b"100151,Physics,\xff\xfe,,\n")
    site.refuses("runs", "import", name, mentions=[name, "not UTF-8 text"])


# -- in process, over many values --------------------------------------------------------------

REUSED_FOLDER = HealthCheck.function_scoped_fixture  # each example rewrites the one file
DIGITS = st.characters(categories=["Nd", "No"])  # every kind of digit, ASCII or not


@settings(max_examples=200, deadline=None, suppress_health_check=[REUSED_FOLDER])
@given(st.text(DIGITS, min_size=1, max_size=12).filter(lambda t: not t.isascii()))
def test_digits_that_are_not_ascii_are_refused_with_the_line(tmp_path: Path, run: str) -> None:
    table = tmp_path / "runs.csv"
    table.write_text(HEADER + GOOD + f"{run},Physics,,,\n", "utf-8")
    with pytest.raises(InputError) as caught:
        read_table(table)
    assert str(caught.value).startswith(f"{table}: line 3: run: not a run number")


@settings(max_examples=200, deadline=None, suppress_health_check=[REUSED_FOLDER])
@given(st.text(max_size=12))
def test_any_run_column_gives_rows_or_an_input_error(tmp_path: Path, run: str) -> None:
    table = tmp_path / "runs.json"
    table.write_text(json.dumps([{"run": run, "run_type": "Physics"}]), "utf-8")
    try:
        rows = read_table(table)
    except InputError as exc:
        assert str(exc).startswith(f"{table}: [0]: run: ")
    else:
        assert 1 <= rows[0].run <= 9_999_999_999 and run.strip().isascii()
