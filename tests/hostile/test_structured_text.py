"""One class of hostile text, every reader: each command that reads JSON from a user gets
the same refusal for the same bad text, because they all parse through ``gasp.parsing``.

If a reader goes back to ``json.loads`` of its own, one of these cases fails for it.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gasp.errors import InputError
from gasp.parsing import MAX_DEPTH, depth_of, parse_json, parse_toml
from tests.hostile.harness import HostileSite

DEEP = "[" * 5000 + "]" * 5000
HOSTILE_JSON = {
    "deep nesting": (DEEP.encode(), "nested more than"),
    "repeated key": (b'{"rat_v": "1.0.0", "rat_v": "2.0.0", "modules": []}', "appears twice"),
    "huge integer": (b'{"n": ' + b"9" * 5000 + b"}", "thousands of digits"),
    "not UTF-8": (b'{"rat_v": "\xff\xfe"}', "UTF-8"),
    "malformed": (b'{"rat_v": ', "line 1"),
}

# (command words before the file, file name): every command that reads a JSON file.
READERS = {
    "request": (["submit", "production"], "request.json"),
    "request, dry run": (["submit", "production", "--dry-run"], "request.json"),
    "catalogue": (["catalog", "upload"], "catalogue.json"),
    "run table": (["runs", "import"], "runs.json"),
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("case", sorted(HOSTILE_JSON))
def test_every_json_reader_refuses_the_same_hostile_text(
    site: HostileSite, reader: str, case: str
) -> None:
    words, name = READERS[reader]
    content, fragment = HOSTILE_JSON[case]
    (site.folder / name).write_bytes(content)
    site.refuses(*words, name, mentions=[name, fragment])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
        ("[site]\nname = 'x'\n[site]\nname = 'y'\n", "malformed TOML"),
        ("a = " + "9" * 5000 + "\n", "thousands of digits"),
    ],
)
def test_the_config_reader_refuses_hostile_toml(
    site: HostileSite, content: str, fragment: str
) -> None:
    (site.folder / "bad.toml").write_text(content)
    site.refuses("-c", "bad.toml", "db", "init", config=False, mentions=["bad.toml", fragment])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=60, deadline=None)
@given(JSON_VALUES)
def test_any_value_within_the_depth_limit_reads_back_unchanged(value: object) -> None:
    text = json.dumps(value)
    assert depth_of(value) <= MAX_DEPTH
    assert parse_json(text, "x.json") == value


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=MAX_DEPTH + 1, max_value=20_000))
def test_any_depth_past_the_limit_is_refused_in_one_message(depth: int) -> None:
    with pytest.raises(InputError, match="nested more than"):
        parse_json("[" * depth + "]" * depth, "x.json")
    with pytest.raises(InputError, match="nested more than"):
        parse_toml("a = " + "[" * depth + "]" * depth, "x.toml")


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=8), st.integers(), st.integers())
def test_a_repeated_key_is_refused_wherever_it_is(key: str, first: int, second: int) -> None:
    pair = f"{json.dumps(key)}: {first}, {json.dumps(key)}: {second}"
    with pytest.raises(InputError, match="appears twice"):
        parse_json(f'{{"outer": [{{{pair}}}]}}', "x.json")
