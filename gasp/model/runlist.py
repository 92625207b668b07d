"""Run lists (``-L FILE``): one run number a line; blank lines and ``#`` comments allowed.

Each line follows the one rule for run numbers (``gasp.values.parse_run``: ASCII digits,
1 to ``MAX_RUN``), so a ``²`` or an eleven-digit run is refused here, naming the line,
rather than failing at run time or waiting forever for a run that cannot exist.
"""

from __future__ import annotations

from pathlib import Path

from gasp.values import parse_run


def read_run_list(path: Path) -> tuple[list[int], list[str]]:
    """The runs of a run list, and the problems found (each naming the file and line)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return [], [f"{path}: cannot read run list: {exc.strerror or exc}"]
    except UnicodeDecodeError as exc:
        return [], [f"{path}: cannot read run list: not UTF-8 text (byte {exc.start})"]
    runs: list[int] = []
    problems: list[str] = []
    seen: dict[int, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            run = parse_run(line)
        except ValueError as exc:
            problems.append(f"{path}: line {number}: {exc}")
            continue
        if run in seen:
            problems.append(f"{path}: line {number}: run {run} already listed on line {seen[run]}")
        else:
            seen[run] = number
            runs.append(run)
    if not runs and not problems:
        problems.append(f"{path}: the run list is empty")
    return runs, problems
