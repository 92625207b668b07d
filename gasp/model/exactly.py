"""``.exactly`` lists: the (module, run, pass) a campaign created, one ``module run pass``
line each. Request documents hold them compressed as run ranges per (module, pass), so a
100,000-job request stays a small document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from gasp.errors import InputError
from gasp.model.documents import ExactlyGroup
from gasp.values import check_name, parse_count, parse_run

Triple = tuple[str, int, int]


def format_lines(triples: Iterable[Triple]) -> str:
    return "".join(f"{module} {run} {pass_number}\n" for module, run, pass_number in triples)


def compress(triples: Iterable[Triple]) -> list[ExactlyGroup]:
    """Group by (module, pass) and fold consecutive runs into ``[first, last]`` ranges."""
    grouped: dict[tuple[str, int], list[int]] = {}
    for module, run, pass_number in triples:
        grouped.setdefault((module, pass_number), []).append(run)
    result: list[ExactlyGroup] = []
    for (module, pass_number), runs in grouped.items():
        ranges: list[list[int]] = []
        for run in sorted(set(runs)):
            if ranges and run == ranges[-1][1] + 1:
                ranges[-1][1] = run
            else:
                ranges.append([run, run])
        result.append({"module": module, "pass": pass_number, "runs": ranges})
    return result


def expand(compressed: Iterable[ExactlyGroup]) -> Iterator[Triple]:
    for group in compressed:
        for first, last in group["runs"]:
            for run in range(first, last + 1):
                yield group["module"], run, group["pass"]


def read_exactly(path: Path) -> list[Triple]:
    """Parse an ``.exactly`` file; a bad line is an error naming the file and line.

    The module is a safe name, the run follows the run-number rule and the pass is a
    whole number from 1, all in ASCII digits (``str.isdigit`` alone lets ``²`` through).
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: not UTF-8 text (byte {exc.start})") from None
    triples: list[Triple] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3:
            raise InputError(f"{path}: line {number}: expected 'module run pass', got {raw[:80]!r}")
        try:
            module, run, pass_number = (
                check_name(parts[0]),
                parse_run(parts[1]),
                parse_count(parts[2]),
            )
            if pass_number < 1:
                raise ValueError("pass numbers start at 1")
        except ValueError as exc:
            raise InputError(f"{path}: line {number}: {exc}") from None
        triples.append((module, run, pass_number))
    return triples
