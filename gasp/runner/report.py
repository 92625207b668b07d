"""Writing ``report.json``: atomically, and as the very last thing the runner does.

The client takes the presence of a report as "the runner finished", so a report must never
be seen half-written: it is written to a temporary name in the work folder, flushed to
disk, and renamed into place. A runner killed at any earlier moment leaves no report,
which the client reads as a job that did not finish (never as a success).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from gasp.jobfolder import REPORT_FILE
from gasp.runner.spec import JobReport

TAIL_LINES = 20
TAIL_CHARS = 4000


def now() -> str:
    """The current UTC time in the ISO-8601 form every gasp document uses."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def write_report(workdir: Path, report: JobReport) -> Path:
    """Publish ``report.json`` in ``workdir`` in one atomic step."""
    final = workdir / REPORT_FILE
    temp = workdir / f".{REPORT_FILE}.part-{os.getpid()}"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(report.model_dump_json(indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, final)
    descriptor = os.open(workdir, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return final


def tail(path: Path, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The last lines of a log, for an error message (empty if there is no log)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(handle.seek(0, os.SEEK_END) - 64 * 1024, 0))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    kept = "\n".join(text.rstrip().splitlines()[-lines:])
    return kept[-chars:]


__all__ = ["now", "tail", "write_report"]
