"""Processing catalogues whose names do not resolve, or whose prerequisites form a cycle.

The checks run on generated prerequisite graphs against an independent oracle (peeling
modules whose prerequisites are all peeled: what remains is in or behind a cycle), and on
the model itself, which must refuse such a catalogue with every problem at its field path.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gasp.catalog.model import ProcessingCatalogue
from gasp.catalog.references import prerequisite_cycles, reference_problems
from gasp.model.run import RUN_TYPES
from gasp.validation import validation_problems

Graph = dict[str, list[str]]


@st.composite
def graphs(draw: st.DrawFn, *, acyclic: bool = False, smallest: int = 1) -> Graph:
    """Modules M0..Mn with distinct prerequisites among the others (only lower ones if
    ``acyclic``), each list in a drawn order."""
    size = draw(st.integers(min_value=smallest, max_value=9))
    names = [f"M{i}" for i in range(size)]
    graph: Graph = {}
    for i, name in enumerate(names):
        pool = names[:i] if acyclic else names[:i] + names[i + 1 :]
        chosen = draw(st.lists(st.sampled_from(pool), unique=True) if pool else st.just([]))
        graph[name] = chosen
    return graph


def has_cycle(graph: Graph) -> bool:
    """The oracle: repeatedly remove modules whose prerequisites are all removed."""
    remaining = dict(graph)
    changed = True
    while changed:
        changed = False
        for name, listed in list(remaining.items()):
            if not any(p in remaining for p in listed):
                del remaining[name]
                changed = True
    return bool(remaining)


def catalogue(graph: Graph, run_types: dict[str, list[str]] | None = None) -> dict[str, Any]:
    module = {"type": "macro", "level": "run", "path": "mac/x.mac", "outputs": ["ntuple"]}
    return {
        "kind": "processing",
        "rat_version": "1.0.0",
        "modules": {
            name: {**module, "prerequisites": listed, "raw_processor": not listed}
            for name, listed in graph.items()
        },
        "modules_for_run_type": run_types or {},
    }


def refusal(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        ProcessingCatalogue.model_validate(raw)
    return validation_problems(caught.value)


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_a_cycle_is_found_exactly_when_there_is_one(graph: Graph) -> None:
    cycles = prerequisite_cycles(graph)
    assert bool(cycles) == has_cycle(graph)
    covered: set[str] = set()
    for cycle in cycles:
        assert cycle[0] == cycle[-1] and len(cycle) >= 3
        assert len(set(cycle[:-1])) == len(cycle) - 1, "a cycle visits a module once"
        for module, prerequisite in pairwise(cycle):
            assert prerequisite in graph[module], f"{module} -> {prerequisite} is no link"
        assert not covered & set(cycle), "one cycle per knot of modules"
        covered |= set(cycle)


@settings(max_examples=200, deadline=None)
@given(graphs(acyclic=True), st.lists(st.sampled_from(RUN_TYPES), unique=True))
def test_acyclic_catalogues_are_accepted(graph: Graph, run_types: list[str]) -> None:
    defaults = {run_type: sorted(graph) for run_type in run_types}
    parsed = ProcessingCatalogue.model_validate(catalogue(graph, defaults))
    assert set(parsed.modules) == set(graph)


@settings(max_examples=200, deadline=None)
@given(graphs(acyclic=True, smallest=2), st.data())
def test_closing_a_loop_is_refused_with_the_cycle_named(graph: Graph, data: st.DataObject) -> None:
    low, high = sorted(
        data.draw(st.lists(st.sampled_from(sorted(graph)), min_size=2, max_size=2, unique=True))
    )
    # Any two modules: the one needs the other, which (now) needs the first.
    graph[low] = [*graph[low], high] if high not in graph[low] else graph[low]
    graph[high] = [*graph[high], low] if low not in graph[high] else graph[high]
    problems = refusal(catalogue(graph))
    assert any(p.startswith("modules.") and "prerequisite cycle" in p for p in problems), problems


def test_every_problem_is_reported_with_its_field_path() -> None:
    raw = catalogue(
        {"A": ["A", "Z", "B", "B"], "B": ["C"], "C": ["B"]},
        {"Physics": ["A", "Nope", "A"], "Cosmics": ["A"]},
    )
    assert refusal(raw) == [
        "modules.A.prerequisites[0]: 'A' is the module itself",
        "modules.A.prerequisites[1]: unknown module 'Z'",
        "modules.A.prerequisites[3]: 'B' is listed twice",
        "modules_for_run_type.Physics[1]: unknown module 'Nope'",
        "modules_for_run_type.Physics[2]: 'A' is listed twice",
        "modules_for_run_type.Cosmics: unknown run type 'Cosmics': expected one of "
        + ", ".join(RUN_TYPES),
        "modules.B.prerequisites: prerequisite cycle B -> C -> B: remove one link",
    ]


def test_a_long_chain_closed_into_a_loop_does_not_exhaust_the_stack() -> None:
    size = 20_000
    graph = {f"M{i}": [f"M{(i + 1) % size}"] for i in range(size)}
    (cycle,) = prerequisite_cycles(graph)
    assert len(cycle) == size + 1
    assert (
        reference_problems(
            {f"M{i}": [f"M{i + 1}"] for i in range(size - 1)} | {f"M{size - 1}": []}, {}
        )
        == []
    )
