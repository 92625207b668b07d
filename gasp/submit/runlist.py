"""Run lists (``-L FILE``): one run number a line; blank lines and ``#`` comments allowed."""

from __future__ import annotations

from pathlib import Path


def read_run_list(path: Path) -> tuple[list[int], list[str]]:
    """The runs of a run list, and the problems found (each naming the file and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot read run list: {getattr(exc, 'strerror', None) or exc}"]
    runs: list[int] = []
    problems: list[str] = []
    seen: dict[int, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.isdigit():
            problems.append(f"{path}: line {number}: not a run number: {raw.strip()!r}")
            continue
        run = int(line)
        if run <= 0:
            problems.append(f"{path}: line {number}: run numbers are positive")
        elif run in seen:
            problems.append(f"{path}: line {number}: run {run} already listed on line {seen[run]}")
        else:
            seen[run] = number
            runs.append(run)
    if not runs and not problems:
        problems.append(f"{path}: the run list is empty")
    return runs, problems
