"""What the names in a processing catalogue refer to: every one resolved, and no cycle.

Submission looks each module of a run type up in the catalogue and orders the modules by
their prerequisites. A name that is not there stops it half-way through writing
(``KeyError``); a cycle, or a module that is its own prerequisite, creates passes that
wait for each other for ever. So a catalogue is checked for them when it is read, and
every problem is reported with its field path (``modules.A.prerequisites[0]``).

Plain mappings in, plain problems out: the model (``model``) turns them into validation
errors, and the checks are tested on generated graphs without building catalogues.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gasp.model.run import check_run_type

Location = tuple[str | int, ...]
Problem = tuple[Location, str]


def reference_problems(
    prerequisites: Mapping[str, Sequence[str]],
    modules_for_run_type: Mapping[str, Sequence[str]],
) -> list[Problem]:
    """Every unresolved name, repeated name, self-reference, unknown run type and cycle.

    ``prerequisites`` maps each module to the modules it lists as its prerequisites.
    """
    problems: list[Problem] = []
    for name, listed in prerequisites.items():
        where: Location = ("modules", name, "prerequisites")
        problems += _listed(where, listed, prerequisites, itself=name)
    for run_type, listed in modules_for_run_type.items():
        try:
            check_run_type(run_type)
        except ValueError as exc:
            problems.append((("modules_for_run_type", run_type), str(exc)))
        problems += _listed(("modules_for_run_type", run_type), listed, prerequisites)
    for cycle in prerequisite_cycles(prerequisites):
        path = " -> ".join(cycle)
        problems.append(
            (("modules", cycle[0], "prerequisites"), f"prerequisite cycle {path}: remove one link")
        )
    return problems


def _listed(
    where: Location, listed: Sequence[str], known: Mapping[str, object], itself: str | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, name in enumerate(listed):
        if name == itself:
            problems.append(((*where, index), f"{name!r} is the module itself"))
        elif name not in known:
            problems.append(((*where, index), f"unknown module {name!r}"))
        elif name in seen:
            problems.append(((*where, index), f"{name!r} is listed twice"))
        seen.add(name)
    return problems


def prerequisite_cycles(prerequisites: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle per knot of modules that need each other, as ``[A, B, ..., A]``.

    Self-references and unknown names are left to ``reference_problems``; the rest is
    split into strongly connected components, and each component of two or more modules
    gives the cycle found by walking its first listed links from its smallest name.
    """
    edges = {
        name: [p for p in listed if p in prerequisites and p != name]
        for name, listed in prerequisites.items()
    }
    cycles: list[list[str]] = []
    for component in _components(edges):
        if len(component) < 2:
            continue
        members = set(component)
        trail: dict[str, int] = {}  # module -> its place on the walk
        node = min(component)
        while node not in trail:
            trail[node] = len(trail)
            node = next(p for p in edges[node] if p in members)
        cycles.append([*list(trail)[trail[node] :], node])
    return sorted(cycles)


def _components(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The strongly connected components (Tarjan's algorithm, without recursion).

    Without recursion because a hostile catalogue can chain thousands of modules, more
    than Python's stack allows.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def enter(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in edges:
        if root in index:
            continue
        enter(root)
        work = [(root, iter(edges[root]))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    enter(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while not component or component[-1] != node:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                found.append(component)
    return found


__all__ = ["Problem", "prerequisite_cycles", "reference_problems"]
