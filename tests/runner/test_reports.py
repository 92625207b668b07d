"""Reports are external input to the client: bounded like everything else, never a traceback."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gasp.errors import InputError
from gasp.runner.spec import parse_report

SOURCE = "/jobs/x/report.json"


def good_report(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "name": "WaterPmtBetagammas_r100151_s0_p1_a1",
        "token": "t",
        "status": "completed",
        "exit_code": 0,
        "cpu_s": 1.5,
        "wall_s": 2.0,
        "started": "2024-03-01T10:00:00Z",
        "finished": "2024-03-01T10:00:02Z",
        "outputs": [
            {
                "data_type": "ratds",
                "name": "x.root",
                "lfn": "production/WaterPmtBetagammas/r100100/x.root",
                "size": 10,
                "adler32": "0a1b2c3d",
                "events": 20,
                "se": "primary-se",
                "url": "file:///se/production/WaterPmtBetagammas/r100100/x.root",
            }
        ],
    }
    report.update(changes)
    return report


def test_a_good_report_is_read() -> None:
    report = parse_report(json.dumps(good_report()), SOURCE)
    assert report.cpu_s == 1.5 and report.outputs[0].events == 20


@pytest.mark.parametrize(
    ("changes", "mentions"),
    [
        ({"cpu_s": math.nan}, ["cpu_s", "finite"]),
        ({"wall_s": math.inf}, ["wall_s", "finite"]),
        ({"cpu_s": -1.0}, ["cpu_s", "greater than or equal to 0"]),
        ({"stdout": "../../etc/passwd"}, ["stdout", "not a plain file name"]),
        ({"stderr": "/var/log/x"}, ["stderr", "not a plain file name"]),
        ({"started": "0001-01-01T00:00:00+05:00"}, ["started", "not an ISO 8601 time"]),
        ({"finished": "soon"}, ["finished", "not an ISO 8601 time"]),
        ({"exit_code": 10**30}, ["exit_code"]),
    ],
)
def test_out_of_bounds_values_are_refused(changes: dict[str, Any], mentions: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        parse_report(json.dumps(good_report(**changes)), SOURCE)
    for fragment in [SOURCE, *mentions]:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "mention"),
    [
        ("name", "../x.root", "outputs[0].name"),
        ("lfn", "/etc/x.root", "outputs[0].lfn"),
        ("events", -1, "outputs[0].events"),
        ("events", 10**13, "outputs[0].events"),
    ],
)
def test_bad_outputs_are_refused(field: str, value: Any, mention: str) -> None:
    report = good_report()
    report["outputs"][0][field] = value
    with pytest.raises(InputError, match=re.escape(mention)):
        parse_report(json.dumps(report), SOURCE)


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b"[" * 50_000 + b"]" * 50_000, "nested more than 64 levels deep"),
        (b'{"cpu_s": ' + b"9" * 5000 + b"}", "thousands of digits"),
        (b'{"name": ', "malformed JSON"),
    ],
)
def test_unreadable_reports_are_refused(text: bytes, mention: str) -> None:
    with pytest.raises(InputError, match=mention):
        parse_report(text, SOURCE)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_report_or_an_input_error(text: bytes) -> None:
    try:
        parse_report(text, SOURCE)
    except InputError as exc:
        assert str(exc).startswith(SOURCE)
