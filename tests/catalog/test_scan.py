"""Scanning one macro: a line the rule cannot read exactly is a problem, never cut or dropped."""

from __future__ import annotations

import re
import string

from hypothesis import given
from hypothesis import strategies as st

from gasp.catalog.model import ProductionModule
from gasp.catalog.scan import scan_macro

OUTPUTS = "/rat/proc outroot\n/rat/proc outntuple\n"
GENERATOR = "/generator/add combo gun:fill\n"


def scan(text: str) -> tuple[ProductionModule | None, list[str]]:
    return scan_macro(text, relative_path="mac/production/m.mac", internal_rate=(), source="m.mac")


@given(st.text(alphabet=string.ascii_letters + string.digits + "_ -.:/", max_size=12))
def test_a_suffix_is_taken_whole_or_refused(word: str) -> None:
    module, problems = scan(f'{OUTPUTS}/rat/procset suffix "{word}"\n{GENERATOR}')
    if re.fullmatch(r"[A-Za-z0-9_]+", word):
        assert problems == [] and module is not None
        assert module.other_suffix == word
        assert list(module.outputs) == ["ratds", "other_ntuple"]
    else:
        assert module is None
        shown = word or "nothing"
        assert problems == [
            f"m.mac, line 3: the suffix must be one word of letters, digits and _, not {shown!r}"
        ]


def test_a_suffix_with_a_space_is_refused_not_cut() -> None:
    module, problems = scan(f'{OUTPUTS}/rat/procset suffix "co inc"\n{GENERATOR}')
    assert module is None
    assert problems == [
        "m.mac, line 3: the suffix must be one word of letters, digits and _, not 'co inc'"
    ]


def test_a_second_suffix_is_refused_not_dropped() -> None:
    text = f"/rat/proc outroot\n/rat/procset suffix a\n/rat/proc outntuple\n/rat/procset suffix b\n{GENERATOR}"
    module, problems = scan(text)
    assert module is None
    assert problems == [
        "m.mac, line 4: a second suffix (the first is on line 2); a macro may suffix one output only"
    ]


def test_a_suffix_must_follow_its_output_processor() -> None:
    for text in (
        "/rat/procset suffix a\n/rat/proc outroot\n",
        "/rat/proc outroot\n/rat/proc classifier\n/rat/procset suffix a\n",
        "/rat/proc outsoc\n/rat/procset suffix a\n",
    ):
        module, problems = scan(text + GENERATOR)
        assert module is None, text
        assert "must come right after /rat/proc outroot or outntuple" in problems[0], problems


def test_two_outputs_of_one_data_type_are_refused() -> None:
    module, problems = scan(f"/rat/proc outroot\n# a comment\n/rat/proc outroot\n{GENERATOR}")
    assert module is None
    assert problems == [
        "m.mac, line 3: a second ratds output (the first is on line 1): both would write one file"
    ]


def test_a_template_that_names_no_field_is_refused() -> None:
    module, problems = scan(f"{OUTPUTS}/generator/pos/set ${{my-radius}} 0 0\n{GENERATOR}")
    assert module is None
    assert problems[0].startswith("m.mac, line 3: ${my-radius} is not a template field name")


def test_every_problem_of_a_macro_is_listed_in_line_order() -> None:
    lines = [
        "/rat/proc outroot",
        '/rat/procset suffix "a b"',  # refused; no follow-on problem for line 1's output
        "/rat/proc outntuple",
        "/rat/proc outntuple",  # a second ntuple, found after the whole macro is read
        "/rat/proc outroot",
        "/rat/procset suffix x",
        "/rat/procset suffix y",
    ]
    _module, problems = scan("\n".join(lines))
    assert [p.split(":")[0] for p in problems] == [
        "m.mac, line 2",
        "m.mac, line 4",
        "m.mac, line 7",
    ]


def test_a_clean_macro_still_scans_as_before() -> None:
    module, problems = scan(f"{OUTPUTS}/generator/pos/set ${{radius}} 0 0\n/generator/rate/set 2\n")
    assert problems == [] and module is not None
    assert module.event_mode == "time"
    assert list(module.template) == ["radius"]
